/**
 * The answer helpers of the solution notebooks (showAnswer, formatPercent, formatSignificant) and
 * the student-notebook generator's command line (`npm run students`, dist/tools/cli/make-student.js)
 * run as a process on temporary copies of solution notebooks (`--root`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatPercent, formatSignificant, showAnswer } from '../src/notebook/answer';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'cli', 'make-student.js');

describe('formatPercent', () => {
  it.each<[number, number | undefined, string]>([
    [0.8734, undefined, '87.3%'],
    [0.8734, 0, '87%'],
    [0.8734, 2, '87.34%'],
    [1, undefined, '100.0%'],
    [0, undefined, '0.0%'],
    [0.05, 1, '5.0%'],
    [0.00012, 3, '0.012%'],
    [-0.25, 0, '-25%'],
    [1.5, 1, '150.0%'],
  ])('formatPercent(%p, %p) is %p', (fraction, decimals, expected) => {
    expect(decimals === undefined ? formatPercent(fraction) : formatPercent(fraction, decimals)).toBe(expected);
  });
});

describe('formatSignificant', () => {
  it.each<[number, number | undefined, string]>([
    [0.0123456, undefined, '0.0123'],
    [0.0120000001, undefined, '0.012'],
    [149.63, undefined, '150'],
    [149.63, 4, '149.6'],
    [123456, undefined, '123000'],
    [2, undefined, '2'],
    [-0.98765, 2, '-0.99'],
    [0, undefined, '0'],
    [Number.NaN, undefined, 'NaN'],
    [Number.POSITIVE_INFINITY, undefined, 'Infinity'],
  ])('formatSignificant(%p, %p) is %p', (x, digits, expected) => {
    expect(digits === undefined ? formatSignificant(x) : formatSignificant(x, digits)).toBe(expected);
  });
});

describe('showAnswer', () => {
  afterEach(() => jest.restoreAllMocks());

  it('prints the Markdown outside a notebook (no tslab kernel in this process)', () => {
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    showAnswer('The FCN reached **0.036**.');
    showAnswer('Second answer', { writer: null });
    expect(log.mock.calls).toEqual([['The FCN reached **0.036**.'], ['Second answer']]);
  });

  it('sends Markdown (with a plain-text copy) to the display channel of a tslab kernel', () => {
    const messages: unknown[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    // The writer a running tslab kernel provides (found by tslabDisplayWriter, tested in figures-show).
    showAnswer('Accuracy *87.3%*', { writer: (m, update) => void messages.push([m, update]) });
    expect(messages).toEqual([
      [{ data: { 'text/markdown': 'Accuracy *87.3%*', 'text/plain': 'Accuracy *87.3%*' }, metadata: {}, transient: {} }, false],
    ]);
    expect(log).not.toHaveBeenCalled();
  });

  it('rejects an empty or non-string answer with a TypeError', () => {
    expect(() => showAnswer('')).toThrow(new TypeError('showAnswer: expected a non-empty Markdown string'));
    expect(() => showAnswer('  \n')).toThrow(TypeError);
    expect(() => showAnswer(42 as unknown as string)).toThrow(/expected a non-empty Markdown string/);
  });
});

describe('npm run students (dist/tools/cli/make-student.js)', () => {
  let root: string;
  const students = (...args: string[]) => {
    const run = spawnSync(process.execPath, [CLI, ...args], { cwd: root, encoding: 'utf8', timeout: 60000 });
    return { code: run.status, out: run.stdout, err: run.stderr };
  };
  const COPIED = ['03_latent_classification.ipynb', '05_decoder_generator.ipynb'];

  beforeAll(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-students-'));
    fs.mkdirSync(path.join(root, 'solutions'));
    for (const f of COPIED) fs.copyFileSync(path.join(ROOT, 'solutions', f), path.join(root, 'solutions', f));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const read = (rel: string) =>
    JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8')) as {
      cells: Array<{ id: string; cell_type: string; source: string[]; metadata?: { tags?: string[] } }>;
    };
  const text = (cell: { source: string[] }) => cell.source.join('');

  it('generates student notebooks: stubs for solutions, prompts for answers, same cells but the hidden checks; a second run changes nothing', () => {
    const first = students('--root', root);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    for (const f of COPIED) expect(first.out).toContain(`generated notebooks/${f}`);
    expect(first.out).toMatch(/students: 2 notebook\(s\), \d+ exercise stub\(s\), \d+ answer prompt\(s\); 2 written, 0 unchanged\./);
    for (const f of COPIED) {
      const solution = read(`solutions/${f}`);
      const student = read(`notebooks/${f}`);
      // Same cells in the same order, except the instructors' hidden checks, which students never see.
      const tags = (c: { metadata?: { tags?: string[] } }) => c.metadata?.tags ?? [];
      const kept = solution.cells.filter((c) => !tags(c).includes('hidden-check'));
      expect(kept.length).toBeLessThan(solution.cells.length);
      expect(student.cells.map((c) => c.id)).toEqual(kept.map((c) => c.id));
      // Only answer cells change type (a code answer becomes a Markdown prompt).
      const retyped = kept.filter((c, i) => student.cells[i].cell_type !== c.cell_type);
      expect(retyped.length).toBeGreaterThan(0);
      for (const c of retyped) expect(tags(c)).toContain('answer');
      const all = student.cells.map(text).join('\n');
      expect(all).not.toMatch(/BEGIN SOLUTION|END SOLUTION/);
      expect(all).toContain('Not implemented yet');
      expect(all).toContain('Write your answer here');
      expect(all).not.toContain('vl.showAnswer(');
      // Every solution block is gone from the student copy, and only there.
      const solutionCells = solution.cells.filter((c) => text(c).includes('// BEGIN SOLUTION'));
      expect(solutionCells.length).toBeGreaterThan(0);
      for (const c of solutionCells) expect(text(student.cells.find((s) => s.id === c.id)!)).not.toBe(text(c));
      // What the repository ships is what the command makes.
      expect(fs.readFileSync(path.join(root, 'notebooks', f), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'notebooks', f), 'utf8'));
    }
    const again = students('--root', root);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(/; 0 written, 2 unchanged\./);
    expect(students('--root', root, '--check')).toMatchObject({ code: 0, out: expect.stringContaining('notebooks/ is up to date') });
  });

  it('--check exits 1 naming a stale student notebook and a solution holding outputs; a regeneration cleans both', () => {
    expect(students('--root', root).code).toBe(0);
    const file = path.join(root, 'solutions', COPIED[0]);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Array<Record<string, unknown>> };
    const code = nb.cells.findIndex((c) => c.cell_type === 'code');
    nb.cells[code] = { ...nb.cells[code], execution_count: 3, outputs: [{ output_type: 'stream', name: 'stdout', text: ['hi\n'] }] };
    nb.cells.unshift({ id: 'new-intro', cell_type: 'markdown', metadata: {}, source: ['An added line.\n'] });
    fs.writeFileSync(file, JSON.stringify(nb));
    const check = students('--check', '--root', root);
    expect(check.code).toBe(1);
    expect(check.err).toContain(`notebooks/${COPIED[0]}: out of date with solutions/${COPIED[0]}`);
    expect(check.err).toMatch(new RegExp(`solutions/${COPIED[0]}: cell ${code + 2} \\(id [^)]+\\) holds 1 output\\(s\\) and execution_count 3`));
    const fix = students('--root', root);
    expect(fix.code).toBe(0);
    expect(fix.out).toContain(`cleaned   solutions/${COPIED[0]}`);
    expect(fix.out).toContain(`generated notebooks/${COPIED[0]}`);
    expect(read(`notebooks/${COPIED[0]}`).cells[0].id).toBe('new-intro');
    expect(students('--check', '--root', root).code).toBe(0);
  });

  it('bad invocations exit 2 with what was wrong and what was expected', () => {
    expect(students('--bogus')).toMatchObject({ code: 2, err: expect.stringMatching(/unknown argument "--bogus"\nusage: .*--root DIR/) });
    expect(students('--root')).toMatchObject({ code: 2, err: expect.stringMatching(/--root needs a folder/) });
    const missing = path.join(root, 'no-such-folder');
    const noRoot = students('--root', missing);
    expect(noRoot.code).toBe(2);
    expect(noRoot.err).toBe(`students: ${missing} does not exist: expected the repository folder (holding solutions/)\n`);
    expect(noRoot.out).toBe('');
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-students-empty-'));
    try {
      for (const args of [
        ['--root', empty],
        ['--check', '--root', empty],
      ]) {
        const run = students(...args);
        expect(run.code).toBe(2);
        expect(run.err).toBe(
          `students: no solution notebooks in ${path.join(empty, 'solutions')}: expected solutions/NN_topic.ipynb files (is --root the repository folder?)\n`,
        );
      }
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
    fs.writeFileSync(path.join(root, 'solutions', '99_broken.ipynb'), '{ not json');
    const broken = students('--root', root);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/^students: .*solutions\/99_broken\.ipynb/);
    expect(students('--help')).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: /) });
  });
});
