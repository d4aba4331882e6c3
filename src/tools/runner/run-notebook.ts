/**
 * Executes one notebook in a fresh tslab kernel: injects parameters, runs the code cells in order,
 * records their outputs, stops at the first failing cell, always shuts the kernel down, and writes
 * the executed notebook (never over the source).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ExecuteReply, KernelDiedError, KernelTimeoutError, TslabKernel } from '../kernel/kernel-client';
import { cellText, CodeCell, ErrorOutput, Notebook, ParameterValue, readNotebook, withCellIds, writeNotebook } from '../notebook-file';
import { OutputCollector } from './outputs';
import { injectParameters } from './parameters';
import { ClaimRecord, claimFromOutputData } from '../../notebook/claims';
import { PUBLISH_MIME_TYPE, PublishedRecord } from '../../notebook/publish';

/** Why a notebook run failed (`interrupted`: the runner was stopped by SIGINT/SIGTERM while it ran). */
export type FailureKind = 'error' | 'timeout' | 'kernel-died' | 'kernel-start' | 'interrupted';

/**
 * Details of a failed or interrupted notebook run. Cells are numbered for people as code cells,
 * 1-based, in the executed notebook (the injected parameters cell included): `codeCell` of
 * `codeCells`, the numbering the terminal and the report use; `cellIndex` and `sourceCellIndex`
 * locate the cell in the notebook files.
 */
export interface NotebookFailure {
  kind: FailureKind;
  /** Number of the failing (or interrupted) code cell, 1-based among the executed notebook's code cells; null when no cell ran (kernel start). */
  codeCell: number | null;
  /** Index of the failing cell in the executed notebook's `cells` array (0-based, all cell types), or null (kernel start). */
  cellIndex: number | null;
  /** Index of the failing cell in the source notebook, or null (injected cell, kernel start). */
  sourceCellIndex: number | null;
  /** Id of the failing cell, or null. */
  cellId: string | null;
  ename: string;
  evalue: string;
  traceback: string[];
  /** A likely cause and fix, when the runner recognises the error. */
  hint?: string;
}

/** Progress events for the terminal. */
export interface RunProgress {
  notebook: string;
  /** 1-based number of the code cell about to run, among the executed notebook's code cells (0 while the kernel starts). */
  cell: number;
  /** Number of code cells to run. */
  cells: number;
  /** Seconds since this notebook started. */
  elapsedSec: number;
  phase: 'starting' | 'cell' | 'done';
}

/** Options for {@link runNotebook}. */
export interface RunNotebookOptions {
  /** Source notebook file. */
  source: string;
  /** Notebook name (file name without `.ipynb`). */
  name: string;
  /** Run folder: the executed notebook goes to `<outDir>/<name>.ipynb`, its files to `<outDir>/<name>/`. */
  outDir: string;
  /** Parameter values to inject after the `parameters` cell, and where they came from. */
  parameters?: { values: Record<string, ParameterValue>; origin: string };
  /** Profile name, given to the notebook as env `VAELAB_PROFILE`. */
  profile?: string;
  /** Per-cell time limit in milliseconds (default 10 minutes). */
  cellTimeoutMs?: number;
  /** Kernel startup time limit in milliseconds (default 120 s). */
  startupTimeoutMs?: number;
  /** Called before each cell and at the end. */
  onProgress?: (progress: RunProgress) => void;
  /** Called once the kernel runs (e.g. to record its pid). */
  onKernel?: (kernel: TslabKernel) => void;
  /** Extra environment variables for the kernel (e.g. `VAELAB_WASM_THREADS` from the runner). */
  env?: Record<string, string>;
  /**
   * Aborted when the run is stopped (Ctrl-C): the kernel is shut down and the notebook ends with
   * status `interrupted`. The abort reason (e.g. `'SIGINT'`) is named in the failure.
   */
  signal?: AbortSignal;
  /**
   * True when a claim that did not hold fails the lesson: a notebook that ran without error but
   * whose claims did not all hold gets the status `lesson not shown` (the profile's `enforceClaims`).
   */
  enforceClaims?: boolean;
}

/**
 * Status of one notebook in `summary.json`. `lesson not shown`: every cell ran, but a claim did not
 * hold in a profile that enforces claims.
 */
export type NotebookStatus = 'ok' | 'failed' | 'lesson not shown' | 'interrupted' | 'not run';

