/**
 * Input checks shared by the analysis and metrics helpers: every public helper turns
 * its inputs into flat typed arrays here and fails early with a message that says
 * what was wrong and what was expected.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../types';

/** Images given as a flat Float32Array (image after image), a dataset, or a `[n, pixels]` tensor. */
export type ImagesInput = Float32Array | ImageDataset | tf.Tensor2D;

/** A flat batch of images with its size. */
export interface FlatImages {
  /** Pixels, image after image (a view on the caller's data when it was a Float32Array). */
  readonly data: Float32Array;
  /** Number of images. */
  readonly count: number;
  /** Pixels per image. */
  readonly pixels: number;
}

/** True when `x` looks like an {@link ImageDataset}. */
export function isImageDataset(x: unknown): x is ImageDataset {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as ImageDataset).images instanceof Float32Array &&
    typeof (x as ImageDataset).count === 'number' &&
    typeof (x as ImageDataset).rows === 'number'
  );
}

/** Throws a RangeError unless `v` is an integer >= `min`. */
export function checkInt(where: string, name: string, v: number, min = 1): void {
  if (!Number.isInteger(v) || v < min) {
    throw new RangeError(`${where}: ${name} must be an integer >= ${min}, got ${v}`);
  }
}

/** Throws a RangeError unless `v` is a finite number (optionally > 0 or >= 0). */
export function checkNumber(where: string, name: string, v: number, sign: 'any' | 'positive' | 'nonNegative' = 'any'): void {
  const ok = typeof v === 'number' && Number.isFinite(v) && (sign === 'any' || (sign === 'positive' ? v > 0 : v >= 0));
  if (!ok) {
    const what = sign === 'any' ? 'a finite number' : sign === 'positive' ? 'a finite number > 0' : 'a finite number >= 0';
    throw new RangeError(`${where}: ${name} must be ${what}, got ${v}`);
  }
}

/**
 * Turns images into a flat Float32Array with count and pixels per image.
 * `pixels` is the expected size of one image (e.g. 784); a dataset must match it.
 */
export function flatImages(where: string, input: ImagesInput, pixels: number, name = 'images'): FlatImages {
  let data: Float32Array;
  if (input instanceof Float32Array) {
    data = input;
  } else if (isImageDataset(input)) {
    const p = input.rows * input.cols;
    if (p !== pixels) {
      throw new RangeError(`${where}: ${name} are ${input.rows}x${input.cols} (${p} pixels), expected ${pixels} pixels per image`);
    }
    data = input.images;
    if (data.length !== input.count * p) {
      throw new RangeError(`${where}: ${name}.images has ${data.length} values, expected count*rows*cols = ${input.count * p}`);
    }
  } else if (input instanceof tf.Tensor) {
    if (input.rank !== 2 || input.shape[1] !== pixels) {
      throw new RangeError(`${where}: ${name} tensor has shape [${input.shape}], expected [n, ${pixels}]`);
    }
    data = input.dataSync() as Float32Array;
    if (!(data instanceof Float32Array)) data = Float32Array.from(data);
  } else {
    throw new TypeError(`${where}: ${name} must be a Float32Array, an ImageDataset or a [n, ${pixels}] tensor`);
  }
  if (data.length === 0 || data.length % pixels !== 0) {
    throw new RangeError(`${where}: ${name} has ${data.length} values, expected a positive multiple of ${pixels} (pixels per image)`);
  }
  return { data, count: data.length / pixels, pixels };
}

/** Throws a RangeError unless every value of `data` lies in [lo, hi] (NaN fails too). */
export function checkRange(where: string, name: string, data: ArrayLike<number>, lo: number, hi: number): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!(v >= lo && v <= hi)) {
      throw new RangeError(`${where}: ${name}[${i}] = ${v} is outside the expected range [${lo}, ${hi}]`);
    }
  }
}

/** Throws a RangeError unless every value of `data` is finite. */
export function checkFinite(where: string, name: string, data: ArrayLike<number>): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new RangeError(`${where}: ${name}[${i}] = ${data[i]} is not a finite number`);
  }
}

/** Checks that a label array has `count` non-negative integers and returns it as Int32Array. */
export function intLabels(where: string, labels: ArrayLike<number>, count: number, name = 'labels'): Int32Array {
  if (labels == null || typeof labels.length !== 'number') {
    throw new TypeError(`${where}: ${name} must be an array of integers`);
  }
  if (labels.length !== count) {
    throw new RangeError(`${where}: ${name} has ${labels.length} entries, expected ${count} (one per item)`);
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`${where}: ${name}[${i}] = ${v} is not a non-negative integer class label`);
    }
    out[i] = v;
  }
  return out;
}

/** Throws a TypeError unless `x` is an object with `codes` and `dims` (latent codes from encodeDataset / pcaProject). */
export function checkCodesObject(where: string, name: string, x: unknown): void {
  if (typeof x !== 'object' || x === null || !('codes' in x) || !('dims' in x)) {
    throw new TypeError(
      `${where}: ${name} must be an object { codes, dims, labels? } (e.g. from encodeDataset or pcaProject), got ${x === null ? 'null' : typeof x}`,
    );
  }
}

/** Checks that a flat code array holds `count * dims` finite values; returns `count`. */
export function codeCount(where: string, codes: ArrayLike<number>, dims: number, name = 'codes'): number {
  checkInt(where, `${name} dims`, dims);
  if (codes == null || typeof codes.length !== 'number') throw new TypeError(`${where}: ${name} must be a typed array`);
  if (codes.length === 0 || codes.length % dims !== 0) {
    throw new RangeError(`${where}: ${name} has ${codes.length} values, expected a positive multiple of dims = ${dims}`);
  }
  checkFinite(where, name, codes);
  return codes.length / dims;
}
