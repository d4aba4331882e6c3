/**
 * The one model of a notebook file (Jupyter nbformat 4) that the runner, the student generator,
 * the repository check and the tests share: types, a verified read, the canonical writer, cell
 * text and tags, and the parameters cell's tag and values.
 *
 * Written text is canonical and matches what Jupyter itself writes (keys sorted, one-space indent,
 * `source` as a list of lines, trailing newline), so a notebook saved in JupyterLab, regenerated
 * with `npm run students` or executed by `npm start` has the same layout.
 * Schema: https://github.com/jupyter/nbformat/blob/main/nbformat/v4/nbformat.v4.5.schema.json
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { writeFileAtomic } from '../util/atomic-write';

/** Text as nbformat stores it: one string or a list of lines (each keeping its newline). */
export type MultilineString = string | string[];

/** A MIME-type keyed bundle of output data. */
export type MimeBundle = Record<string, unknown>;

/** Metadata of a notebook or a cell (`tags`, `kernelspec`, `vaelab`, ...). */
export type NotebookMetadata = Record<string, unknown>;

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
  /** Cell id (nbformat 4.5); absent in 4.4 files until {@link withCellIds} gives one. */
  id?: string;
  cell_type: 'code';
  metadata: NotebookMetadata;
  source: MultilineString;
  execution_count: number | null;
  outputs: CellOutput[];
}

/** A markdown cell. */
export interface MarkdownCell {
  /** Cell id (nbformat 4.5). */
  id?: string;
  cell_type: 'markdown';
  metadata: NotebookMetadata;
  source: MultilineString;
  attachments?: Record<string, MimeBundle>;
}

/** A raw cell. */
export interface RawCell {
  /** Cell id (nbformat 4.5). */
  id?: string;
  cell_type: 'raw';
  metadata: NotebookMetadata;
  source: MultilineString;
  attachments?: Record<string, MimeBundle>;
}

/** Any notebook cell. */
export type NotebookCell = CodeCell | MarkdownCell | RawCell;

/** A whole notebook (nbformat 4). */
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: NotebookCell[];
}

/** The tag of the one cell holding a notebook's parameters (papermill's convention). */
export const PARAMETERS_TAG = 'parameters';

/** A parameter value a profile or `--set` may give: anything JSON can express. */
export type ParameterValue = number | string | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };

/** The source of a cell as one string. */
export function cellText(cell: Pick<NotebookCell, 'source'>): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Splits text into nbformat's list of lines: every line keeps its newline, the last one may have none. */
export function toLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

/** The tags of a cell (`metadata.tags`), or an empty list. */
export function cellTags(cell: Pick<NotebookCell, 'metadata'>): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

const CELL_TYPES: ReadonlyArray<NotebookCell['cell_type']> = ['code', 'markdown', 'raw'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses the text of an `.ipynb` file and verifies it is an nbformat 4 notebook: a JSON object with
 * `"nbformat": 4` and a `cells` array whose cells have a known `cell_type` and a `source`. Fills what
 * nbformat treats as empty when absent (`metadata: {}`; a code cell's `outputs: []` and
 * `execution_count: null`) and changes nothing else (cell ids are kept as they are, even when
 * missing). Throws an Error that starts with `file` and says what is wrong.
 */
export function parseNotebook(text: string, file = '<notebook>'): Notebook {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); expected a Jupyter notebook in format 4`, { cause: err });
  }
  const notNotebook = `${file}: not a Jupyter notebook in format 4`;
  if (!isObject(data)) throw new Error(`${notNotebook}: expected a JSON object {"nbformat": 4, "cells": [...]} at the top level`);
  if (data.nbformat !== 4) throw new Error(`${notNotebook}: expected "nbformat": 4, got ${JSON.stringify(data.nbformat) ?? 'none'}`);
  if (!Array.isArray(data.cells)) throw new Error(`${notNotebook}: expected a "cells" array`);
  if (data.metadata !== undefined && !isObject(data.metadata)) throw new Error(`${file}: the notebook metadata is not a JSON object`);
  const cells = data.cells.map((cell: unknown, i: number): NotebookCell => {
    const where = `${file}: cell ${i + 1}`;
    if (!isObject(cell) || !CELL_TYPES.includes(cell.cell_type as NotebookCell['cell_type'])) {
      throw new Error(`${where} has no valid cell_type (expected code, markdown or raw)`);
    }
    const source = cell.source;
    if (typeof source !== 'string' && !(Array.isArray(source) && source.every((line) => typeof line === 'string'))) {
      throw new Error(`${where} has no source (expected a string or a list of strings)`);
    }
    if (cell.metadata === undefined) cell.metadata = {};
    else if (!isObject(cell.metadata)) throw new Error(`${where} has metadata that is not a JSON object`);
    if (cell.cell_type === 'code') {
      if (cell.outputs === undefined) cell.outputs = [];
      else if (!Array.isArray(cell.outputs)) throw new Error(`${where} has outputs that are not a list`);
      if (cell.execution_count === undefined) cell.execution_count = null;
    }
    return cell as unknown as NotebookCell;
  });
  return {
    nbformat: 4,
    nbformat_minor: typeof data.nbformat_minor === 'number' ? data.nbformat_minor : 5,
    metadata: (data.metadata as NotebookMetadata | undefined) ?? {},
    cells,
  };
}

/** Reads and verifies a notebook file (see {@link parseNotebook}); errors name the file. */
export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${file}: cannot read the notebook (${(err as Error).message})`, { cause: err });
  }
  return parseNotebook(text, file);
}

const CELL_ID = /^[a-zA-Z0-9-_]{1,64}$/;

/** A new random cell id valid in nbformat 4.5. */
export function newCellId(): string {
  return randomBytes(6).toString('hex');
}

/**
 * The notebook upgraded to nbformat 4.5 (a copy; cells are shallow copies): every cell has a valid,
 * unique id, kept when it already had one. The runner does this before it executes a notebook.
 */
export function withCellIds(notebook: Notebook): Notebook {
  const seen = new Set<string>();
  const cells = notebook.cells.map((cell): NotebookCell => {
    let id = typeof cell.id === 'string' && CELL_ID.test(cell.id) && !seen.has(cell.id) ? cell.id : newCellId();
    while (seen.has(id)) id = newCellId();
    seen.add(id);
    return { ...cell, metadata: { ...cell.metadata }, id };
  });
  return { ...notebook, nbformat_minor: 5, metadata: { ...notebook.metadata }, cells };
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

/**
 * The canonical text of a notebook: sources as line lists, keys sorted, one-space indent and a
 * final newline (what Jupyter writes), so the same notebook always gives the same bytes.
 */
export function formatNotebook(notebook: Notebook): string {
  const cells = notebook.cells.map((cell) => ({ ...cell, source: toLines(cellText(cell)) }));
  return `${JSON.stringify(sortKeysDeep({ ...notebook, cells }), null, 1)}\n`;
}

/** Writes a notebook in its canonical text ({@link formatNotebook}), atomically. */
export function writeNotebook(file: string, notebook: Notebook): void {
  writeFileAtomic(file, formatNotebook(notebook));
}
