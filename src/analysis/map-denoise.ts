/**
 * MAP denoising in latent space (5LSL0, eq. .4): for each noisy image find
 *   z* = argmin_z ||x_noisy - g(z)||^2 + beta ||z||^2
 * with Adam on z (the project's `createAdam`; the decoder g stays fixed), and return g(z*). The squared error is summed over
 * pixels and the prior term over latent dimensions, per image. The loss is a sum over images and
 * Adam acts element by element, so optimising a batch of images together is exactly the same as
 * optimising each image on its own: batching only buys speed. To keep that true to the last bit,
 * the codes are held in rows padded to a multiple of 4 numbers (the padding stays 0: its gradient is
 * 0): the fused Adam update does whole groups of four in float32 SIMD and any leftover numbers of a
 * variable in double-precision JavaScript, so without the padding the last image of a batch could be
 * stepped with other rounding than the same image in another batch.
 *
 * Starting at z = 0 needs a decoder with a non-zero gradient there: an untrained ReLU decoder
 * with zero biases has none (trained ones do); `init: 'encoderMean'` avoids the question.
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from '../models/types';
import { checkInt, checkNumber, flatImages, type ImagesInput } from '../util/validate';
import { conditionalLabels, labelSlice } from '../models/model-io';
import { networkInputs } from '../models/forward';
import { createAdam } from '../training/optimizer';

/** A decoder g: an AutoencoderModel, its decoder LayersModel, or a differentiable function of z `[n, d]`. */
export type DecoderLike = AutoencoderModel | tf.LayersModel | ((z: tf.Tensor2D) => tf.Tensor2D);

/** Options of {@link mapDenoise}. */
export interface MapDenoiseOptions {
  /** Weight of the prior term beta ||z||^2 (default 1). */
  readonly beta?: number;
  /** Adam steps (default 300). */
  readonly iterations?: number;
  /** Adam step size (default 0.05). */
  readonly learningRate?: number;
  /** Start from z = 0 (default) or from the encoder's code of the noisy image (needs an AutoencoderModel). */
  readonly init?: 'zero' | 'encoderMean';
  /** Images optimised together (default 1000). */
  readonly batchSize?: number;
  /** Latent size when `decoder` is a plain function (otherwise read from the model). */
  readonly latentDim?: number;
  /** Pixels per image (default: the model's, or 784). */
  readonly pixels?: number;
  /** One class per image for conditional models. */
  readonly labels?: ArrayLike<number>;
}

/** Result of {@link mapDenoise}. */
export interface MapDenoiseResult {
  /** Denoised images g(z*), flat `[count * pixels]`. */
  readonly estimates: Float32Array;
  /** The optimised codes z*, flat `[count * latentDim]`. */
  readonly z: Float32Array;
  /** Mean per-image objective at each iteration (before that iteration's step). */
  readonly lossHistory: Float64Array;
  /** Mean per-image objective at z*. */
  readonly finalLoss: number;
  /** Objective at z* for each image. */
  readonly finalLossPerImage: Float32Array;
}

/** Images optimised together by {@link mapDenoise} unless `batchSize` says otherwise. */
export const MAP_BATCH_SIZE = 1000;

function isModel(x: DecoderLike): x is AutoencoderModel {
  return typeof x === 'object' && x !== null && 'decoder' in x && 'encodeMean' in x;
}