/** The outcome of one notebook run, as it goes into `summary.json`. */
export interface NotebookRunResult {
  name: string;
  source: string;
  /** Executed notebook file (null for a notebook that was not run). */
  output: string | null;
  /** Folder given to the notebook as `VAELAB_OUTPUT_DIR` (null for a notebook that was not run). */
  outputDir: string | null;
  /** `interrupted`: the run was stopped while this notebook ran; `not run`: the run was stopped before it started. */
  status: NotebookStatus;
  durationSec: number;
  /** Code cells in the executed notebook / how many ran (including the failing one). */
  codeCells: number;
  executedCells: number;
  failure: NotebookFailure | null;
  /** Values the notebook published with `publish(name, value)` (last one wins). */
  published: Record<string, number | string | boolean>;
  /** Claims the notebook made with `claim(...)`, in the order first made (a repeated id: the last verdict wins). */
  claims: ClaimRecord[];
  parameters: Record<string, ParameterValue>;
  /** PNG files the notebook wrote under its output folder, relative to `outDir`. */
  figures: string[];
  /** TensorFlow.js backend the notebook ended up on, or null when it never loaded TensorFlow.js. */
  backend: string | null;
  /** XNNPACK threads of the notebook's wasm backend (null when the backend is not wasm or unknown). */
  wasmThreads: number | null;
  kernelPid: number | null;
}

/** Code run after the notebook to learn its TensorFlow.js backend without loading TensorFlow.js. */
const PROBE_MARKER = '__vaelab_probe__';
const PROBE_CODE = `{
  let backend: string | null = null;
  let wasmThreads: number | null = null;
  try {
    const entry = require.cache[require.resolve('@tensorflow/tfjs-core')];
    if (entry) backend = (entry.exports as { getBackend(): string | null }).getBackend() ?? null;
    const engine = backend === 'wasm' ? Object.keys(require.cache).find((f) => /[\\/]engine[\\/]index\\.js$/.test(f) && !/node_modules/.test(f)) : undefined;
    if (engine) wasmThreads = (require.cache[engine]!.exports as { wasmEngineThreads(): number }).wasmEngineThreads();
  } catch (_e) { /* best effort */ }
  console.log('${PROBE_MARKER}' + JSON.stringify({ backend, wasmThreads }));
}`;

/** PNG files under `root` (recursively) in the order they were written, relative to `relativeTo`. */
function listPngs(root: string, relativeTo: string): string[] {
  const found: Array<{ file: string; mtime: number }> = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith('.png')) found.push({ file: full, mtime: fs.statSync(full).mtimeMs });
    }
  };
  walk(root);
  found.sort((a, b) => a.mtime - b.mtime || a.file.localeCompare(b.file));
  return found.map((f) => path.relative(relativeTo, f.file));
}

function failureFrom(
  kind: FailureKind,
  error: Pick<ErrorOutput, 'ename' | 'evalue' | 'traceback'>,
  cell?: { codeCell: number; index: number; sourceIndex: number | null; id?: string },
): NotebookFailure {
  return {
    kind,
    codeCell: cell?.codeCell ?? null,
    cellIndex: cell?.index ?? null,
    sourceCellIndex: cell?.sourceIndex ?? null,
    cellId: cell?.id ?? null,
    ename: error.ename,
    evalue: error.evalue,
    traceback: error.traceback,
  };
}

