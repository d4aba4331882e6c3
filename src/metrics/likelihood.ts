/**
 * How well a VAE explains held-out images, in nats per image: the evidence lower bound (ELBO)
 * and the importance-weighted estimate of log p(x) (Burda, Grosse, Salakhutdinov 2016).
 *
 * The likelihood p(x|z) is Bernoulli with the decoder's output as the mean, evaluated on the
 * [0, 1] grey values (the "continuous Bernoulli" without its normaliser). Published MNIST
 * numbers (e.g. about -85 to -80 nats) are on BINARISED MNIST, so these values compare with
 * them only approximately; binarise the test images first for a closer comparison.
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from '../models/types';
import type { Rng } from '../rng';
import { checkInt, checkRange, flatImages, isImageDataset, type ImagesInput } from '../util/validate';
import { checkVariational, conditionalLabels, encoderMoments, labelSlice, logStdOf } from '../models/model-io';
import { modelPixelCount } from '../models/forward';

const LOG_2PI = Math.log(2 * Math.PI);
const CLIP = 1e-7;
/** Decoder rows per forward pass when drawing many importance samples at once. */
const ROWS_PER_PASS = 4096;

/** Options shared by {@link elbo} and {@link importanceWeightedLogLikelihood}. */
export interface LikelihoodOptions {
  /** Images per forward pass (default 500). */
  readonly batchSize?: number;
  /** One class per image for conditional models (taken from a dataset when given). */
  readonly labels?: ArrayLike<number>;
}

/** The ELBO and its two parts, in nats per image (means over the images). */
export interface ElboResult {
  /** Mean ELBO = reconstruction - kl (a lower bound on log p(x)). */
  readonly elbo: number;
  /** Mean E_q[log p(x|z)] (Bernoulli log-likelihood summed over pixels). */
  readonly reconstruction: number;
  /** Mean KL(q(z|x) || N(0, I)), closed form, summed over latent dimensions. */
  readonly kl: number;
  /** ELBO of each image. */
  readonly perImage: Float64Array;
}

/** One batch of images with the parameters of its approximate posterior q(z|x) = N(mu, exp(logStd)^2). */
interface PosteriorBatch {
  /** Index of the batch's first image. */
  readonly start: number;
  /** Images in the batch. */
  readonly n: number;
  /** The images, [n, pixels]. */
  readonly xt: tf.Tensor2D;
  /** Their labels for conditional models, [n]. */
  readonly lt: tf.Tensor1D | undefined;
  /** Posterior means, [n, latentDim]. */
  readonly mu: tf.Tensor2D;
  /** Posterior log standard deviations, [n, latentDim]. */
  readonly logStd: tf.Tensor2D;
}

/**
 * Checks the arguments, then encodes the images batch by batch and hands each batch with its
 * posterior to `visit`; the batch's tensors are disposed after `visit` returns. Returns the image count.
 */
function forEachPosteriorBatch(
  where: string,
  model: AutoencoderModel,
  data: ImagesInput,
  options: LikelihoodOptions & { readonly rng: Rng },
  visit: (batch: PosteriorBatch) => void,
): number {
  checkVariational(where, model);
  const { batchSize = 500, rng } = options;
  checkInt(where, 'batchSize', batchSize);
  if (!rng || typeof rng.normalArray !== 'function') throw new TypeError(`${where}: pass rng (the one random source) for the z samples`);
  const { data: x, count, pixels } = flatImages(where, data, modelPixelCount(model));
  checkRange(where, 'images', x, 0, 1);
  const given = options.labels ?? (isImageDataset(data) ? data.labels : undefined);
  const labels = conditionalLabels(where, model, given, count);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const n = end - start;
    const xt = tf.tensor2d(x.subarray(start * pixels, end * pixels), [n, pixels]);
    const lt = labelSlice(labels, start, end);
    const [mu, logScale] = encoderMoments(model, xt, lt);
    const logStd = logStdOf(model, logScale);
    try {
      visit({ start, n, xt, lt, mu, logStd });
    } finally {
      tf.dispose([xt, lt, mu, logScale, logStd]);
    }
  }
  return count;
}

