/**
 * Model I/O: small adapters between the {@link AutoencoderModel} contract and the analysis and metrics helpers:
 * batched encode/decode on flat typed arrays, the encoder's (mu, log-scale) outputs of a VAE,
 * and the labels a conditional model needs.
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from './types';
import { modelPixelCount, networkInputs } from './forward';

/** Throws a TypeError unless `model` looks like an {@link AutoencoderModel}. */
export function checkModel(where: string, model: AutoencoderModel): void {
  if (
    model == null ||
    typeof model.encodeMean !== 'function' ||
    typeof model.decode !== 'function' ||
    !Number.isInteger(model.latentDim) ||
    !Array.isArray(model.imageShape)
  ) {
    throw new TypeError(`${where}: expected an AutoencoderModel (encodeMean, decode, latentDim, imageShape)`);
  }
}

/** Throws unless a VAE (or conditional VAE): the helper needs the encoder's spread. */
export function checkVariational(where: string, model: AutoencoderModel): void {
  checkModel(where, model);
  if (model.kind !== 'vae' && model.kind !== 'cvae') {
    throw new TypeError(`${where}: needs a variational model (kind 'vae' or 'cvae'), got kind '${model.kind}'`);
  }
}

/**
 * Labels for a conditional model: required (and checked against numClasses) when
 * `model.kind === 'cvae'`, ignored otherwise. Returns undefined for unconditional models.
 */
export function conditionalLabels(
  where: string,
  model: AutoencoderModel,
  labels: ArrayLike<number> | undefined,
  count: number,
): Int32Array | undefined {
  if (model.kind !== 'cvae') return undefined;
  if (labels === undefined) {
    throw new TypeError(`${where}: model '${model.name}' is conditional: pass labels (one class per image)`);
  }
  if (labels.length !== count) {
    throw new RangeError(`${where}: got ${labels.length} labels for ${count} images, expected one label per image`);
  }
  const k = model.numClasses ?? Infinity;
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0 || v >= k) {
      throw new RangeError(`${where}: labels[${i}] = ${v} is not a class in [0, ${k})`);
    }
    out[i] = v;
  }
  return out;
}

/** A label tensor for rows [start, end) of `labels`, or undefined. */
export function labelSlice(labels: Int32Array | undefined, start: number, end: number): tf.Tensor1D | undefined {
  return labels ? tf.tensor1d(labels.subarray(start, end), 'int32') : undefined;
}

/**
 * The encoder's mean and log-scale for a batch (VAE only): `[mu, logScale]`, both `[n, latentDim]`.
 * The log-scale is a log-variance or a log-std as `model.parameterization` says.
 */
export function encoderMoments(model: AutoencoderModel, x: tf.Tensor2D, labels?: tf.Tensor1D): [tf.Tensor2D, tf.Tensor2D] {
  // One forward pass over the whole batch (`apply` in tidy): `predict` would cut it into batches of
  // 32 and concatenate them, the same numbers at more cost.
  const out = tf.tidy(() => {
    const result = model.encoder.apply(networkInputs(model.encoder, x, labels), { training: false }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(result) ? result.slice(0, 2) : [result];
  });
  if (out.length < 2) {
    tf.dispose(out);
    throw new Error(`model '${model.name}': a VAE encoder must output [mu, logScale], got a single tensor`);
  }
  return [out[0] as tf.Tensor2D, out[1] as tf.Tensor2D];
}

/** log sigma of q(z|x) from the encoder's second output. */
export function logStdOf(model: AutoencoderModel, logScale: tf.Tensor2D): tf.Tensor2D {
  return (model.parameterization === 'logStd' ? logScale.clone() : logScale.mul(0.5)) as tf.Tensor2D;
}

/** Images per forward pass of the batched encode / decode / reconstruct helpers unless the caller says otherwise. */
export const ANALYSIS_BATCH_SIZE = 500;

/**
 * Decodes flat codes `[count * latentDim]` in batches; returns flat images `[count * pixels]`.
 * `labels` (conditional models) are one class per code.
 */
export function decodeFlat(
  model: AutoencoderModel,
  z: Float32Array,
  count: number,
  labels?: Int32Array,
  batchSize = ANALYSIS_BATCH_SIZE,
): Float32Array {
  const d = model.latentDim;
  const p = modelPixelCount(model);
  const out = new Float32Array(count * p);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const zt = tf.tensor2d(z.subarray(start * d, end * d), [end - start, d]);
    const lt = labelSlice(labels, start, end);
    const img = model.decode(zt, lt);
    if (img.shape[0] !== end - start || img.shape[1] !== p) {
      const shape = img.shape.join(',');
      tf.dispose([zt, lt, img]);
      throw new Error(`model '${model.name}': decode returned shape [${shape}], expected [${end - start}, ${p}]`);
    }
    out.set(img.dataSync() as Float32Array, start * p);
    tf.dispose([zt, lt, img]);
  }
  return out;
}
