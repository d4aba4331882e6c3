/** Encoding whole datasets into latent codes, and the bounds of those codes. */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from '../models/types';
import type { Rng } from '../rng';
import { checkCodesObject, checkInt, checkNumber, codeCount, flatImages, isImageDataset, type ImagesInput } from '../util/validate';
import { ANALYSIS_BATCH_SIZE, checkModel, conditionalLabels, encoderMoments, labelSlice, logStdOf } from '../models/model-io';
import { modelPixelCount } from '../models/forward';

/** Latent codes of a set of images: `codes[i * dims + j]` is dimension j of image i. */
export interface LatentCodes {
  /** Flat codes, image after image. */
  readonly codes: Float32Array;
  /** Number of images encoded. */
  readonly count: number;
  /** Latent dimensions per image. */
  readonly dims: number;
  /** The images' labels when known (taken from a dataset or from the `labels` option). */
  readonly labels?: Uint8Array | Int32Array;
}

/** Options of {@link encodeDataset}. */
export interface EncodeOptions {
  /** Images per forward pass (default 500). */
  readonly batchSize?: number;
  /** `mean` (default): z of an AE / mu of a VAE; `sample`: z = mu + sigma * eps (VAE only, needs `rng`). */
  readonly mode?: 'mean' | 'sample';
  /** Source of eps for `mode: 'sample'`. */
  readonly rng?: Rng;
  /** One class per image: required by conditional models unless a dataset (with labels) is given. */
  readonly labels?: Uint8Array | Int32Array | readonly number[];
}

/**
 * Encodes every image in batches and returns flat latent codes `[count * latentDim]`.
 * With a dataset, its labels come along in the result (for scatter plots and 1-NN).
 */
export function encodeDataset(model: AutoencoderModel, input: ImagesInput, options: EncodeOptions = {}): LatentCodes {
  const where = 'encodeDataset';
  checkModel(where, model);
  const { batchSize = ANALYSIS_BATCH_SIZE, mode = 'mean', rng } = options;
  checkInt(where, 'batchSize', batchSize);
  if (mode !== 'mean' && mode !== 'sample') throw new RangeError(`${where}: mode must be 'mean' or 'sample', got '${String(mode)}'`);
  if (mode === 'sample') {
    if (model.kind === 'ae') throw new TypeError(`${where}: mode 'sample' needs a VAE; model '${model.name}' is a deterministic AE`);
    if (!rng) throw new TypeError(`${where}: mode 'sample' needs an rng (the one random source) for eps`);
  }
  const { data, count, pixels } = flatImages(where, input, modelPixelCount(model));
  const given = options.labels ?? (isImageDataset(input) ? input.labels : undefined);
  if (given !== undefined && given.length !== count) {
    throw new RangeError(`${where}: got ${given.length} labels for ${count} images, expected one per image`);
  }
  const labels = conditionalLabels(where, model, given, count);
  const d = model.latentDim;
  const codes = new Float32Array(count * d);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const n = end - start;
    const x = tf.tensor2d(data.subarray(start * pixels, end * pixels), [n, pixels]);
    const lt = labelSlice(labels, start, end);
    let z: tf.Tensor;
    if (mode === 'mean') {
      z = model.encodeMean(x, lt);
    } else {
      const [mu, logScale] = encoderMoments(model, x, lt);
      const eps = tf.tensor2d((rng as Rng).normalArray(n * d), [n, d]);
      z = tf.tidy(() => mu.add(tf.exp(logStdOf(model, logScale)).mul(eps)));
      tf.dispose([mu, logScale, eps]);
    }
    if (z.shape[0] !== n || z.shape[1] !== d) {
      const shape = z.shape.join(',');
      tf.dispose([x, lt, z]);
      throw new Error(`${where}: model '${model.name}' gave codes of shape [${shape}], expected [${n}, ${d}]`);
    }
    codes.set(z.dataSync() as Float32Array, start * d);
    tf.dispose([x, lt, z]);
  }
  const outLabels = given === undefined ? undefined : given instanceof Uint8Array || given instanceof Int32Array ? given : Int32Array.from(given);
  return { codes, count, dims: d, labels: outLabels };
}

/** Per-dimension range of latent codes. */
export interface LatentBounds {
  /** Lowest value per dimension. */
  readonly min: number[];
  /** Highest value per dimension. */
  readonly max: number[];
}

/** Options of {@link latentBounds}. */
export interface LatentBoundsOptions {
  /**
   * Clip to the [p, 100 - p] percentiles instead of the full range, so a few outliers do not
   * stretch a decoder grid (e.g. 1 gives the 1st to 99th percentile). Default 0 (full range).
   */
  readonly percentile?: number;
}

/** Minimum and maximum of each latent dimension, optionally clipped to percentiles. */
export function latentBounds(codes: Pick<LatentCodes, 'codes' | 'dims'>, options: LatentBoundsOptions = {}): LatentBounds {
  const where = 'latentBounds';
  checkCodesObject(where, 'codes', codes);
  const { percentile = 0 } = options;
  checkNumber(where, 'percentile', percentile, 'nonNegative');
  if (percentile >= 50) throw new RangeError(`${where}: percentile must be in [0, 50), got ${percentile}`);
  const n = codeCount(where, codes.codes, codes.dims);
  const min: number[] = [];
  const max: number[] = [];
  const column = new Float32Array(n);
  for (let j = 0; j < codes.dims; j++) {
    for (let i = 0; i < n; i++) column[i] = codes.codes[i * codes.dims + j];
    column.sort();
    min.push(quantileSorted(column, percentile / 100));
    max.push(quantileSorted(column, 1 - percentile / 100));
  }
  return { min, max };
}

/** Linear-interpolated quantile q in [0, 1] of an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
