/** Seeded subsets, shuffles and mini-batch indices of an {@link ImageDataset}. */
import type { Rng } from '../rng';
import type { ImageDataset } from '../types';
import { checkIndex } from './check-index';
import { checkInt } from '../util/validate';

/** A new dataset with the images and labels at `indices`, in that order (copies, the source is untouched). */
export function selectDataset(ds: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const size = ds.rows * ds.cols;
  const images = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    checkIndex(ds, i, 'selectDataset');
    images.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = ds.labels[i];
  }
  return { images, labels, count: indices.length, rows: ds.rows, cols: ds.cols };
}

/**
 * A seeded random subset of `count` distinct images (in random order). The same seed gives the
 * same subset. Throws a RangeError unless `count` is an integer in [0, ds.count].
 */
export function subsetDataset(ds: ImageDataset, count: number, rng: Rng): ImageDataset {
  if (!Number.isInteger(count) || count < 0 || count > ds.count) {
    throw new RangeError(`subsetDataset: count must be an integer in [0, ${ds.count}], got ${count}`);
  }
  return selectDataset(ds, rng.permutation(ds.count).subarray(0, count));
}

/** The whole dataset in a seeded random order (a copy). */
export function shuffleDataset(ds: ImageDataset, rng: Rng): ImageDataset {
  return selectDataset(ds, rng.permutation(ds.count));
}

/**
 * Splits `0..count-1` into mini-batches of `batchSize` indices (the last one may be smaller),
 * shuffled first when an `rng` is given. Throws a RangeError for a negative count or a
 * batch size that is not a positive integer.
 */
export function batchIndices(count: number, batchSize: number, rng?: Rng): Int32Array[] {
  checkInt('batchIndices', 'count', count, 0);
  checkInt('batchIndices', 'batchSize', batchSize);
  let order: Int32Array;
  if (rng) order = rng.permutation(count);
  else {
    order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
  }
  const batches: Int32Array[] = [];
  for (let start = 0; start < count; start += batchSize) batches.push(order.subarray(start, Math.min(start + batchSize, count)));
  return batches;
}

/** How many images carry each label: `counts[label]` (length = largest label + 1, at least 10). */
export function labelCounts(ds: ImageDataset): Int32Array {
  let max = 9;
  for (let i = 0; i < ds.count; i++) if (ds.labels[i] > max) max = ds.labels[i];
  const counts = new Int32Array(max + 1);
  for (let i = 0; i < ds.count; i++) counts[ds.labels[i]]++;
  return counts;
}
