/**
 * `publish(name, value)`: hands a key number of a notebook to the headless runner.
 * In a tslab kernel it becomes a display output with a vaelab MIME type (plus readable text);
 * anywhere else it is printed.
 */
import { tslabDisplayWriter } from '../util/tslab-display';

/** MIME type of published values in notebook outputs; the data is `{ name, value }`. */
export const PUBLISH_MIME_TYPE = 'application/vnd.vaelab.metric+json';

/** A value a notebook can publish. */
export type PublishedValue = number | string | boolean;

/** What `publish` puts under {@link PUBLISH_MIME_TYPE} (non-finite numbers travel as the strings `NaN`, `Infinity`, `-Infinity`). */
export interface PublishedRecord {
  /** The published name, e.g. `test_psnr_db`. */
  name: string;
  /** The value (non-finite numbers as strings). */
  value: number | string | boolean;
}

/** The profile the headless runner runs this notebook with (`smoke`, `quick`, `full`), or null when run by hand. */
export function notebookProfile(): string | null {
  const profile = process.env.VAELAB_PROFILE;
  return profile && profile !== '' ? profile : null;
}

/** Formats a published value for people. */
function formatValue(value: PublishedValue): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/**
 * Publishes a key result of the notebook under `name` (letters, digits, `_`, `.`, `-`; starts with a letter),
 * e.g. `publish('test_psnr_db', psnr)`. The runner collects it into `summary.json` and the report.
 * Returns nothing, so a `publish(...)` at the end of a cell prints nothing more.
 */
export function publish(name: string, value: PublishedValue): void {
  if (typeof name !== 'string' || !/^[A-Za-z][\w.-]*$/.test(name)) {
    throw new TypeError(`publish: name must start with a letter and use only letters, digits, "_", "." or "-"; got ${JSON.stringify(name)}`);
  }
  if (!['number', 'string', 'boolean'].includes(typeof value)) {
    throw new TypeError(`publish: value of "${name}" must be a number, string or boolean; got ${typeof value}`);
  }
  const record: PublishedRecord = {
    name,
    value: typeof value === 'number' && !Number.isFinite(value) ? String(value) : value,
  };
  const text = `${name} = ${formatValue(value)}`;
  const writer = tslabDisplayWriter();
  if (writer) {
    writer({ data: { [PUBLISH_MIME_TYPE]: record, 'text/plain': text }, metadata: {}, transient: {} }, false);
  } else {
    console.log(`publish: ${text}`);
  }
}
