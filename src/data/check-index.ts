/** Index validation shared by the dataset helpers (internal: not re-exported by the data barrel). */
import type { ImageDataset } from '../types';

/** Throws a RangeError unless `i` is an integer index of an image of `ds`; `who` names the caller. */
export function checkIndex(ds: ImageDataset, i: number, who: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= ds.count) {
    throw new RangeError(`${who}: index ${i} is out of range; expected an integer in [0, ${ds.count - 1}]`);
  }
}
