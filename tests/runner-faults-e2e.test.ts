/**
 * Fault handling of the headless runner with real tslab kernels (`node dist/tools/cli/run.js`): Ctrl-C
 * from a terminal, one cell numbering in every message, and temporary kernel folders left by a
 * runner killed with SIGKILL. Needs a built dist/.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CodeCell, Notebook } from '../src/tools/notebook-file';
import { alive, childPids } from './processes';
import { readSummary } from './summary-schema';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'cli', 'run.js');
const FIXTURES = path.join(__dirname, 'fixtures', 'notebooks');
const fixture = (name: string) => path.join(FIXTURES, `${name}.ipynb`);
const readJson = <T>(file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

interface Runner {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  waitFor: (pattern: RegExp, ms?: number) => Promise<void>;
}

/** Starts the runner in its own process group (like a job in a terminal), with its own TMPDIR. */
function startRunner(args: string[], tmp: string): Runner {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TMPDIR: tmp },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms = 90000) => {
    const deadline = Date.now() + ms;
    while (!pattern.test(stderr) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    expect(stderr).toMatch(pattern);
  };
  return { child, stderr: () => stderr, exited, waitFor };
}

let out: string;
let tmp: string;
const started: ChildProcess[] = [];
beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npx tsc -p tsconfig.build.json" first`);
});
beforeEach(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-faults-out-'));
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-faults-tmp-'));
});
afterEach(() => {
  for (const child of started.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null || !child.pid) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('runner faults (real tslab kernels)', () => {
  test('Ctrl-C in a terminal (SIGINT to the whole process group): "interrupted", the rest "not run", summary and report written, exit 130', async () => {
    const runner = startRunner([fixture('slow'), fixture('trivial'), '--out', out, '--jobs', '1'], tmp);
    started.push(runner.child);
    await runner.waitFor(/slow .*cell 3\/3/);
    const kernels = childPids(runner.child.pid as number);
    expect(kernels).toHaveLength(1);
    process.kill(-(runner.child.pid as number), 'SIGINT'); // what the terminal does on Ctrl-C
    expect(await runner.exited).toBe(130);
    expect(alive(kernels[0])).toBe(false);

    const summary = readSummary(out);
    expect(summary.status).toBe('interrupted');
    expect(summary.notebooks.map((n) => [n.name, n.status])).toEqual([
      ['slow', 'interrupted'],
      ['trivial', 'not run'],
    ]);
    const [slow, trivial] = summary.notebooks;
    // the cell that was running when Ctrl-C came: code cell 3 of 3 (the slow wait)
    expect(slow.failure).toMatchObject({ kind: 'interrupted', codeCell: 3 });
    expect(slow.failure?.evalue).toMatch(/SIGINT/);
    expect(trivial).toMatchObject({ executedCells: 0, failure: null, output: null, kernelPid: null });
    expect(runner.stderr()).not.toMatch(/kernel-died|exited with code/);
    expect(runner.stderr()).toMatch(/\[1\/2\] slow {2}INTERRUPTED \(SIGINT\) in code cell 3\/3/);
    expect(runner.stderr()).toMatch(/\[2\/2\] trivial {2}not run/);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<span class="badge interrupted">interrupted<\/span> slow/);
    expect(html).toMatch(/<span class="badge not-run">not run<\/span> trivial/);
  });

  test('a second Ctrl-C right after the first exits at once (130), still with a summary: "interrupted" and "not run"', async () => {
    const runner = startRunner([fixture('slow'), fixture('trivial'), '--out', out, '--jobs', '1'], tmp);
    started.push(runner.child);
    await runner.waitFor(/slow .*cell 3\/3/);
    const kernels = childPids(runner.child.pid as number);
    expect(kernels).toHaveLength(1);
    process.kill(runner.child.pid as number, 'SIGINT');
    await runner.waitFor(/SIGINT: stopping/, 10000);
    process.kill(runner.child.pid as number, 'SIGINT');
    expect(await runner.exited).toBe(130);
    const deadline = Date.now() + 10000;
    while (alive(kernels[0]) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(kernels[0])).toBe(false);
    const summary = readSummary(out);
    expect(summary.status).toBe('interrupted');
    expect(summary.notebooks.map((n) => [n.name, n.status])).toEqual([
      ['slow', 'interrupted'],
      ['trivial', 'not run'],
    ]);
    expect(summary.notebooks[0].failure).toMatchObject({ kind: 'interrupted', codeCell: 3 });
    expect(fs.existsSync(path.join(out, 'report.html'))).toBe(true);
  });

  test('one cell numbering (code cells, 1-based) in the terminal, summary.json and the report; and kernel folders of a runner killed with SIGKILL are removed by the next run', async () => {
    // A runner killed with SIGKILL mid-cell cannot clean up its kernel's temporary folder.
    const killed = startRunner([fixture('slow'), '--out', path.join(out, 'killed')], tmp);
    started.push(killed.child);
    await killed.waitFor(/cell 3\/3/);
    const kernelDirs = () => fs.readdirSync(tmp).filter((n) => n.startsWith('vaelab-kernel-'));
    expect(kernelDirs()).toHaveLength(1);
    const orphan = path.join(tmp, kernelDirs()[0]);
    const kernel = childPids(killed.child.pid as number);
    expect(kernel).toHaveLength(1);
    process.kill(killed.child.pid as number, 'SIGKILL');
    await killed.exited;
    // its kernel notices (watchdog) and exits; the folder stays behind
    const deadline = Date.now() + 10000;
    while (kernel.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(kernel.some(alive)).toBe(false);
    expect(fs.existsSync(orphan)).toBe(true);
    // a folder of a live process (this one) looks the same but must survive
    const live = path.join(tmp, `vaelab-kernel-${process.pid}-keepme`);
    fs.mkdirSync(live);

    // A notebook whose markdown cells make "notebook cell index" and "code cell number" differ.
    const md = (id: string) => ({ id, cell_type: 'markdown', metadata: {}, source: `# ${id}\n` });
    const code = (id: string, source: string, tags: string[] = []) => ({
      id,
      cell_type: 'code',
      metadata: tags.length ? { tags } : {},
      source,
      execution_count: null,
      outputs: [],
    });
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        md('title'),
        md('intro'),
        code('params', 'let steps = 1;\n', ['parameters']),
        md('part1'),
        code('ok', 'console.log(steps);\n'),
        md('part2'),
        code('boom', "throw new Error('numbering fixture');\n"),
        code('never', "console.log('never');\n"),
      ],
    };
    const source = path.join(out, 'src', 'numbering.ipynb');
    fs.mkdirSync(path.dirname(source), { recursive: true });
    fs.writeFileSync(source, JSON.stringify(nb));
    const runDir = path.join(out, 'run');
    const runner = startRunner([source, '--out', runDir, '--set', 'steps=2'], tmp);
    started.push(runner.child);
    expect(await runner.exited).toBe(1);

    // removed at start: the dead runner's kernel folder; kept: the live one
    expect(fs.existsSync(orphan)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);

    // Independently: the failing cell is the code cell with an error output in the executed notebook.
    const executed = readJson<Notebook>(path.join(runDir, 'numbering.ipynb'));
    const codeCells = executed.cells.filter((c): c is CodeCell => c.cell_type === 'code');
    const failing = codeCells.findIndex((c) => c.outputs.some((o) => o.output_type === 'error')) + 1;
    expect(codeCells).toHaveLength(5); // params, injected parameters, ok, boom, never
    expect(failing).toBe(4);

    const summary = readSummary(runDir);
    const result = summary.notebooks[0];
    expect(result.failure?.codeCell).toBe(failing);
    expect(result.codeCells).toBe(codeCells.length);
    // every cell number the terminal prints is a code cell number out of 5
    const stderr = runner.stderr();
    const mentioned = [...stderr.matchAll(/(\w+ )?cell (\d+)(\/\d+)?/g)];
    expect(mentioned.length).toBeGreaterThan(0);
    for (const m of mentioned) {
      expect(m[1]).toBe('code ');
      expect(m[3]).toBe(`/${codeCells.length}`);
    }
    expect(stderr).toMatch(new RegExp(`FAILED \\(error\\) in code cell ${failing}/${codeCells.length} `));
    const html = fs.readFileSync(path.join(runDir, 'report.html'), 'utf8');
    expect(html).toContain(`in code cell ${failing} of ${codeCells.length}`);
    expect(html).not.toMatch(/in cell \d/);
  });
});
