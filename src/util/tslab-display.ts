/**
 * Finding the display channel of a running tslab kernel. tslab keeps the function that writes
 * `display_data` messages for the cell being executed in `tslab/dist/jupyter.js`
 * (`lastWriteDisplayData`, set when a cell starts). Inside the kernel that module is already
 * loaded in this process; elsewhere it is not, or the function is still null. Looking it up in
 * the module cache never loads tslab (which would pull in a TypeScript compiler).
 */

/** One Jupyter display message as tslab's writer takes it. */
export interface TslabDisplayMessage {
  /** The output in one or more MIME types (the front end picks the richest it can render). */
  readonly data: Record<string, unknown>;
  /** Per-MIME-type metadata (e.g. the display size of an image). */
  readonly metadata: Record<string, unknown>;
  /** Transient fields (e.g. a display id). */
  readonly transient: Record<string, unknown>;
}

/** tslab's writer of display messages (`update` replaces the output with the same display id). */
export type TslabDisplayWriter = (message: TslabDisplayMessage, update: boolean) => void;

/** Loaded modules by file name (Node's `require.cache`, or a stand-in in tests). */
export type ModuleCacheLike = Record<string, { exports?: unknown } | undefined>;

const JUPYTER_MODULE = /[\\/]tslab[\\/]dist[\\/]jupyter\.js$/;

/**
 * The display writer of the tslab kernel running this code, or null outside a kernel. Works with
 * a project-local or a global tslab (whichever loaded the kernel).
 */
export function tslabDisplayWriter(cache: ModuleCacheLike = require.cache as ModuleCacheLike): TslabDisplayWriter | null {
  if (!cache) return null;
  for (const file of Object.keys(cache)) {
    if (!JUPYTER_MODULE.test(file)) continue;
    const writer = (cache[file]?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof writer === 'function') return writer as TslabDisplayWriter;
  }
  return null;
}
