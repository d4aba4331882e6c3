/**
 * Papermill-style parameters: find the cell tagged `parameters`, read the variables it declares,
 * and build the injected cell (tagged `injected-parameters`) that assigns new values to them.
 */
import { cellTags, cellText, NotebookCell, Notebook, toLines, CodeCell } from './nbformat';

/** Tag of the cell that declares a notebook's parameters. */
export const PARAMETERS_TAG = 'parameters';
/** Tag of the cell the runner inserts after the parameters cell. */
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';

/** A parameter value: anything JSON can express (written into the notebook as a TypeScript literal). */
export type ParameterValue = number | string | boolean | null | ParameterValue[] | { [key: string]: ParameterValue };

/** How each variable of a parameters cell is declared. */
export type DeclarationKind = 'let' | 'const' | 'var';

/** One `--set` override: `name=value` for every notebook, or `notebook.name=value` for one notebook. */
export interface ParameterOverride {
  /** Notebook name (file name without `.ipynb`) the override is limited to, if any. */
  notebook?: string;
  name: string;
  value: ParameterValue;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * The variables declared at the start of a line in a parameters cell (`let epochs = 10;`,
 * `let learningRate: number = 1e-3;`), with how they are declared. One declaration per line.
 */
export function parameterDeclarations(source: string): Map<string, DeclarationKind> {
  const names = new Map<string, DeclarationKind>();
  for (const match of source.matchAll(/^[ \t]*(?:export[ \t]+)?(let|const|var)[ \t]+([A-Za-z_$][\w$]*)/gm)) {
    names.set(match[2], match[1] as DeclarationKind);
  }
  return names;
}

/** Index of the cell tagged `parameters`, or -1. Throws when more than one cell carries the tag. */
export function findParametersCell(cells: ReadonlyArray<NotebookCell>): number {
  const indices = cells.flatMap((cell, i) => (cellTags(cell).includes(PARAMETERS_TAG) ? [i] : []));
  if (indices.length > 1) throw new Error(`more than one cell is tagged "${PARAMETERS_TAG}" (cells ${indices.join(', ')}); tag exactly one`);
  if (indices.length === 1 && cells[indices[0]].cell_type !== 'code') {
    throw new Error(`the cell tagged "${PARAMETERS_TAG}" (cell ${indices[0]}) must be a code cell`);
  }
  return indices[0] ?? -1;
}

/** The parameters a notebook declares (empty when it has no parameters cell). */
export function notebookParameters(notebook: Notebook): Map<string, DeclarationKind> {
  const at = findParametersCell(notebook.cells);
  return at < 0 ? new Map() : parameterDeclarations(cellText(notebook.cells[at]));
}

/**
 * Parses one `--set` argument: `name=value` or `notebook.name=value`. The value is read as JSON
 * (`3`, `1e-3`, `true`, `"text"`, `[1,2]`); anything that is not JSON is taken as a plain string.
 * Throws a TypeError saying what was expected for a malformed argument.
 */
export function parseOverride(argument: string): ParameterOverride {
  const eq = argument.indexOf('=');
  const expected = 'expected name=value or notebook.name=value (e.g. --set epochs=3 or --set 07_vae.epochs=3)';
  if (eq <= 0) throw new TypeError(`malformed --set "${argument}": ${expected}`);
  const target = argument.slice(0, eq).trim();
  const rawValue = argument.slice(eq + 1).trim();
  if (rawValue === '') throw new TypeError(`malformed --set "${argument}": the value is empty; ${expected}`);
  const dot = target.lastIndexOf('.');
  const notebook = dot >= 0 ? target.slice(0, dot) : undefined;
  const name = dot >= 0 ? target.slice(dot + 1) : target;
  if (!IDENTIFIER.test(name) || notebook === '') {
    throw new TypeError(`malformed --set "${argument}": "${name}" is not a variable name; ${expected}`);
  }
  let value: ParameterValue;
  try {
    value = JSON.parse(rawValue) as ParameterValue;
  } catch {
    value = rawValue;
  }
  return notebook === undefined ? { name, value } : { notebook, name, value };
}

/** Writes a parameter value as a TypeScript expression. */
export function parameterLiteral(value: ParameterValue): string {
  return JSON.stringify(value);
}

/**
 * Source of the injected cell: one assignment per parameter, after a comment saying where the values come from.
 * Every name must be declared with `let` in the parameters cell (checked by the caller via {@link checkParameterNames}).
 */
export function injectedParametersSource(values: Record<string, ParameterValue>, origin: string): string {
  const lines = [`// Parameters injected by the vaelab runner (${origin})`];
  for (const [name, value] of Object.entries(values)) lines.push(`${name} = ${parameterLiteral(value)};`);
  // An assignment as the last statement would be echoed by tslab; the empty statement keeps the cell quiet.
  lines.push(';');
  return lines.join('\n');
}

/**
 * Throws an Error when `names` contains a variable the parameters cell does not declare with `let`/`var`
 * (`where` says who asked for it, e.g. `--set` or `profile "quick"`).
 */
export function checkParameterNames(
  notebookName: string,
  declared: Map<string, DeclarationKind>,
  names: Iterable<string>,
  where: string,
): void {
  const known = [...declared.entries()].filter(([, kind]) => kind !== 'const').map(([n]) => n);
  for (const name of names) {
    const kind = declared.get(name);
    if (kind === 'const') {
      throw new Error(`${where} sets "${name}" in ${notebookName}, but its parameters cell declares it with const; declare it with let`);
    }
    if (kind === undefined) {
      throw new Error(
        `${where} sets "${name}" in ${notebookName}, but its parameters cell declares no such variable` +
          (known.length ? ` (it declares: ${known.join(', ')})` : declared.size === 0 ? ' (it has no cell tagged "parameters")' : ''),
      );
    }
  }
}

/** Returns a copy of the notebook with the injected parameters cell right after the `parameters` cell (or first, if none). */
export function injectParameters(notebook: Notebook, values: Record<string, ParameterValue>, origin: string): Notebook {
  const cells = notebook.cells.filter((cell) => !cellTags(cell).includes(INJECTED_PARAMETERS_TAG));
  if (Object.keys(values).length === 0) return { ...notebook, cells };
  const at = findParametersCell(cells);
  const injected: CodeCell = {
    id: 'injected-parameters',
    cell_type: 'code',
    metadata: { tags: [INJECTED_PARAMETERS_TAG] },
    source: toLines(injectedParametersSource(values, origin)),
    execution_count: null,
    outputs: [],
  };
  const ids = new Set(cells.map((c) => c.id));
  while (ids.has(injected.id)) injected.id = `${injected.id}-x`;
  cells.splice(at + 1, 0, injected);
  return { ...notebook, cells };
}
