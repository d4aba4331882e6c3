/**
 * Kernel output as notebook cell outputs: the iopub messages of one code cell become nbformat
 * outputs (as Jupyter front ends build them), and tslab's error text becomes an `error` output.
 */
import { JupyterMessage } from '../kernel/wire';
import { CellOutput, DisplayDataOutput, ErrorOutput, ExecuteResultOutput, MimeBundle, MultilineString, toLines } from '../notebook-file';

/** A TypeScript diagnostic as tslab prints it: `[file ]line:col - message`. */
const DIAGNOSTIC_LINE = /^(\S+ )?\d+:\d+ - /;

/** A line of a JavaScript stack trace. */
const STACK_FRAME = /^\s+at /;

/** Turns the error text tslab prints on stderr into an nbformat error output (tslab sends no `error` message). */
export function errorFromText(text: string): ErrorOutput {
  const lines = text.replace(/\n+$/, '').split('\n');
  const diagnostics = lines.filter((line) => DIAGNOSTIC_LINE.test(line));
  if (diagnostics.length > 0) {
    return { output_type: 'error', ename: 'TypeScriptError', evalue: diagnostics.join('\n'), traceback: lines };
  }
  // Drop the frames of tslab's own machinery below the notebook code.
  const vmFrame = lines.findIndex((line) => /^\s+at .*\(node:vm:/.test(line) || /^\s+at sigintHandlersWrap/.test(line));
  if (vmFrame > 0) lines.splice(vmFrame);
  for (let i = 0; i < lines.length; i++) {
    const match = /^\s*(?:Uncaught\s+)?([A-Za-z_$][\w$]*(?:Error|Exception)|Error)(?: \[[^\]]*\])?: (.*)$/.exec(lines[i]);
    if (!match) continue;
    // A message can span lines (an autograder listing every rule broken): keep them, up to the first stack frame.
    const rest: string[] = [];
    for (let j = i + 1; j < lines.length && !STACK_FRAME.test(lines[j]); j++) rest.push(lines[j]);
    while (rest.length > 0 && rest[rest.length - 1].trim() === '') rest.pop();
    return { output_type: 'error', ename: match[1], evalue: [match[2], ...rest].join('\n'), traceback: lines };
  }
  const first = lines.find((line) => line.trim() !== '') ?? 'the cell failed without a message';
  return { output_type: 'error', ename: 'Error', evalue: first.trim(), traceback: lines };
}

/**
 * Builds one code cell's outputs from its iopub messages, as Jupyter front ends do: consecutive
 * stream text is merged, `update_display_data` rewrites the display with the same id, `clear_output` clears.
 */
export class OutputCollector {
  /** The outputs so far, in nbformat shape. */
  readonly outputs: CellOutput[] = [];
  private readonly displays = new Map<string, Array<DisplayDataOutput | ExecuteResultOutput>>();
  private clearPending = false;
  /** The separate writes that make up the last output when it is stderr text. */
  private stderrChunks: string[] = [];

  /** Adds one iopub message (messages of other types, e.g. `status`, are ignored). */
  add(message: JupyterMessage): void {
    const c = message.content;
    const type = message.header.msg_type;
    if (type === 'clear_output') {
      if (c.wait) this.clearPending = true;
      else this.clear();
      return;
    }
    if (!['stream', 'display_data', 'update_display_data', 'execute_result', 'error'].includes(type)) return;
    if (type === 'update_display_data') {
      const id = displayId(c);
      for (const output of (id && this.displays.get(id)) || []) {
        output.data = { ...((c.data as MimeBundle) ?? {}) };
        output.metadata = { ...((c.metadata as Record<string, unknown>) ?? {}) };
      }
      return;
    }
    if (this.clearPending) this.clear();
    if (type === 'stream') {
      const name = c.name === 'stderr' ? 'stderr' : 'stdout';
      const text = String(c.text ?? '');
      const last = this.outputs[this.outputs.length - 1];
      if (last && last.output_type === 'stream' && last.name === name) {
        last.text = toLines(joinText(last.text) + text);
      } else {
        this.outputs.push({ output_type: 'stream', name, text: toLines(text) });
        this.stderrChunks = [];
      }
      if (name === 'stderr') this.stderrChunks.push(text);
    } else if (type === 'error') {
      this.outputs.push({
        output_type: 'error',
        ename: String(c.ename ?? 'Error'),
        evalue: String(c.evalue ?? ''),
        traceback: Array.isArray(c.traceback) ? c.traceback.map(String) : [],
      });
    } else {
      const data = { ...((c.data as MimeBundle) ?? {}) };
      const metadata = { ...((c.metadata as Record<string, unknown>) ?? {}) };
      const output: DisplayDataOutput | ExecuteResultOutput =
        type === 'execute_result'
          ? { output_type: 'execute_result', execution_count: numberOrNull(c.execution_count), data, metadata }
          : { output_type: 'display_data', data, metadata };
      this.outputs.push(output);
      const id = displayId(c);
      if (id) this.displays.set(id, [...(this.displays.get(id) ?? []), output]);
    }
  }

  /**
   * Records that the cell failed. When the kernel sent no `error` output (tslab prints errors on
   * stderr), the trailing stderr text becomes an error output; returns the error output.
   */
  fail(): ErrorOutput {
    const existing = this.outputs.find((o): o is ErrorOutput => o.output_type === 'error');
    if (existing) return existing;
    const last = this.outputs[this.outputs.length - 1];
    let error: ErrorOutput;
    if (last && last.output_type === 'stream' && last.name === 'stderr' && this.stderrChunks.length > 0) {
      // tslab prints a runtime error with one write and each compile diagnostic with one write:
      // those trailing writes become the error; earlier stderr text stays a stream output.
      const chunks = this.stderrChunks;
      let from = chunks.length - 1;
      while (from > 0 && DIAGNOSTIC_LINE.test(chunks[from]) && DIAGNOSTIC_LINE.test(chunks[from - 1])) from--;
      const kept = chunks.slice(0, from).join('');
      if (kept === '') this.outputs.pop();
      else last.text = toLines(kept);
      error = errorFromText(chunks.slice(from).join(''));
    } else {
      error = { output_type: 'error', ename: 'Error', evalue: 'the cell failed without a message', traceback: [] };
    }
    this.outputs.push(error);
    return error;
  }

  private clear(): void {
    this.outputs.length = 0;
    this.displays.clear();
    this.clearPending = false;
  }
}

function joinText(text: MultilineString): string {
  return Array.isArray(text) ? text.join('') : text;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' ? value : null;
}

function displayId(content: Record<string, unknown>): string | undefined {
  const transient = content.transient as { display_id?: unknown } | undefined;
  return typeof transient?.display_id === 'string' && transient.display_id !== '' ? transient.display_id : undefined;
}
