/**
 * Training data as mini-batch tensors (internal): checks the data against the model, gathers
 * the images of a batch, corrupts them with seeded noise for denoising, and draws epsilon.
 */
import * as tf from '@tensorflow/tfjs';
import { checkUnitPixels } from '../data/pixels';
import { applyNoise } from '../noise';
import type { NoiseSpec } from '../noise';
import type { Rng } from '../rng';
import type { ImageDataset } from '../types';
import type { BatchTensors, Trainee } from './trainee';
import type { ImagePairs, TrainingData } from './types';

/** Data in one form: inputs, optional separate targets, optional labels. */
export interface DataSource {
  readonly count: number;
  readonly rows: number;
  readonly cols: number;
  readonly inputs: Float32Array;
  /** Absent: the targets are the (clean) inputs. */
  readonly targets?: Float32Array;
  readonly labels?: Uint8Array;
}

/** True for explicit (input, target) pairs. */
export function isImagePairs(d: TrainingData): d is ImagePairs {
  return (d as Partial<ImagePairs>).inputs instanceof Float32Array && (d as Partial<ImagePairs>).targets instanceof Float32Array;
}

/** Checks `data` against the trainee and returns it as a {@link DataSource}; TypeError/RangeError naming what is wrong. */
export function toDataSource(
  data: TrainingData | undefined,
  trainee: Trainee,
  what: string,
  noise: NoiseSpec | undefined,
  where = 'train',
): DataSource {
  if (data == null || typeof data !== 'object') throw new TypeError(`${where}: ${what} must be an ImageDataset or ImagePairs, got ${String(data)}`);
  const { count, rows, cols } = data;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`${where}: ${what} must hold at least one image, got count ${count}`);
  if (rows * cols !== trainee.pixels) {
    throw new RangeError(`${where}: ${what} has ${rows}x${cols} images but model '${trainee.name}' expects ${trainee.pixels} pixels per image`);
  }
  const size = rows * cols;
  let inputs: Float32Array;
  let targets: Float32Array | undefined;
  if (isImagePairs(data)) {
    if (noise)
      throw new TypeError(`${where}: ${what} are explicit ImagePairs; do not also pass \`noise\` (corrupt the inputs yourself, or pass a dataset)`);
    inputs = data.inputs;
    targets = data.targets;
    if (targets.length !== count * size) {
      throw new RangeError(`${where}: ${what}.targets has ${targets.length} values, expected count*rows*cols = ${count * size}`);
    }
  } else {
    const images = (data as ImageDataset).images;
    if (!(images instanceof Float32Array)) throw new TypeError(`${where}: ${what}.images must be a Float32Array`);
    inputs = images;
  }
  if (inputs.length < count * size) {
    throw new RangeError(`${where}: ${what} has ${inputs.length} pixel values, expected count*rows*cols = ${count * size}`);
  }
  // Once per call (not per step): 0-255 or NaN pixels would otherwise surface, much later, as a
  // diverging loss whose hint is the learning rate.
  const n = count * size;
  checkUnitPixels(where, `${what}.${targets ? 'inputs' : 'images'}`, inputs.length === n ? inputs : inputs.subarray(0, n), size);
  if (targets) checkUnitPixels(where, `${what}.targets`, targets, size);
  const labels = data.labels;
  if (trainee.needsLabels) {
    if (!(labels instanceof Uint8Array) || labels.length < count) {
      throw new TypeError(`${where}: model '${trainee.name}' (${trainee.kind}) needs one label per image in ${what}.labels`);
    }
  }
  return { count, rows, cols, inputs, targets, labels };
}

/** The rows `idx` of a flat `[count, size]` array, as a new array. */
export function gatherRows(src: Float32Array, idx: ArrayLike<number>, size: number): Float32Array {
  const out = new Float32Array(idx.length * size);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    out.set(src.subarray(i * size, (i + 1) * size), k * size);
  }
  return out;
}

/** Random sources of batch making. */
export interface BatchRandomness {
  /** Noise to apply to dataset inputs (denoising), with its generator. */
  readonly noise?: NoiseSpec;
  readonly noiseRng?: Rng;
  /** Generator of the reparameterisation epsilon (VAEs). */
  readonly epsRng?: Rng;
}

/** The tensors of the batch made of images `idx` (the caller disposes them with {@link disposeBatch}). */
export function makeBatch(src: DataSource, idx: ArrayLike<number>, trainee: Trainee, rand: BatchRandomness): BatchTensors {
  const size = src.rows * src.cols;
  const n = idx.length;
  const clean = gatherRows(src.inputs, idx, size);
  let inputPixels = clean;
  let targetPixels: Float32Array | undefined;
  if (src.targets) targetPixels = gatherRows(src.targets, idx, size);
  else if (rand.noise && rand.noiseRng && trainee.kind !== 'classifier') {
    inputPixels = applyNoise(clean, rand.noise, rand.noiseRng, { rows: src.rows, cols: src.cols });
    targetPixels = clean;
  } else if (rand.noise && rand.noiseRng) {
    inputPixels = applyNoise(clean, rand.noise, rand.noiseRng, { rows: src.rows, cols: src.cols });
  }
  const inputs = tf.tensor2d(inputPixels, [n, size], 'float32');
  const targets = targetPixels ? tf.tensor2d(targetPixels, [n, size], 'float32') : undefined;
  let labels: tf.Tensor1D | undefined;
  if (trainee.needsLabels && src.labels) {
    const l = new Int32Array(n);
    for (let k = 0; k < n; k++) l[k] = src.labels[idx[k]];
    labels = tf.tensor1d(l, 'int32');
  }
  let eps: tf.Tensor2D | undefined;
  if ((trainee.kind === 'vae' || trainee.kind === 'cvae') && rand.epsRng) {
    eps = tf.tensor2d(rand.epsRng.normalArray(n * trainee.latentDim), [n, trainee.latentDim], 'float32');
  }
  return { inputs, targets, labels, eps };
}

/** Frees the tensors of a batch. */
export function disposeBatch(b: BatchTensors): void {
  b.inputs.dispose();
  b.targets?.dispose();
  b.labels?.dispose();
  b.eps?.dispose();
}
