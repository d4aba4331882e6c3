/**
 * Jupyter notebook format 4.5 (nbformat): types, reading source notebooks, turning kernel
 * iopub messages into cell outputs, and writing executed notebooks.
 * Schema: https://github.com/jupyter/nbformat/blob/main/nbformat/v4/nbformat.v4.5.schema.json
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { writeFileAtomic } from '../util/atomic-write';
import { JupyterMessage } from './wire';

/** Text as nbformat stores it: one string or a list of lines (each keeping its newline). */
export type MultilineString = string | string[];

/** A MIME-type keyed bundle of output data. */
export type MimeBundle = Record<string, unknown>;

/** `stream` output (stdout/stderr text). */
export interface StreamOutput {
  output_type: 'stream';
  name: 'stdout' | 'stderr';
  text: MultilineString;
}

/** `display_data` output (rich data such as `image/png`). */
export interface DisplayDataOutput {
  output_type: 'display_data';
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** `execute_result` output (the value of the cell). */
export interface ExecuteResultOutput {
  output_type: 'execute_result';
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}

/** `error` output (exception name, message and traceback lines). */
export interface ErrorOutput {
  output_type: 'error';
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Any code cell output. */
export type CellOutput = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

/** A code cell. */
export interface CodeCell {
  id: string;
  cell_type: 'code';
  metadata: Record<string, unknown>;
  source: MultilineString;
  execution_count: number | null;
  outputs: CellOutput[];
}

/** A markdown cell. */
export interface MarkdownCell {
  id: string;
  cell_type: 'markdown';
  metadata: Record<string, unknown>;
  source: MultilineString;
  attachments?: Record<string, MimeBundle>;
}

/** A raw cell. */
export interface RawCell {
  id: string;
  cell_type: 'raw';
  metadata: Record<string, unknown>;
  source: MultilineString;
  attachments?: Record<string, MimeBundle>;
}

/** Any notebook cell. */
export type NotebookCell = CodeCell | MarkdownCell | RawCell;

/** A whole notebook (nbformat 4). */
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

/** The source of a cell as one string. */
export function cellText(cell: Pick<NotebookCell, 'source'>): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Splits text into nbformat's list of lines, each line keeping its trailing newline. */
export function toLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

/** The tags of a cell (`metadata.tags`), or an empty list. */
export function cellTags(cell: NotebookCell): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

/** A new random cell id valid in nbformat 4.5. */
export function newCellId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * Reads a notebook file and upgrades it to nbformat 4.5 in memory: every cell gets a valid,
 * unique id (kept when present). Throws an Error naming the file when it is not an nbformat 4 notebook.
 */
export function readNotebook(file: string): Notebook {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read notebook ${file}: ${(err as Error).message}`, { cause: err });
  }
  const nb = parsed as Partial<Notebook>;
  if (typeof nb !== 'object' || nb === null || nb.nbformat !== 4 || !Array.isArray(nb.cells)) {
    throw new Error(`${file} is not a Jupyter notebook in format 4 (expected {"nbformat": 4, "cells": [...]})`);
  }
  const seen = new Set<string>();
  const cells = nb.cells.map((raw, index): NotebookCell => {
    const cell = { ...raw } as NotebookCell;
    if (!['code', 'markdown', 'raw'].includes(cell.cell_type)) {
      throw new Error(`${file}: cell ${index} has unknown cell_type ${JSON.stringify(cell.cell_type)}`);
    }
    cell.metadata = { ...(cell.metadata ?? {}) };
    cell.source = cell.source ?? '';
    let id = typeof cell.id === 'string' && CELL_ID.test(cell.id) && !seen.has(cell.id) ? cell.id : newCellId();
    while (seen.has(id)) id = newCellId();
    seen.add(id);
    cell.id = id;
    if (cell.cell_type === 'code') {
      cell.outputs = Array.isArray(cell.outputs) ? cell.outputs : [];
      cell.execution_count = cell.execution_count ?? null;
    }
    return cell;
  });
  return { nbformat: 4, nbformat_minor: 5, metadata: { ...(nb.metadata ?? {}) }, cells };
}

/** Writes a notebook as Jupyter does (1-space indented JSON, trailing newline), atomically. */
export function writeNotebook(file: string, notebook: Notebook): void {
  writeFileAtomic(file, JSON.stringify(notebook, null, 1) + '\n');
}

/** A TypeScript diagnostic as tslab prints it: `[file ]line:col - message`. */
const DIAGNOSTIC_LINE = /^(\S+ )?\d+:\d+ - /;

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
  for (const line of lines) {
    const match = /^\s*(?:Uncaught\s+)?([A-Za-z_$][\w$]*(?:Error|Exception)|Error)(?: \[[^\]]*\])?: (.*)$/.exec(line);
    if (match) return { output_type: 'error', ename: match[1], evalue: match[2], traceback: lines };
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