/** Bernoulli log-likelihood per image, summed over pixels: [n]. */
function bernoulliLogLik(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor1D {
  const p = y.clipByValue(CLIP, 1 - CLIP);
  return x
    .mul(p.log())
    .add(tf.scalar(1).sub(x).mul(tf.scalar(1).sub(p).log()))
    .sum(1) as tf.Tensor1D;
}

/**
 * Test ELBO of a VAE with `samples` draws of z per image for the reconstruction term
 * (default 1, as in training) and the closed-form KL.
 */
export function testElbo(
  model: AutoencoderModel,
  data: ImagesInput,
  options: LikelihoodOptions & { readonly rng: Rng; readonly samples?: number },
): ElboResult {
  const { rng, samples = 1 } = options;
  checkInt('testElbo', 'samples', samples);
  const d = model.latentDim;
  const perImageParts: Array<{ start: number; values: Float64Array }> = [];
  let recSum = 0;
  let klSum = 0;
  const count = forEachPosteriorBatch('testElbo', model, data, options, ({ start, n, xt, lt, mu, logStd }) => {
    const klT = tf.tidy(() => mu.square().add(logStd.mul(2).exp()).sub(1).sub(logStd.mul(2)).sum(1).mul(0.5));
    const kl = klT.dataSync() as Float32Array;
    klT.dispose();
    const rec = new Float64Array(n);
    for (let s = 0; s < samples; s++) {
      const eps = tf.tensor2d(rng.normalArray(n * d), [n, d]);
      const ll = tf.tidy(() => bernoulliLogLik(xt, model.decode(mu.add(logStd.exp().mul(eps)) as tf.Tensor2D, lt)));
      const v = ll.dataSync();
      for (let i = 0; i < n; i++) rec[i] += v[i] / samples;
      tf.dispose([eps, ll]);
    }
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      values[i] = rec[i] - kl[i];
      recSum += rec[i];
      klSum += kl[i];
    }
    perImageParts.push({ start, values });
  });
  const perImage = new Float64Array(count);
  for (const part of perImageParts) perImage.set(part.values, part.start);
  let e = 0;
  for (let i = 0; i < count; i++) e += perImage[i];
  return { elbo: e / count, reconstruction: recSum / count, kl: klSum / count, perImage };
}

/**
 * Test ELBO of a VAE with `samples` draws of z per image for the reconstruction term (default 1, as
 * in training) and the closed-form KL: the course's name for `testElbo` (same function).
 */
export const elbo = testElbo;

/** An importance-weighted log-likelihood estimate, in nats per image. */
export interface LogLikelihoodResult {
  /** Mean estimate of log p(x) over the images. */
  readonly logLikelihood: number;
  /** Estimate for each image. */
  readonly perImage: Float64Array;
  /** Importance samples per image. */
  readonly k: number;
}

/**
 * log p(x) ~ log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i|x), z_i ~ q(z|x): a lower bound that
 * tightens as k grows (k = 1 is the ELBO with a sampled KL). Default k = 100; published
 * numbers use k = 5000. Bernoulli likelihood on [0, 1] pixels: see the module comment.
 */
export function importanceWeightedLogLikelihood(
  model: AutoencoderModel,
  data: ImagesInput,
  options: LikelihoodOptions & { readonly k?: number; readonly rng: Rng },
): LogLikelihoodResult {
  const { k = 100, rng } = options;
  checkInt('importanceWeightedLogLikelihood', 'k', k);
  const d = model.latentDim;
  const perImageParts: Array<{ start: number; values: Float64Array }> = [];
  const count = forEachPosteriorBatch('importanceWeightedLogLikelihood', model, data, options, ({ start, n, xt, lt, mu, logStd }) => {
    const sumLogStd = tf.tidy(() => logStd.sum(1));
    const logW = new Float64Array(k * n);
    // Several samples per forward pass: rows s * n + i hold sample s of image i.
    const perPass = Math.max(1, Math.min(k, Math.floor(ROWS_PER_PASS / n)));
    for (let s0 = 0; s0 < k; s0 += perPass) {
      const c = Math.min(perPass, k - s0);
      const eps = tf.tensor2d(rng.normalArray(c * n * d), [c * n, d]);
      const lw = tf.tidy(() => {
        const tile = <T extends tf.Tensor>(t: T): T => (c === 1 ? t : (tf.tile(t, [c, 1]) as T));
        const z = tile(mu).add(tile(logStd).exp().mul(eps)) as tf.Tensor2D;
        const lts = lt ? (c === 1 ? lt : (tf.tile(lt, [c]) as tf.Tensor1D)) : undefined;
        const logPxz = bernoulliLogLik(tile(xt), model.decode(z, lts));
        const logPz = z
          .square()
          .sum(1)
          .add(d * LOG_2PI)
          .mul(-0.5);
        const logQz = eps
          .square()
          .sum(1)
          .add(d * LOG_2PI)
          .mul(-0.5)
          .sub(tile(sumLogStd.reshape([n, 1])).reshape([c * n]));
        return logPxz.add(logPz).sub(logQz);
      });
      const v = lw.dataSync();
      for (let r = 0; r < c * n; r++) logW[s0 * n + r] = v[r];
      tf.dispose([eps, lw]);
    }
    sumLogStd.dispose();
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let mx = -Infinity;
      for (let s = 0; s < k; s++) mx = Math.max(mx, logW[s * n + i]);
      let acc = 0;
      for (let s = 0; s < k; s++) acc += Math.exp(logW[s * n + i] - mx);
      values[i] = mx + Math.log(acc / k);
    }
    perImageParts.push({ start, values });
  });
  const perImage = new Float64Array(count);
  for (const part of perImageParts) perImage.set(part.values, part.start);
  let total = 0;
  for (let i = 0; i < count; i++) total += perImage[i];
  return { logLikelihood: total / count, perImage, k };
}
