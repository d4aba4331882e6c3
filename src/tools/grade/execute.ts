/**
 * Runs every code cell of a notebook in a tslab kernel, as nbgrader's autograder does with
 * allow-errors: a failing cell is recorded and the next cell runs. A cell that exceeds its time
 * limit or ends the kernel (process.exit, a crash) gets a fresh kernel: the cells that had run
 * before it are run again (their outputs kept from the first time) and grading goes on with the
 * next cell, at most `maxRestarts` times. Each cell's stored output is capped.
 */
import { KernelDiedError, KernelTimeoutError, TslabKernel } from '../kernel/kernel-client';
import { JupyterMessage } from '../kernel/wire';
import { cellText, CodeCell, ErrorOutput, Notebook } from '../notebook-file';
import { OutputCollector } from '../runner/outputs';

/** What happened to one code cell. */
export type CellStatus = 'ok' | 'error' | 'timeout' | 'kernel-died' | 'not-run';

/** The outcome of one code cell. */
export interface CellResult {
  status: CellStatus;
  /** Error name and message (`error`, `timeout`, `kernel-died`), or why the cell did not run (`not-run`). */
  ename?: string;
  evalue?: string;
  durationSec: number;
  /** Bytes of output the cell wrote beyond the cap (dropped), when any. */
  droppedBytes?: number;
}

/** Options of {@link executeAllCells}. */
export interface ExecuteAllOptions {
  /** The notebook to run (not modified; the result holds an executed copy). */
  notebook: Notebook;
  /** Working folder of the kernel. */
  cwd: string;
  /** Environment variables added for the kernel. */
  env?: Record<string, string>;
  /** Node options for the kernel process (see `KernelStartOptions.nodeArgs`). */
  nodeArgs?: (kernelTempDir: string) => readonly string[];
  /** Time limit per cell, ms. */
  cellTimeoutMs: number;
  /** Time limit for the whole notebook (kernel starts and replays included), ms. */
  notebookTimeoutMs: number;
  /** Most bytes of output stored per cell. */
  outputCapBytes: number;
  /** Most fresh kernels after a timeout or a kernel exit (default 3). */
  maxRestarts?: number;
  /** Kernel startup time limit, ms (default 120 s). */
  startupTimeoutMs?: number;
  /** Called before each cell with its index in `notebook.cells`. */
  onCell?: (cellIndex: number) => void;
}

/** The executed notebook and the outcome of every code cell (by index in `cells`). */
export interface ExecuteAllResult {
  notebook: Notebook;
  cells: Map<number, CellResult>;
  /** Fresh kernels started after a timeout or a kernel exit. */
  restarts: number;
  durationSec: number;
}

const MARK_DROPPED = (dropped: number, cap: number) =>
  `\n[grader: this cell wrote ${dropped} more bytes of output; only the first ${cap} bytes are kept]\n`;

/** Output of one cell, stored up to a cap; the error text tslab prints at the end is kept even past the cap. */
class CappedCollector {
  readonly collector = new OutputCollector();
  private bytes = 0;
  dropped = 0;
  /** The last stderr messages (tslab prints a failing cell's error there). */
  private readonly tail: JupyterMessage[] = [];

  constructor(private readonly cap: number) {}

  add(message: JupyterMessage): void {
    const type = message.header.msg_type;
    const c = message.content;
    const size = type === 'stream' ? String(c.text ?? '').length : type === 'status' ? 0 : JSON.stringify(c).length;
    if (type === 'stream' && c.name === 'stderr') {
      this.tail.push(message);
      if (this.tail.length > 20) this.tail.shift();
    }
    if (type === 'error' || this.bytes + size <= this.cap) {
      this.bytes += size;
      this.collector.add(message);
    } else this.dropped += size;
  }

  /** The cell's error output (added to the outputs). */
  fail(): ErrorOutput {
    if (this.dropped === 0) return this.collector.fail();
    const fromTail = new OutputCollector();
    for (const m of this.tail) fromTail.add(m);
    const error = fromTail.fail();
    this.collector.outputs.push(error);
    return error;
  }

