/**
 * Papermill-style parameters: find the cell tagged `parameters`, read the variables it declares,
 * and build the injected cell (tagged `injected-parameters`) that assigns new values to them.
 */
import { cellTags, cellText, CodeCell, Notebook, NotebookCell, PARAMETERS_TAG, ParameterValue, toLines } from '../notebook-file';

/** Tag of the cell the runner inserts after the parameters cell. */
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';

/** How each variable of a parameters cell is declared. */
export type DeclarationKind = 'let' | 'const' | 'var';

/** One `--set` override: `name=value` for every notebook, or `notebook.name=value` for one notebook. */
export interface ParameterOverride {
  /** Notebook name (file name without `.ipynb`) the override is limited to, if any. */
  notebook?: string;
  name: string;
  value: ParameterValue;
  /** Set when the value was not valid JSON and was therefore taken as a plain string: why JSON refused it. */
  notJson?: string;
}

/**
 * The type a parameters cell gives a variable, from its annotation (`let n: number = 3`) or, without
 * one, from its initial value (`let sizes = [2, 16]` is `number[]`). `unknown` when neither says.
 */
export type ParameterType =
  | { readonly kind: 'number' | 'string' | 'boolean' | 'unknown' }
  | { readonly kind: 'literals'; readonly values: ReadonlyArray<string | number | boolean> }
  | { readonly kind: 'array'; readonly element: ParameterType };

/** A parameter type written as TypeScript, e.g. `number[]` or `'a' | 'b'`. */
export function formatParameterType(type: ParameterType): string {
  switch (type.kind) {
    case 'array': {
      const inner = formatParameterType(type.element);
      return type.element.kind === 'literals' ? `(${inner})[]` : `${inner}[]`;
    }
    case 'literals':
      return type.values.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(' | ');
    default:
      return type.kind;
  }
}

/** A TypeScript type annotation as a ParameterType (primitives, literal unions, `T[]`, `Array<T>`). */
function typeFromAnnotation(text: string): ParameterType {
  const t = text.trim();
  if (t === 'number' || t === 'string' || t === 'boolean') return { kind: t };
  const array = /^(?:Array<(.+)>|\((.+)\)\[\]|(.+)\[\])$/.exec(t);
  if (array) {
    const element = typeFromAnnotation(array[1] ?? array[2] ?? array[3]);
    return element.kind === 'unknown' ? element : { kind: 'array', element };
  }
  const parts = t.split('|').map((p) => p.trim());
  const values: Array<string | number | boolean> = [];
  for (const part of parts) {
    const quoted = /^(['"])(.*)\1$/.exec(part);
    if (quoted) values.push(quoted[2]);
    else if (part === 'true' || part === 'false') values.push(part === 'true');
    else if (part !== '' && Number.isFinite(Number(part))) values.push(Number(part));
    else return { kind: 'unknown' };
  }
  return { kind: 'literals', values };
}

/** The type TypeScript infers for a `let` initialised with the JSON-like value `value`. */
function typeOfValue(value: unknown): ParameterType {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
    return { kind: typeof value as 'number' | 'string' | 'boolean' };
  if (Array.isArray(value) && value.length > 0) {
    const kinds = value.map(typeOfValue);
    const first = formatParameterType(kinds[0]);
    return kinds.every((k) => formatParameterType(k) === first) && kinds[0].kind !== 'unknown'
      ? { kind: 'array', element: kinds[0] }
      : { kind: 'unknown' };
  }
  return { kind: 'unknown' };
}

/** The initial value text of a declaration: up to a `;` or `//` outside quotes, brackets kept. */
function initializerText(rest: string): string {
  let quote = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === ';' || (c === '/' && rest[i + 1] === '/')) return rest.slice(0, i).trim();
  }
  return rest.trim();
}