/** MAP estimate of clean images from noisy ones through a fixed decoder (see the module comment). */
export function mapDenoise(decoder: DecoderLike, noisyImages: ImagesInput, options: MapDenoiseOptions = {}): MapDenoiseResult {
  const where = 'mapDenoise';
  const { beta = 1, iterations = 300, learningRate = 0.05, init = 'zero', batchSize = MAP_BATCH_SIZE } = options;
  checkNumber(where, 'beta', beta, 'nonNegative');
  checkInt(where, 'iterations', iterations);
  checkNumber(where, 'learningRate', learningRate, 'positive');
  checkInt(where, 'batchSize', batchSize);
  if (init !== 'zero' && init !== 'encoderMean') throw new RangeError(`${where}: init must be 'zero' or 'encoderMean', got '${String(init)}'`);

  let g: (z: tf.Tensor2D, labels?: tf.Tensor1D) => tf.Tensor2D;
  let d: number;
  let pixels: number;
  const model = isModel(decoder) ? decoder : undefined;
  if (model) {
    g = (z, labels) => model.decoder.apply(networkInputs(model.decoder, z, labels), { training: false }) as tf.Tensor2D;
    d = model.latentDim;
    pixels = model.imageShape[0] * model.imageShape[1];
  } else if (decoder instanceof tf.LayersModel) {
    g = (z) => decoder.apply(z, { training: false }) as tf.Tensor2D;
    const inShape = decoder.inputs[0].shape;
    const outShape = decoder.outputs[0].shape;
    d = options.latentDim ?? (inShape[1] as number);
    pixels = options.pixels ?? (outShape[outShape.length - 1] as number);
  } else if (typeof decoder === 'function') {
    g = (z) => decoder(z);
    if (options.latentDim === undefined) throw new TypeError(`${where}: with a decoder function, pass latentDim`);
    d = options.latentDim;
    pixels = options.pixels ?? 784;
  } else {
    throw new TypeError(`${where}: decoder must be an AutoencoderModel, a tf.LayersModel or a function z -> images`);
  }
  checkInt(where, 'latentDim', d);
  if (init === 'encoderMean' && !model) throw new TypeError(`${where}: init 'encoderMean' needs an AutoencoderModel (with an encoder)`);
  const { data, count } = flatImages(where, noisyImages, pixels, 'noisyImages');
  const labels = model ? conditionalLabels(where, model, options.labels, count) : undefined;

  const dPad = 4 * Math.ceil(d / 4);
  const estimates = new Float32Array(count * pixels);
  const zOut = new Float32Array(count * d);
  const lossHistory = new Float64Array(iterations);
  const finalLossPerImage = new Float32Array(count);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const n = end - start;
    const x = tf.tensor2d(data.subarray(start * pixels, end * pixels), [n, pixels]);
    const lt = labelSlice(labels, start, end);
    const perImage = (z: tf.Tensor2D): tf.Tensor1D => {
      const out = g(z, lt);
      if (out.shape[0] !== n || out.shape[1] !== pixels) {
        throw new Error(`${where}: decoder gave shape [${out.shape}], expected [${n}, ${pixels}]`);
      }
      return x.sub(out).square().sum(1).add(z.square().sum(1).mul(beta)) as tf.Tensor1D;
    };
    // Rows of dPad numbers (see the module comment); the decoder and the prior see the first d.
    const z0: tf.Tensor2D = tf.tidy(() => {
      const start0: tf.Tensor2D = model && init === 'encoderMean' ? model.encodeMean(x, lt) : tf.zeros([n, d]);
      return dPad === d
        ? start0
        : tf.pad(start0, [
            [0, 0],
            [0, dPad - d],
          ]);
    });
    const zPadded = tf.variable(z0, true, `mapDenoise_z_${start}`);
    z0.dispose();
    const codes = (): tf.Tensor2D => (dPad === d ? (zPadded as tf.Tensor2D) : tf.slice(zPadded as tf.Tensor2D, [0, 0], [n, d]));
    const optimizer = createAdam(learningRate);
    for (let it = 0; it < iterations; it++) {
      const value = optimizer.minimize(() => perImage(codes()).sum() as tf.Scalar, true, [zPadded]);
      if (value) {
        lossHistory[it] += (value.dataSync()[0] as number) / count;
        value.dispose();
      }
    }
    optimizer.dispose();
    const [img, fin, z] = tf.tidy(() => {
      const zs = codes();
      return [g(zs, lt), perImage(zs), zs.clone()];
    });
    estimates.set(img.dataSync() as Float32Array, start * pixels);
    finalLossPerImage.set(fin.dataSync() as Float32Array, start);
    zOut.set(z.dataSync() as Float32Array, start * d);
    tf.dispose([x, lt, zPadded, z, img, fin]);
  }
  let finalLoss = 0;
  for (let i = 0; i < count; i++) finalLoss += finalLossPerImage[i] / count;
  return { estimates, z: zOut, lossHistory, finalLoss, finalLossPerImage };
}