  finish(): CodeCell['outputs'] {
    if (this.dropped > 0) this.collector.outputs.push({ output_type: 'stream', name: 'stderr', text: MARK_DROPPED(this.dropped, this.cap) });
    return this.collector.outputs;
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs every code cell (see the module comment); never throws for notebook faults. */
export async function executeAllCells(options: ExecuteAllOptions): Promise<ExecuteAllResult> {
  const started = Date.now();
  const deadline = started + options.notebookTimeoutMs;
  const maxRestarts = options.maxRestarts ?? 3;
  const notebook: Notebook = {
    ...options.notebook,
    cells: options.notebook.cells.map((c) => (c.cell_type === 'code' ? { ...c, outputs: [], execution_count: null } : { ...c })),
  };
  const results = new Map<number, CellResult>();
  const ranBefore: number[] = [];
  let kernel: TslabKernel | null = null;
  let kernels = 0;
  let stopReason: string | null = null;
  const notRun = (index: number, why: string) => results.set(index, { status: 'not-run', ename: 'NotRun', evalue: why, durationSec: 0 });

  /** A kernel ready for the next cell: a fresh one after a failure, with the earlier cells run again. */
  const ready = async (): Promise<TslabKernel | null> => {
    if (kernel?.alive) return kernel;
    if (stopReason) return null;
    if (kernels > maxRestarts) {
      stopReason = `the kernel was restarted ${maxRestarts} times already; the remaining cells were not run`;
      return null;
    }
    try {
      kernels += 1;
      const k: TslabKernel = await TslabKernel.start({
        cwd: options.cwd,
        env: options.env,
        nodeArgs: options.nodeArgs,
        startupTimeoutMs: Math.max(1000, Math.min(options.startupTimeoutMs ?? 120000, deadline - Date.now())),
      });
      kernel = k;
      for (const index of ranBefore) {
        const timeoutMs = Math.min(options.cellTimeoutMs, deadline - Date.now());
        if (timeoutMs <= 0) throw new KernelTimeoutError('the notebook time limit was reached while the earlier cells ran again');
        const reply = await k.execute(cellText(notebook.cells[index]), { timeoutMs, keepMessages: false });
        if (reply.status !== 'ok') await delay(300); // tslab drops requests for 200 ms after a failed cell
      }
      return k;
    } catch (err) {
      await kernel?.shutdown(300);
      kernel = null;
      stopReason =
        kernels === 1
          ? `the kernel did not start: ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 400)}`
          : `a fresh kernel could not run the earlier cells again (${(err as Error).message.split('\n')[0]}); the remaining cells were not run`;
      return null;
    }
  };

  try {
    for (let index = 0; index < notebook.cells.length; index++) {
      const cell = notebook.cells[index];
      if (cell.cell_type !== 'code') continue;
      const code = cellText(cell);
      if (code.trim() === '') {
        results.set(index, { status: 'ok', durationSec: 0 });
        continue;
      }
      if (Date.now() >= deadline) {
        notRun(index, `the notebook time limit (${Math.round(options.notebookTimeoutMs / 1000)} s) was reached before this cell`);
        continue;
      }
      const k = await ready();
      if (!k) {
        notRun(index, stopReason ?? 'the kernel is not running');
        continue;
      }
      options.onCell?.(index);
      const remaining = deadline - Date.now();
      const notebookLimit = remaining < options.cellTimeoutMs;
      const timeoutMs = Math.max(1, Math.min(options.cellTimeoutMs, remaining));
      const collector = new CappedCollector(options.outputCapBytes);
      const cellStart = Date.now();
      const took = () => Math.round((Date.now() - cellStart) / 10) / 100;
      try {
        const reply = await k.execute(code, { timeoutMs, keepMessages: false, onMessage: (m) => collector.add(m) });
        (cell as CodeCell).execution_count = reply.executionCount;
        if (reply.status === 'ok') {
          results.set(index, { status: 'ok', durationSec: took(), ...(collector.dropped ? { droppedBytes: collector.dropped } : {}) });
        } else {
          const error = collector.fail();
          results.set(index, {
            status: 'error',
            ename: error.ename,
            evalue: error.evalue,
            durationSec: took(),
            ...(collector.dropped ? { droppedBytes: collector.dropped } : {}),
          });
          await delay(300);
        }
        (cell as CodeCell).outputs = collector.finish();
        ranBefore.push(index);
      } catch (err) {
        const timedOut = err instanceof KernelTimeoutError;
        const died = err instanceof KernelDiedError;
        const how = died
          ? (err as KernelDiedError).signal
            ? `was killed by ${(err as KernelDiedError).signal}`
            : `exited with code ${(err as KernelDiedError).exitCode}`
          : '';
        const evalue = timedOut
          ? notebookLimit
            ? `the notebook time limit (${Math.round(options.notebookTimeoutMs / 1000)} s) was reached during this cell; the kernel was stopped`
            : `the cell did not finish within its time limit of ${Math.round(options.cellTimeoutMs / 1000)} s (an endless loop?); the kernel was stopped`
          : died
            ? `the kernel ${how} during this cell (process.exit, or a crash); the kernel was stopped`
            : (err as Error).message;
        const ename = timedOut ? 'CellTimeout' : died ? 'KernelDied' : (err as Error).name;
        results.set(index, { status: timedOut ? 'timeout' : died ? 'kernel-died' : 'error', ename, evalue, durationSec: took() });
        (cell as CodeCell).outputs = [...collector.finish(), { output_type: 'error', ename, evalue, traceback: [`${ename}: ${evalue}`] }];
        await k.shutdown(300);
        kernel = null;
      }
    }
  } finally {
    const k = kernel as TslabKernel | null;
    if (k) await k.shutdown(1000);
  }
  return { notebook, cells: results, restarts: Math.max(0, kernels - 1), durationSec: Math.round((Date.now() - started) / 10) / 100 };
}
