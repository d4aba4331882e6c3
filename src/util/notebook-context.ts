/**
 * Where a notebook's outputs go. The headless runner sets `VAELAB_OUTPUT_DIR` to
 * a folder per notebook; an interactive session writes under `out/interactive`
 * in the current working directory.
 */
import * as path from 'path';
import { tslabDisplayWriter } from '../util/tslab-display';

/** Environment variable naming the folder of the current notebook's outputs. */
export const OUTPUT_DIR_ENV = 'VAELAB_OUTPUT_DIR';

/** The folder where figures, CSV exports and other outputs of this run are saved. */
export function outputDir(): string {
  const fromEnv = process.env[OUTPUT_DIR_ENV];
  return fromEnv && fromEnv !== '' ? path.resolve(fromEnv) : path.resolve('out', 'interactive');
}

/**
 * True when running inside a tslab Jupyter kernel that can display rich outputs: tslab's kernel
 * module is loaded in this process and holds the display channel of the executing cell (found in
 * the module cache, so tslab is never loaded just to ask). `VAELAB_IN_KERNEL=1` (set by the
 * headless runner) also counts; `VAELAB_IN_KERNEL=0` forces false.
 */
export function inNotebook(): boolean {
  const forced = process.env.VAELAB_IN_KERNEL;
  if (forced === '0') return false;
  if (forced === '1') return true;
  return tslabDisplayWriter() !== null;
}
