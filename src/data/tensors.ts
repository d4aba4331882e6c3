/** Turning an {@link ImageDataset} (or some of its images) into tensors and single images. */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../types';
import { checkIndex } from './check-index';

/** The flat pixels of the images at `indices` (all images when omitted), one after another, as a new Float32Array. */
export function gatherImages(ds: ImageDataset, indices?: ArrayLike<number>): Float32Array {
  const size = ds.rows * ds.cols;
  if (indices === undefined) return ds.images.slice(0, ds.count * size);
  const out = new Float32Array(indices.length * size);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    checkIndex(ds, i, 'gatherImages');
    out.set(ds.images.subarray(i * size, (i + 1) * size), k * size);
  }
  return out;
}

/** The images at `indices` (all when omitted) as a flat float32 tensor `[n, rows*cols]` (e.g. `[n, 784]`). */
export function imagesTensor(ds: ImageDataset, indices?: ArrayLike<number>): tf.Tensor2D {
  const n = indices === undefined ? ds.count : indices.length;
  return tf.tensor2d(gatherImages(ds, indices), [n, ds.rows * ds.cols], 'float32');
}

/** The labels at `indices` (all when omitted) as an int32 tensor `[n]`. */
export function labelsTensor(ds: ImageDataset, indices?: ArrayLike<number>): tf.Tensor1D {
  const n = indices === undefined ? ds.count : indices.length;
  const out = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices === undefined ? k : indices[k];
    checkIndex(ds, i, 'labelsTensor');
    out[k] = ds.labels[i];
  }
  return tf.tensor1d(out, 'int32');
}

/** A copy of image `i`'s pixels (`rows*cols` floats in [0, 1], row-major). */
export function imageAt(ds: ImageDataset, i: number): Float32Array {
  checkIndex(ds, i, 'imageAt');
  const size = ds.rows * ds.cols;
  return ds.images.slice(i * size, (i + 1) * size);
}