/** Runs one notebook end to end; never throws for notebook faults (they are in the result). */
export async function runNotebook(options: RunNotebookOptions): Promise<NotebookRunResult> {
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const source = path.resolve(options.source);
  const outDir = path.resolve(options.outDir);
  const outputFile = path.join(outDir, `${options.name}.ipynb`);
  if (outputFile === source) throw new Error(`refusing to write the executed notebook over its source ${source}`);
  const notebookOutDir = path.join(outDir, options.name);
  fs.mkdirSync(notebookOutDir, { recursive: true });

  const original = withCellIds(readNotebook(source));
  const sourceIds = new Map(original.cells.map((c, i) => [c.id, i]));
  const notebook: Notebook = options.parameters ? injectParameters(original, options.parameters.values, options.parameters.origin) : original;
  for (const cell of notebook.cells) {
    if (cell.cell_type === 'code') {
      cell.outputs = [];
      cell.execution_count = null;
    }
  }
  notebook.metadata.kernelspec ??= { display_name: 'TypeScript', language: 'typescript', name: 'tslab' };
  const codeCells = notebook.cells.filter((c): c is CodeCell => c.cell_type === 'code');
  const result: NotebookRunResult = {
    name: options.name,
    source,
    output: outputFile,
    outputDir: notebookOutDir,
    status: 'ok',
    durationSec: 0,
    codeCells: codeCells.length,
    executedCells: 0,
    failure: null,
    published: {},
    claims: [],
    parameters: options.parameters?.values ?? {},
    figures: [],
    backend: null,
    wasmThreads: null,
    kernelPid: null,
  };
  const progress = (cell: number, phase: RunProgress['phase']) =>
    options.onProgress?.({ notebook: options.name, cell, cells: codeCells.length, elapsedSec: elapsed(), phase });

  progress(0, 'starting');
  let kernel: TslabKernel | null = null;
  const stopped = () => options.signal?.aborted === true;
  const interruption = (): Pick<ErrorOutput, 'ename' | 'evalue' | 'traceback'> => {
    const reason = typeof options.signal?.reason === 'string' ? options.signal.reason : 'a stop request';
    const evalue = `the run was interrupted (${reason}) while this ran; the kernel was stopped`;
    return { ename: 'Interrupted', evalue, traceback: [`Interrupted: ${evalue}`] };
  };
  const onAbort = () => void kernel?.shutdown(300);
  options.signal?.addEventListener('abort', onAbort);
  try {
    kernel = await TslabKernel.start({
      cwd: path.dirname(source),
      startupTimeoutMs: options.startupTimeoutMs,
      env: {
        ...options.env,
        VAELAB_OUTPUT_DIR: notebookOutDir,
        VAELAB_PROFILE: options.profile ?? '',
        VAELAB_IN_KERNEL: '1',
        VAELAB_NOTEBOOK: options.name,
      },
    });
    result.kernelPid = kernel.pid;
    options.onKernel?.(kernel);
    if (stopped()) throw new Error('interrupted before the first cell');
    let k = 0;
    for (let index = 0; index < notebook.cells.length; index++) {
      const cell = notebook.cells[index];
      if (cell.cell_type !== 'code') continue;
      k++;
      if (cellText(cell).trim() === '') continue;
      const where = { codeCell: k, index, sourceIndex: sourceIds.get(cell.id) ?? null, id: cell.id };
      if (stopped()) {
        result.failure = failureFrom('interrupted', interruption(), where);
        break;
      }
      progress(k, 'cell');
      const collector = new OutputCollector();
      result.executedCells = k;
      let reply: ExecuteReply;
      try {
        reply = await kernel.execute(cellText(cell), {
          timeoutMs: options.cellTimeoutMs ?? 600000,
          onMessage: (message) => collector.add(message),
        });
      } catch (err) {
        const kind: FailureKind = stopped()
          ? 'interrupted'
          : err instanceof KernelTimeoutError
            ? 'timeout'
            : err instanceof KernelDiedError
              ? 'kernel-died'
              : 'error';
        const error: ErrorOutput = {
          output_type: 'error',
          ...(kind === 'interrupted'
            ? interruption()
            : { ename: (err as Error).name, evalue: (err as Error).message, traceback: [`${(err as Error).name}: ${(err as Error).message}`] }),
        };
        cell.outputs = [...collector.outputs, error];
        result.failure = failureFrom(kind, error, where);
        break;
      } finally {
        collectPublished(collector, result.published);
        collectClaims(collector, result.claims);
      }
      cell.execution_count = reply.executionCount;
      if (reply.status !== 'ok' && stopped()) {
        // the stop reached the kernel first (e.g. it was interrupted): report the interruption, not its error
        cell.outputs = collector.outputs;
        result.failure = failureFrom('interrupted', interruption(), where);
        break;
      }
      if (reply.status !== 'ok') {
        const error = collector.fail();
        cell.outputs = collector.outputs;
        result.failure = failureFrom('error', error, where);
        const hint = shorthandHint(error, notebook, index);
        if (hint) result.failure.hint = hint;
        break;
      }
      cell.outputs = collector.outputs;
    }
    if (kernel.alive && result.failure?.kind !== 'timeout' && !stopped()) {
      // After a failed cell tslab drops requests for 200 ms; wait that out before probing.
      if (result.failure) await new Promise((resolve) => setTimeout(resolve, 300));
      const probed = await probeBackend(kernel);
      result.backend = probed.backend;
      result.wasmThreads = probed.wasmThreads;
    }
  } catch (err) {
    result.failure = stopped()
      ? failureFrom('interrupted', interruption())
      : failureFrom('kernel-start', { ename: (err as Error).name, evalue: (err as Error).message, traceback: [] });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (kernel) await kernel.shutdown(result.failure?.kind === 'timeout' || stopped() ? 300 : 1000);
    result.status =
      result.failure?.kind === 'interrupted'
        ? 'interrupted'
        : result.failure
          ? 'failed'
          : options.enforceClaims === true && result.claims.some((c) => !c.held)
            ? 'lesson not shown'
            : 'ok';
    result.durationSec = Math.round(elapsed() * 100) / 100;
    result.figures = listPngs(notebookOutDir, outDir);
    notebook.metadata.vaelab = {
      status: result.status,
      profile: options.profile ?? null,
      parameters: result.parameters,
      durationSec: result.durationSec,
      executedAt: new Date(started).toISOString(),
      published: result.published,
      claims: result.claims,
    };
    writeNotebook(outputFile, notebook);
    progress(result.executedCells, 'done');
  }
  return result;
}

