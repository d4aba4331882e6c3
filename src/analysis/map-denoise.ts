/**
 * MAP denoising in latent space (5LSL0, eq. .4): for each noisy image find
 *   z* = argmin_z ||x_noisy - g(z)||^2 + beta ||z||^2
 * with Adam on z (the decoder g stays fixed), and return g(z*). The squared error is summed over
 * pixels and the prior term over latent dimensions, per image. The loss is a sum over images and
 * Adam acts element by element, so optimising a batch of images together is exactly the same as
 * optimising each image on its own: batching only buys speed.
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from '../models/types';
import { checkInt, checkNumber, flatImages, type ImagesInput } from './validate';
import { conditionalLabels, labelSlice } from './model-io';

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
  /** Adam's beta1, beta2, epsilon (defaults 0.9, 0.999, 1e-8). */
  readonly adam?: { readonly beta1?: number; readonly beta2?: number; readonly epsilon?: number };
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

function isModel(x: DecoderLike): x is AutoencoderModel {
  return typeof x === 'object' && x !== null && 'decoder' in x && 'encodeMean' in x;
}

/** MAP estimate of clean images from noisy ones through a fixed decoder (see the module comment). */
export function mapDenoise(decoder: DecoderLike, noisyImages: ImagesInput, options: MapDenoiseOptions = {}): MapDenoiseResult {
  const where = 'mapDenoise';
  const { beta = 1, iterations = 300, learningRate = 0.05, init = 'zero', batchSize = 1000 } = options;
  checkNumber(where, 'beta', beta, 'nonNegative');
  checkInt(where, 'iterations', iterations);
  checkNumber(where, 'learningRate', learningRate, 'positive');
  checkInt(where, 'batchSize', batchSize);
  if (init !== 'zero' && init !== 'encoderMean') throw new RangeError(`${where}: init must be 'zero' or 'encoderMean', got '${String(init)}'`);
  const b1 = options.adam?.beta1 ?? 0.9;
  const b2 = options.adam?.beta2 ?? 0.999;
  const eps = options.adam?.epsilon ?? 1e-8;

  let g: (z: tf.Tensor2D, labels?: tf.Tensor1D) => tf.Tensor2D;
  let d: number;
  let pixels: number;
  const model = isModel(decoder) ? decoder : undefined;
  if (model) {
    g = (z, labels) => model.decoder.apply(labels ? [z, labels] : z, { training: false }) as tf.Tensor2D;
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
    let z: tf.Tensor2D = model && init === 'encoderMean' ? model.encodeMean(x, lt) : tf.zeros([n, d]);
    let m: tf.Tensor2D = tf.zeros([n, d]);
    let v: tf.Tensor2D = tf.zeros([n, d]);
    const valueAndGrad = tf.valueAndGrad((zz: tf.Tensor2D) => perImage(zz).sum() as tf.Scalar);
    for (let it = 0; it < iterations; it++) {
      const t = it + 1;
      const [zNext, mNext, vNext, value] = tf.tidy(() => {
        const { value: loss, grad } = valueAndGrad(z);
        const m1 = m.mul(b1).add(grad.mul(1 - b1)) as tf.Tensor2D;
        const v1 = v.mul(b2).add(grad.square().mul(1 - b2)) as tf.Tensor2D;
        const stepSize = (learningRate * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
        // Same as z -= lr * mHat / (sqrt(vHat) + eps) with the bias-corrected mHat, vHat.
        const z1 = z.sub(m1.mul(stepSize).div(v1.sqrt().add(eps * Math.sqrt(1 - b2 ** t)))) as tf.Tensor2D;
        return [z1, m1, v1, loss];
      });
      lossHistory[it] += (value.dataSync()[0] as number) / count;
      tf.dispose([z, m, v, value]);
      z = zNext;
      m = mNext;
      v = vNext;
    }
    const [img, fin] = tf.tidy(() => [g(z, lt), perImage(z)]);
    estimates.set(img.dataSync() as Float32Array, start * pixels);
    finalLossPerImage.set(fin.dataSync() as Float32Array, start);
    zOut.set(z.dataSync() as Float32Array, start * d);
    tf.dispose([x, lt, z, m, v, img, fin]);
  }
  let finalLoss = 0;
  for (let i = 0; i < count; i++) finalLoss += finalLossPerImage[i] / count;
  return { estimates, z: zOut, lossHistory, finalLoss, finalLossPerImage };
}
