/**
 * Runs every student notebook in a real tslab kernel (smoke-profile parameters; see ISOLATED):
 * it must run cleanly up to its first exercise stub, which must fail with the stub's
 * "Not implemented yet" error; then the solutions are pasted back into the same session
 * (the solution version of each exercise cell) and every check cell must pass.
 * Needs `npm run build` first (notebooks import ../dist).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cellText, Notebook, parseNotebook, ParameterValue } from '../src/tools/notebook-file';
import { notebookStructure, parameterAssignments } from '../src/tools/students/notebook-structure';
import { NOT_IMPLEMENTED_PREFIX } from '../src/checks/harness';
import { listSolutionNotebooks } from '../src/tools/students/sync';
import { shutdownAllKernels, TslabKernel } from '../src/tools/kernel/kernel-client';

const ROOT = path.resolve(__dirname, '..');
const PROFILE = process.env.VAELAB_CURRICULUM_TEST_PROFILE ?? 'smoke';
/** Kernels running at once (default 2). */
const CONCURRENCY = Math.max(1, Number(process.env.VAELAB_CURRICULUM_TEST_CONCURRENCY ?? 2) || 2);
/** Optional comma-separated notebook prefixes to test (e.g. `01,07`); default: every notebook. */
const ONLY = (process.env.VAELAB_CURRICULUM_TEST_NOTEBOOKS ?? '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
/**
 * By default each of the CONCURRENCY kernels runs several notebooks one after the other (tslab
 * allows redeclaring names), which saves a kernel start and the first type-check of the helpers
 * per notebook. The cells before a notebook's first stub are the solution's own cells, which the
 * runner's smoke test executes in a fresh kernel. `VAELAB_CURRICULUM_TEST_ISOLATED=1` gives every
 * notebook a fresh kernel instead.
 */
const ISOLATED = process.env.VAELAB_CURRICULUM_TEST_ISOLATED === '1';
/** One training cache for all notebooks of the test run, so a model trained for one is reused by the next. */
const CACHE_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-nbtest-cache-'));
const CELL_TIMEOUT_MS = 10 * 60 * 1000;

interface CellRun {
  ok: boolean;
  text: string;
}

interface NotebookRun {
  /** Index of the first cell of the student notebook that failed, or -1. */
  firstErrorCell: number;
  firstErrorText: string;
  /** Errors after pasting the solutions back (cell index and text). */
  pastedErrors: string[];
  /** Check cells that ran after pasting back. */
  checksRun: number;
  setupError?: string;
}

function profileValues(basename: string): Record<string, ParameterValue> {
  const file = path.join(ROOT, 'solutions', 'profiles.json');
  if (!fs.existsSync(file)) return {};
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    profiles?: Record<string, { defaults?: Record<string, ParameterValue>; notebooks?: Record<string, Record<string, ParameterValue>> }>;
  };
  const profile = data.profiles?.[PROFILE];
  if (!profile) return {};
  const stem = basename.replace(/\.ipynb$/, '');
  return { ...(profile.defaults ?? {}), ...(profile.notebooks?.[stem] ?? {}), ...(profile.notebooks?.[basename] ?? {}) };
}