/** Reads a simple literal (number, 'single' or "double" quoted string, boolean, array of those) as JSON data, or undefined. */
function literalValue(text: string): unknown {
  const json = text.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, inner: string) => JSON.stringify(inner.replace(/\\'/g, "'")));
  try {
    // TypeScript allows `.5` and a trailing comma in arrays; JSON does not
    const relaxed = json.replace(/(^|[[,\s])\.(\d)/g, (_m, before: string, digit: string) => `${before}0.${digit}`).replace(/,\s*\]/g, ']');
    return JSON.parse(relaxed);
  } catch {
    return undefined;
  }
}

/**
 * The types of the variables a parameters cell declares (one declaration per line): from the
 * annotation if there is one, else from the initial value as TypeScript would infer it.
 */
export function parameterTypes(source: string): Map<string, ParameterType> {
  const types = new Map<string, ParameterType>();
  for (const match of source.matchAll(/^[ \t]*(?:export[ \t]+)?(?:let|const|var)[ \t]+([A-Za-z_$][\w$]*)[ \t]*(?::([^=\n]+))?(?:=(.*))?$/gm)) {
    const [, name, annotation, init] = match;
    if (annotation !== undefined) types.set(name, typeFromAnnotation(annotation));
    else types.set(name, init === undefined ? { kind: 'unknown' } : typeOfValue(literalValue(initializerText(init))));
  }
  return types;
}

/** The declared types of a notebook's parameters (empty when it has no parameters cell). */
export function notebookParameterTypes(notebook: Notebook): Map<string, ParameterType> {
  const at = findParametersCell(notebook.cells);
  return at < 0 ? new Map() : parameterTypes(cellText(notebook.cells[at]));
}

/** Why `value` is not of `type` (e.g. "got the string \"x\""), or null when it is. */
function typeMismatch(value: ParameterValue, type: ParameterType): string | null {
  const got = () =>
    value === null
      ? 'null'
      : Array.isArray(value)
        ? `the array ${JSON.stringify(value)}`
        : typeof value === 'object'
          ? 'an object'
          : `the ${typeof value} ${JSON.stringify(value)}`;
  switch (type.kind) {
    case 'unknown':
      return null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : `got ${got()}`;
    case 'string':
    case 'boolean':
      return typeof value === type.kind ? null : `got ${got()}`;
    case 'literals':
      return type.values.includes(value as string | number | boolean) ? null : `got ${got()}`;
    case 'array': {
      if (!Array.isArray(value)) return `got ${got()}`;
      for (let i = 0; i < value.length; i++) {
        const inner = typeMismatch(value[i], type.element);
        if (inner) return `element ${i}: ${inner}`;
      }
      return null;
    }
  }
}

/**
 * Checks a `--set` value against the type the notebook's parameters cell declares for it; throws
 * a TypeError naming the declared type when the value is not JSON (and the type is not a string)
 * or is JSON of another type.
 */
export function checkOverrideType(notebookName: string, override: ParameterOverride, type: ParameterType | undefined): void {
  if (type === undefined) return;
  const shown = `--set ${override.notebook !== undefined ? `${override.notebook}.` : ''}${override.name}=${override.notJson !== undefined ? String(override.value) : JSON.stringify(override.value)}`;
  const declared = `"${override.name}" is declared as ${type.kind === 'unknown' ? 'a type the runner cannot check' : formatParameterType(type)} in the parameters cell of ${notebookName}`;
  if (override.notJson !== undefined) {
    if (type.kind === 'string') return; // a plain word for a string parameter
    if (type.kind === 'literals' && type.values.includes(override.value as string)) return;
    throw new TypeError(
      `${shown}: ${declared}, but the value is not valid JSON (${override.notJson}); ` +
        (type.kind === 'unknown' ? 'write it as JSON (text in double quotes)' : `expected a JSON ${formatParameterType(type)}`),
    );
  }
  const problem = typeMismatch(override.value, type);
  if (problem) throw new TypeError(`${shown}: ${declared}; ${problem}`);
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
 * (`3`, `1e-3`, `true`, `"text"`, `[1,2]`); anything that is not JSON is taken as a plain string,
 * marked `notJson` ({@link checkOverrideType} accepts it only for a string parameter).
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
  let notJson: string | undefined;
  try {
    value = JSON.parse(rawValue) as ParameterValue;
  } catch (err) {
    value = rawValue;
    notJson = (err as Error).message;
  }
  const parsed: ParameterOverride = notebook === undefined ? { name, value } : { notebook, name, value };
  return notJson === undefined ? parsed : { ...parsed, notJson };
}

/**
 * Escapes the characters that end a line in TypeScript source (LF, CR, U+2028, U+2029) as `\uXXXX`,
 * so text can go into a `//` comment or a string literal without starting a new line of code.
 */
export function escapeLineTerminators(text: string): string {
  return text.replace(/[\n\r\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Writes a parameter value as a TypeScript expression on one line (U+2028/U+2029 in strings escaped: TypeScript ends a line there). */
export function parameterLiteral(value: ParameterValue): string {
  return escapeLineTerminators(JSON.stringify(value));
}

/**
 * Source of the injected cell: one assignment per parameter, after a comment saying where the values come from.
 * Every name must be declared with `let` in the parameters cell (checked by the caller via {@link checkParameterNames}).
 */
export function injectedParametersSource(values: Record<string, ParameterValue>, origin: string): string {
  const lines = [`// Parameters injected by the vaelab runner (${escapeLineTerminators(origin)})`];
  for (const [name, value] of Object.entries(values)) lines.push(`${name} = ${parameterLiteral(value)};`);
  // An assignment as the last statement would be echoed by tslab; the empty statement keeps the cell quiet.
  lines.push(';');
  return lines.join('\n');
}

/**
 * Throws an Error when `names` contains a variable the parameters cell does not declare with `let`/`var`
 * (`where` says who asked for it, e.g. `--set` or `profile "quick"`).
 */
export function checkParameterNames(notebookName: string, declared: Map<string, DeclarationKind>, names: Iterable<string>, where: string): void {
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
