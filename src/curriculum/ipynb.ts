/**
 * Reading and writing `.ipynb` files (nbformat 4) for the curriculum tools.
 *
 * Serialisation is canonical and matches what Jupyter itself writes (keys sorted,
 * one-space indent, trailing newline, `source` as a list of lines), so saving a
 * notebook in JupyterLab and regenerating it with `npm run students` gives no diff.
 */

/** A JSON value as it may appear in notebook metadata. */
export type IpynbJson = string | number | boolean | null | IpynbJson[] | { [key: string]: IpynbJson };

/** Metadata object of a notebook or a cell. */
export type IpynbMetadata = { [key: string]: IpynbJson };

/** One cell of an nbformat 4 notebook. */
export interface IpynbCell {
  /** `code`, `markdown` or `raw`. */
  cell_type: 'code' | 'markdown' | 'raw';
  /** Cell id (nbformat 4.5); kept unchanged by the generator. */
  id?: string;
  /** Cell metadata; `tags` lives here. */
  metadata: IpynbMetadata;
  /** Source text: a string or a list of lines (each but the last ending in a newline). */
  source: string | string[];
  /** Outputs of a code cell. */
  outputs?: IpynbJson[];
  /** Execution counter of a code cell (null when never run). */
  execution_count?: number | null;
  /** Attachments of markdown cells, kept as they are. */
  attachments?: IpynbJson;
}

/** An nbformat 4 notebook. */
export interface IpynbNotebook {
  /** The cells in order. */
  cells: IpynbCell[];
  /** Notebook metadata (kernelspec, language_info, ...). */
  metadata: IpynbMetadata;
  /** Major format version; always 4 here. */
  nbformat: number;
  /** Minor format version (5 when cells carry ids). */
  nbformat_minor: number;
}

/**
 * Parses the text of an `.ipynb` file. Throws an Error naming `file` when the text is not
 * JSON or not an nbformat 4 notebook.
 */
export function parseIpynb(text: string, file = '<notebook>'): IpynbNotebook {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message}); expected an .ipynb notebook`, { cause: err });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new Error(`${file}: expected a JSON object (an nbformat 4 notebook) at the top level`);
  }
  const nb = data as Partial<IpynbNotebook>;
  if (nb.nbformat !== 4) {
    throw new Error(`${file}: expected nbformat 4, got ${JSON.stringify(nb.nbformat)}`);
  }
  if (!Array.isArray(nb.cells)) {
    throw new Error(`${file}: expected a "cells" array`);
  }
  nb.cells.forEach((cell, i) => {
    if (typeof cell !== 'object' || cell === null || !['code', 'markdown', 'raw'].includes(cell.cell_type)) {
      throw new Error(`${file}: cell ${i} has no valid cell_type (expected code, markdown or raw)`);
    }
    if (typeof cell.source !== 'string' && !Array.isArray(cell.source)) {
      throw new Error(`${file}: cell ${i} has no source (expected a string or a list of strings)`);
    }
    if (cell.metadata === undefined) cell.metadata = {};
  });
  return {
    cells: nb.cells,
    metadata: nb.metadata ?? {},
    nbformat: 4,
    nbformat_minor: typeof nb.nbformat_minor === 'number' ? nb.nbformat_minor : 5,
  };
}

/** The source of a cell as one string. */
export function cellText(cell: IpynbCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Splits text into Jupyter's list-of-lines form: every line but the last keeps its `\n`. */
export function toSourceLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((line) => `${line}\n`);
  const last = lines[lines.length - 1];
  if (last === '\n') lines.pop();
  else lines[lines.length - 1] = last.slice(0, -1);
  return lines;
}

/** The tags of a cell (its `metadata.tags`, or an empty list). */
export function cellTags(cell: IpynbCell): string[] {
  const tags = cell.metadata.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
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
export function formatIpynb(nb: IpynbNotebook): string {
  const cells = nb.cells.map((cell) => ({ ...cell, source: toSourceLines(cellText(cell)) }));
  return `${JSON.stringify(sortKeysDeep({ ...nb, cells }), null, 1)}\n`;
}