async function run(kernel: TslabKernel, code: string): Promise<CellRun> {
  const started = Date.now();
  const reply = await kernel.execute(code, { timeoutMs: CELL_TIMEOUT_MS });
  if (process.env.VAELAB_CURRICULUM_TEST_TRACE) {
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${code.split('\n')[0].slice(0, 70)}\n`);
  }
  let text = '';
  for (const m of reply.messages) {
    const c = m.content as { name?: string; text?: string; ename?: string; evalue?: string };
    if (m.header.msg_type === 'stream' && typeof c.text === 'string') text += c.text;
    if (m.header.msg_type === 'error') text += `${c.ename}: ${c.evalue}\n`;
  }
  if (reply.status !== 'ok') {
    // tslab aborts requests that arrive within 200 ms after a failed one.
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return { ok: reply.status === 'ok', text };
}

function startKernel(): Promise<TslabKernel> {
  return TslabKernel.start({ cwd: path.join(ROOT, 'notebooks'), env: { VAELAB_PROFILE: PROFILE, VAELAB_CACHE_DIR: CACHE_DIR } });
}

async function runNotebook(basename: string, kernel: TslabKernel): Promise<NotebookRun> {
  const solution = parseNotebook(fs.readFileSync(path.join(ROOT, 'solutions', basename), 'utf8'), basename);
  const student: Notebook = parseNotebook(fs.readFileSync(path.join(ROOT, 'notebooks', basename), 'utf8'), basename);
  const structure = notebookStructure(solution);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-nbtest-'));
  const result: NotebookRun = { firstErrorCell: -1, firstErrorText: '', pastedErrors: [], checksRun: 0 };
  try {
    const env = await run(kernel, `process.env.VAELAB_OUTPUT_DIR = ${JSON.stringify(outDir)};`);
    if (!env.ok) {
      result.setupError = `could not set the output folder: ${env.text}`;
      return result;
    }
    for (let i = 0; i < student.cells.length; i++) {
      const cell = student.cells[i];
      if (cell.cell_type !== 'code') continue;
      const r = await run(kernel, cellText(cell));
      if (r.ok && i === structure.parametersCell) {
        const set = parameterAssignments(structure.parameterNames, profileValues(basename));
        const injected = set === '' ? { ok: true, text: '' } : await run(kernel, set);
        if (!injected.ok) {
          result.setupError = `injecting ${PROFILE} parameters failed: ${injected.text}`;
          return result;
        }
      }
      if (!r.ok) {
        result.firstErrorCell = i;
        result.firstErrorText = r.text;
        break;
      }
    }
    for (const i of structure.exerciseCells) {
      const r = await run(kernel, cellText(solution.cells[i]));
      if (!r.ok) result.pastedErrors.push(`solution cell ${i + 1}: ${r.text.slice(0, 1500)}`);
    }
    for (const i of structure.checkCells) {
      const r = await run(kernel, cellText(solution.cells[i]));
      result.checksRun += 1;
      if (!r.ok) result.pastedErrors.push(`check cell ${i + 1}: ${r.text.slice(0, 1500)}`);
    }
    return result;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

const notebooks = listSolutionNotebooks(ROOT)
  .map((rel) => path.basename(rel))
  .filter((name) => ONLY.length === 0 || ONLY.some((prefix) => name.startsWith(prefix)));
const results = new Map<string, Promise<NotebookRun>>();

/** Starts every notebook's run with at most CONCURRENCY kernels at a time. */
function schedule(): void {
  let next = 0;
  const slots: Array<Promise<void>> = [];
  const resolvers = new Map<string, (r: NotebookRun) => void>();
  for (const name of notebooks) results.set(name, new Promise((resolve) => resolvers.set(name, resolve)));
  const worker = async (): Promise<void> => {
    let kernel: TslabKernel | null = null;
    while (next < notebooks.length) {
      const name = notebooks[next++];
      let r: NotebookRun;
      try {
        if (kernel === null) kernel = await startKernel();
        r = await runNotebook(name, kernel);
      } catch (err) {
        r = { firstErrorCell: -1, firstErrorText: '', pastedErrors: [], checksRun: 0, setupError: (err as Error).stack };
        await kernel?.shutdown();
        kernel = null;
      }
      if (ISOLATED && kernel) {
        await kernel.shutdown();
        kernel = null;
      }
      resolvers.get(name)?.(r);
    }
    await kernel?.shutdown();
  };
  for (let k = 0; k < CONCURRENCY; k++) slots.push(worker());
}

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before this test (notebooks import ../dist)');
  }
  schedule();
});

afterAll(async () => {
  await shutdownAllKernels();
  fs.rmSync(CACHE_DIR, { recursive: true, force: true });
});

describe('student notebooks in a tslab kernel', () => {
  test('there are solution notebooks to test', () => {
    expect(notebooks.length).toBeGreaterThan(0);
  });

  (notebooks.length > 0 ? test.each(notebooks) : test.skip.each(['(none)']))(
    '%s runs cleanly up to its first stub, and passes every check with the solutions pasted back',
    async (name) => {
      const r = await (results.get(name) as Promise<NotebookRun>);
      expect(r.setupError).toBeUndefined();
      const solution = parseNotebook(fs.readFileSync(path.join(ROOT, 'solutions', name), 'utf8'), name);
      const s = notebookStructure(solution);
      if (s.exerciseCells.length === 0) {
        expect(r.firstErrorText).toBe('');
        expect(r.firstErrorCell).toBe(-1);
      } else {
        const first = s.exerciseCells[0];
        const firstCheck = s.checkCells.find((c) => c > first) ?? solution.cells.length;
        if (r.firstErrorCell < first || r.firstErrorCell > firstCheck || !r.firstErrorText.includes(NOT_IMPLEMENTED_PREFIX)) {
          throw new Error(
            `expected the first failure to be the stub of the exercise in cell ${first + 1} ` +
              `(failing by cell ${firstCheck + 1} with "${NOT_IMPLEMENTED_PREFIX}"), ` +
              `but cell ${r.firstErrorCell + 1} failed with:\n${r.firstErrorText.slice(0, 2000)}`,
          );
        }
      }
      expect(r.pastedErrors).toEqual([]);
      expect(r.checksRun).toBe(s.checkCells.length);
    },
    30 * 60 * 1000,
  );
});
