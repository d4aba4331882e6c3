/**
 * End to end: `node dist/tools/cli/run.js` executes fixture notebooks in real tslab kernels.
 * Needs a built dist/ (`npm run build`; `npm install` does it in `prepare`).
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nbformatErrors } from './fixtures/notebooks/nbformat-schema/validate';
import type { CodeCell, Notebook } from '../src/tools/notebook-file';
import { alive, childPids } from './processes';
import { expectSummaryMatchesRun, readSummary } from './summary-schema';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'cli', 'run.js');
const FIXTURES = path.join(__dirname, 'fixtures', 'notebooks');
const fixture = (name: string) => path.join(FIXTURES, `${name}.ipynb`);

function runCliSync(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 110000 });
  return { code: result.status, stderr: result.stderr, stdout: result.stdout };
}

const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const codeCells = (nb: Notebook) => nb.cells.filter((c): c is CodeCell => c.cell_type === 'code');
const text = (value: string | string[]) => (Array.isArray(value) ? value.join('') : value);

describe('headless runner end to end (real tslab kernels)', () => {
  let out: string;
  beforeAll(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-run-'));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  it('runs notebooks with parameters, figures, published numbers, a failing cell, a type error and a hinted error', () => {
    const names = ['figure-and-error', 'typed-import', 'trivial', 'shorthand-hint'];
    const sources = names.map(fixture);
    const before = sources.map(sha);
    const startedAfter = new Date();
    const run = runCliSync([...sources, '--out', out, '--profile', 'smoke', '--set', 'steps=4', '--set', 'trivial.repeat=2']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/\[1\/4\] figure-and-error {2}code cell 3\/6/);
    expect(sources.map(sha)).toEqual(before);

    const summary = readSummary(out);
    expect(summary.status).toBe('failed');
    expect(summary.profile).toBe('smoke');
    expectSummaryMatchesRun(summary, { outDir: out, sources: names.map((n, i) => [n, sources[i]]), startedAfter });
    const [figure, typed, trivial, shorthand] = summary.notebooks;

    // A failing cell: the notebook fails there, reports the error, and runs nothing after it.
    expect(figure).toMatchObject({ name: 'figure-and-error', status: 'failed', executedCells: 5, codeCells: 6 });
    expect(figure.failure).toMatchObject({
      kind: 'error',
      cellIndex: 5,
      sourceCellIndex: 4,
      cellId: 'c4',
      ename: 'RangeError',
      evalue: 'deliberate failure in the fixture',
    });
    expect(figure.failure?.traceback.join('\n')).toContain('deliberate failure in the fixture');
    expect(figure.failure?.hint).toBeUndefined();
    expect(figure.published).toEqual({ draw_sum: expect.any(Number), steps: 4 });
    expect(figure.parameters).toEqual({ steps: 4 });
    expect(figure.figures).toEqual([path.join('figure-and-error', 'figures', 'gradient.png')]);
    const png = fs.readFileSync(path.join(out, figure.figures[0]));
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    const executed = readJson<Notebook>(path.join(out, 'figure-and-error.ipynb'));
    expect(nbformatErrors(executed)).toEqual([]);
    const cells = codeCells(executed);
    expect(cells[1].metadata.tags).toEqual(['injected-parameters']);
    expect(text(cells[1].source)).toContain('steps = 4;');
    expect(text((cells[2].outputs[0] as { text: string[] }).text)).toBe('fixture: 4 draws\n');
    expect(cells[3].outputs.some((o) => o.output_type === 'display_data' && typeof o.data['image/png'] === 'string')).toBe(true);
    expect(cells[4].outputs.map((o) => o.output_type)).toEqual(['stream', 'error']);
    expect(cells[5]).toMatchObject({ execution_count: null, outputs: [] });

    // Compiled helpers import with full type checking: the typed cell runs, the deliberate type error fails.
    expect(typed.failure).toMatchObject({ kind: 'error', cellIndex: 2, ename: 'TypeScriptError' });
    expect(typed.failure?.evalue).toMatch(/Type 'number' is not assignable to type 'string'/);
    const typedNb = readJson<Notebook>(path.join(out, 'typed-import.ipynb'));
    expect(nbformatErrors(typedNb)).toEqual([]);
    expect(text((codeCells(typedNb)[0].outputs[0] as { text: string[] }).text)).toBe('number true\n');

    expect(trivial).toMatchObject({ status: 'ok', failure: null, published: { repeat: 2 }, backend: null });

    // tslab's shorthand pitfall: the runner names the variable and the fix.
    expect(shorthand.failure).toMatchObject({ kind: 'error', cellIndex: 2, ename: 'ReferenceError', evalue: 'trainCount is not defined' });
    expect(shorthand.failure?.hint).toMatch(/"trainCount" is declared in an earlier cell[\s\S]*\{ trainCount: trainCount \}/);
    expect(run.stderr).toContain(`hint: ${shorthand.failure?.hint}`);
    expect(nbformatErrors(readJson(path.join(out, 'trivial.ipynb')))).toEqual([]);

    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<section id="figure-and-error">');
    expect(html).toContain('src="figure-and-error/figures/gradient.png"');
    expect(html).toMatch(/draw_sum<\/td><td class="num">/);

    for (const nb of summary.notebooks) expect(alive(nb.kernelPid as number)).toBe(false);
  });

  it('reports a kernel that dies and a cell that exceeds the time limit (two kernels at a time), and leaves no kernel behind', () => {
    const startedAfter = new Date();
    const run = runCliSync([fixture('kernel-exit'), fixture('slow'), '--out', out, '--timeout', '4', '--jobs', '2']);
    expect(run.code).toBe(1);
    const summary = readSummary(out);
    expectSummaryMatchesRun(summary, {
      outDir: out,
      sources: [
        ['kernel-exit', fixture('kernel-exit')],
        ['slow', fixture('slow')],
      ],
      startedAfter,
    });
    const [dies, slow] = summary.notebooks;
    expect(dies.failure).toMatchObject({ kind: 'kernel-died', cellIndex: 1, ename: 'KernelDiedError' });
    expect(dies.failure?.evalue).toMatch(/exited with code 3/);
    expect(slow.failure).toMatchObject({ kind: 'timeout', cellIndex: 2, ename: 'KernelTimeoutError' });
    expect(slow.failure?.evalue).toMatch(/did not finish within 4 s/);
    expect(nbformatErrors(readJson(path.join(out, 'slow.ipynb')))).toEqual([]);
    for (const nb of summary.notebooks) expect(alive(nb.kernelPid as number)).toBe(false);
  });

  it('shuts the kernel down when the runner gets Ctrl-C (SIGINT) mid-cell, and exits with 130', async () => {
    const [signal, expectedCode] = ['SIGINT', 130] as const;
    const child: ChildProcess = spawn(process.execPath, [CLI, fixture('slow'), '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60000;
    while (!/cell 3\/3/.test(stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toMatch(/cell 3\/3/);
    const kernels = childPids(child.pid as number);
    expect(kernels.length).toBe(1);
    child.kill(signal);
    expect(await exited).toBe(expectedCode);
    expect(alive(kernels[0])).toBe(false);
    expect(readSummary(out).status).toBe('interrupted');
  });
});
