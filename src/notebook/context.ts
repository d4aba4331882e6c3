/**
 * Where a notebook's outputs go. The headless runner sets `VAELAB_OUTPUT_DIR` to
 * a folder per notebook; an interactive session writes under `out/interactive`
 * in the current working directory.
 */
import * as path from 'path';

/** Environment variable naming the folder of the current notebook's outputs. */
export const OUTPUT_DIR_ENV = 'VAELAB_OUTPUT_DIR';

/** The folder where figures, CSV exports and other outputs of this run are saved. */
export function outputDir(): string {
  const fromEnv = process.env[OUTPUT_DIR_ENV];
  return fromEnv && fromEnv !== '' ? path.resolve(fromEnv) : path.resolve('out', 'interactive');
}

/** True when running inside a Jupyter kernel (tslab), where rich outputs can be displayed. */
export function inNotebook(): boolean {
  try {
    // tslab's display functions only work inside its kernel; the module exposes this via `isTslab`-like state.
    return process.env.VAELAB_IN_KERNEL === '1' || typeof (globalThis as { $$?: unknown }).$$ !== 'undefined';
  } catch {
    return false;
  }
}