/**
 * tslab rewrites variables of earlier cells to module exports but misses shorthand properties:
 * `{ trainCount }` throws "trainCount is not defined" although an earlier cell declares it.
 */
export function shorthandHint(error: Pick<ErrorOutput, 'ename' | 'evalue'>, notebook: Notebook, cellIndex: number): string | undefined {
  const match = /^(\w+) is not defined$/.exec(error.evalue);
  if (error.ename !== 'ReferenceError' || !match) return undefined;
  const name = match[1];
  const declared = new RegExp(`(^|[^.\\w$])(let|const|var|function|class)\\s+${name}\\b|[{,]\\s*${name}\\s*[,}]`);
  const earlier = notebook.cells.slice(0, cellIndex).some((c) => c.cell_type === 'code' && declared.test(cellText(c)));
  if (!earlier) return undefined;
  return `"${name}" is declared in an earlier cell; tslab does not resolve earlier-cell variables in shorthand properties. Write { ${name}: ${name} } instead of { ${name} }.`;
}

function collectPublished(collector: OutputCollector, into: Record<string, number | string | boolean>): void {
  for (const output of collector.outputs) {
    if (output.output_type !== 'display_data' && output.output_type !== 'execute_result') continue;
    const record = output.data[PUBLISH_MIME_TYPE] as PublishedRecord | undefined;
    if (record && typeof record.name === 'string' && ['number', 'string', 'boolean'].includes(typeof record.value)) {
      into[record.name] = record.value;
    }
  }
}

function collectClaims(collector: OutputCollector, into: ClaimRecord[]): void {
  for (const output of collector.outputs) {
    if (output.output_type !== 'display_data' && output.output_type !== 'execute_result') continue;
    const record = claimFromOutputData(output.data);
    if (!record) continue;
    const at = into.findIndex((c) => c.id === record.id);
    if (at >= 0) into[at] = record;
    else into.push(record);
  }
}

interface ProbedBackend {
  backend: string | null;
  wasmThreads: number | null;
}

async function probeBackend(kernel: TslabKernel): Promise<ProbedBackend> {
  try {
    const collector = new OutputCollector();
    await kernel.execute(PROBE_CODE, { timeoutMs: 20000, onMessage: (m) => collector.add(m) });
    for (const output of collector.outputs) {
      if (output.output_type !== 'stream') continue;
      const text = Array.isArray(output.text) ? output.text.join('') : output.text;
      const at = text.indexOf(PROBE_MARKER);
      if (at >= 0) {
        const parsed = JSON.parse(text.slice(at + PROBE_MARKER.length).split('\n')[0]) as Partial<ProbedBackend>;
        return { backend: parsed.backend ?? null, wasmThreads: typeof parsed.wasmThreads === 'number' ? parsed.wasmThreads : null };
      }
    }
  } catch {
    // the probe is best effort
  }
  return { backend: null, wasmThreads: null };
}
