/**
 * The order in which the runner starts notebooks when several kernels run at once: the profile's
 * `startOrder` (the longest first, so that no long notebook runs alone at the end), then the rest
 * in file order; one kernel at a time keeps file order. Results stay listed in file order.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listNotebooks, runCli } from '../src/tools/runner/runner-cli';
import { checkStartOrder, loadProfiles, startSequence } from '../src/tools/runner/profiles';

const ROOT = path.resolve(__dirname, '..');

describe('startSequence', () => {
  const names = ['01_a', '02_b', '03_c', '04_d'];

  it('starts the listed notebooks first, in the listed order, then the rest in file order', () => {
    expect(startSequence(names, ['03_c', '01_a'], 2)).toEqual([2, 0, 1, 3]);
    expect(startSequence(names, ['04_d', '03_c', '02_b', '01_a'], 2)).toEqual([3, 2, 1, 0]);
  });

  it('keeps file order with one kernel or without a startOrder', () => {
    expect(startSequence(names, ['03_c', '01_a'], 1)).toEqual([0, 1, 2, 3]);
    expect(startSequence(names, undefined, 2)).toEqual([0, 1, 2, 3]);
  });

  it('skips listed notebooks that are not being run', () => {
    expect(startSequence(['02_b', '04_d'], ['03_c', '04_d', '01_a'], 2)).toEqual([1, 0]);
  });
});

describe('startOrder in profiles.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-order-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('must be a list of names without repeats, naming only notebooks that exist', () => {
    const file = path.join(dir, 'profiles.json');
    fs.writeFileSync(file, JSON.stringify({ profiles: { full: { startOrder: '14 first' } } }));
    expect(() => loadProfiles(file)).toThrow(/profiles\.full\.startOrder must be a list of notebook names, got "14 first"/);
    fs.writeFileSync(file, JSON.stringify({ profiles: { full: { startOrder: ['01_a', 2] } } }));
    expect(() => loadProfiles(file)).toThrow(/startOrder must be a list of notebook names/);
    fs.writeFileSync(file, JSON.stringify({ profiles: { full: { startOrder: ['01_a', '02_b', '01_a'] } } }));
    expect(() => loadProfiles(file)).toThrow(/profiles\.full\.startOrder lists "01_a" twice/);
    fs.writeFileSync(file, JSON.stringify({ profiles: { full: { startOrder: ['01_a', '02_bb'] } } }));
    const profiles = loadProfiles(file);
    expect(() => checkStartOrder(profiles, 'full', ['01_a', '02_b'], file)).toThrow(
      /profiles\.full\.startOrder names "02_bb", which is not a notebook \(notebooks: 01_a, 02_b\)/,
    );
    expect(() => checkStartOrder(profiles, 'quick', ['01_a', '02_b'], file)).not.toThrow();
  });

  it("the repository's full profile lists every notebook of solutions/ exactly once", () => {
    const file = path.join(ROOT, 'solutions', 'profiles.json');
    const profiles = loadProfiles(file);
    const notebooks = [...listNotebooks(path.join(ROOT, 'solutions')).keys()];
    checkStartOrder(profiles, 'full', notebooks, file);
    expect([...(profiles.profiles.full.startOrder ?? [])].sort()).toEqual([...notebooks].sort());
  });
});

describe('the runner with two kernels (real tslab kernels)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-order-run-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const notebook = (n: number) => ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { id: 'p', cell_type: 'code', metadata: { tags: ['parameters'] }, source: `let n = ${n};\n`, execution_count: null, outputs: [] },
      { id: 'c', cell_type: 'code', metadata: {}, source: 'console.log(n);\n', execution_count: null, outputs: [] },
    ],
  });

  it("starts the profile's startOrder first and lists the results in file order", async () => {
    const solutions = path.join(dir, 'solutions');
    fs.mkdirSync(solutions);
    ['01_a', '02_b', '03_c'].forEach((name, i) => fs.writeFileSync(path.join(solutions, `${name}.ipynb`), JSON.stringify(notebook(i))));
    const profiles = path.join(solutions, 'profiles.json');
    fs.writeFileSync(profiles, JSON.stringify({ default: 'quick', profiles: { quick: { startOrder: ['03_c', '01_a'] } } }));
    let log = '';
    const io = { out: (t: string) => void (log += t), err: (t: string) => void (log += t), tty: false };
    const out = path.join(dir, 'out');
    const code = await runCli(['--jobs', '2', '--out', out], { root: dir, solutions, profiles }, io);
    expect(code).toBe(0);

    const lines = log.split('\n');
    const starts = lines.filter((l) => / {2}starting kernel/.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(starts).toEqual(['03_c', '01_a', '02_b']);
    // 02_b waits for a free kernel: it starts only after one of the first two has finished.
    const firstDone = lines.findIndex((l) => / {2}ok {2}/.test(l));
    expect(firstDone).toBeGreaterThan(-1);
    expect(lines.findIndex((l) => /02_b {2}starting kernel/.test(l))).toBeGreaterThan(firstDone);
    expect(lines.find((l) => /03_c {2}starting kernel/.test(l))).toMatch(/^\[3\/3\] /);

    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as { notebooks: Array<{ name: string; status: string }> };
    expect(summary.notebooks.map((r) => [r.name, r.status])).toEqual([
      ['01_a', 'ok'],
      ['02_b', 'ok'],
      ['03_c', 'ok'],
    ]);
  }, 120000);
});
