/**
 * Training a VAE with your own functions (options `reparameterize` and `vaeLoss` of `train`):
 * the checks of what they return, with errors naming the option, and their fingerprint for the
 * training cache (source text plus values on a fixed probe batch, so that a different function,
 * or the same function calling a different helper, never reuses another's weights).
 */
import { createHash } from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import type { ReparameterizeFn, TrainOptions, VaeLossFn } from './types';

/** The user functions of a training, as the trainee receives them. */
export interface UserVaeFunctions {
  readonly reparameterize?: ReparameterizeFn;
  readonly vaeLoss?: VaeLossFn;
}

function what(v: unknown): string {
  if (v instanceof tf.Tensor) return `a tensor of shape [${v.shape.join(',')}]`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'number' ? `the plain number ${v}` : typeof v === 'object' ? 'an object' : String(v);
}

function allFinite(t: tf.Tensor): boolean {
  return tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);
}

/** Throws unless the options' user functions are functions and the model (kind `kind`) is a VAE. */
export function checkUserVaeOptions(where: string, kind: string, options: Pick<TrainOptions, 'reparameterize' | 'vaeLoss'>): void {
  for (const name of ['reparameterize', 'vaeLoss'] as const) {
    const fn = options[name];
    if (fn === undefined) continue;
    if (typeof fn !== 'function') throw new TypeError(`${where}: option \`${name}\` must be a function, got ${what(fn)}`);
    if (kind !== 'vae' && kind !== 'cvae') {
      throw new TypeError(`${where}: option \`${name}\` is for VAEs; this model is a ${kind} (it has no mu and log-scale to pass it)`);
    }
  }
}

/** z from the user's `reparameterize`, checked: a tensor of mu's shape (and, when `checkValues`, finite). */
export function userSample(fn: ReparameterizeFn, mu: tf.Tensor2D, logScale: tf.Tensor2D, eps: tf.Tensor2D, checkValues: boolean): tf.Tensor2D {
  const z: unknown = fn(mu, logScale, eps);
  const want = `[${mu.shape.join(',')}] ([n, latentDim], the shape of mu, logScale and eps)`;
  if (!(z instanceof tf.Tensor)) {
    throw new TypeError(
      `train: your \`reparameterize\` option returned ${what(z)}; it must return the sample z as a tf.Tensor2D ${want}, computed with tf ops`,
    );
  }
  if (z.rank !== 2 || z.shape[0] !== mu.shape[0] || z.shape[1] !== mu.shape[1]) {
    throw new RangeError(`train: your \`reparameterize\` option returned a tensor of shape [${z.shape.join(',')}]; expected ${want}`);
  }
  if (checkValues && !allFinite(z)) {
    throw new RangeError(
      `train: your \`reparameterize\` option returned NaN or infinite values for finite mu, logScale and eps (first batch); z = mu + eps * (the standard deviation) must be finite`,
    );
  }
  return z as tf.Tensor2D;
}

/** The batch loss from the user's `vaeLoss`, checked: a rank-0 tensor (and, when `checkValues`, finite). */
export function userLoss(
  fn: VaeLossFn,
  target: tf.Tensor2D,
  pred: tf.Tensor2D,
  mu: tf.Tensor2D,
  logScale: tf.Tensor2D,
  beta: number,
  checkValues: boolean,
): tf.Scalar {
  const v: unknown = fn(target, pred, mu, logScale, beta);
  if (!(v instanceof tf.Tensor)) {
    throw new TypeError(
      `train: your \`vaeLoss\` option returned ${what(v)}; it must return a scalar tf.Tensor (rank 0) computed with tf ops, so that gradients reach the weights`,
    );
  }
  if (v.rank !== 0) {
    throw new RangeError(
      `train: your \`vaeLoss\` option returned a tensor of shape [${v.shape.join(',')}]; it must return a scalar (rank 0): one number for the batch, e.g. the mean over the images of each image's loss`,
    );
  }
  if (checkValues && !allFinite(v)) {
    throw new RangeError(`train: your \`vaeLoss\` option returned ${v.dataSync()[0]} on the first batch; the loss must be a finite number`);
  }
  return v as tf.Scalar;
}

/** A hash of the user functions for the cache key: source text, and values on a seeded probe batch. */
export function userVaeFingerprint(options: Pick<TrainOptions, 'reparameterize' | 'vaeLoss' | 'beta'>, latentDim: number, pixels: number): unknown {
  const { reparameterize, vaeLoss } = options;
  if (!reparameterize && !vaeLoss) return undefined;
  const hash = (t: tf.Tensor): string =>
    createHash('sha256')
      .update(`${t.shape.join('x')}:`)
      .update(Buffer.from(t.dataSync().buffer))
      .digest('hex');
  const n = 3;
  const rng = new Rng('vaelab/user-vae-probe');
  const t2 = (cols: number, scale: number, offset: number): tf.Tensor2D =>
    tf.tensor2d(
      Float32Array.from({ length: n * cols }, () => offset + scale * rng.normal()),
      [n, cols],
    );
  return tf.tidy(() => {
    const mu = t2(latentDim, 1, 0);
    const logScale = t2(latentDim, 0.3, -0.5);
    const eps = t2(latentDim, 1, 0);
    const target = tf.tensor2d(
      Float32Array.from({ length: n * pixels }, () => rng.uniform()),
      [n, pixels],
    );
    const pred = tf.tensor2d(
      Float32Array.from({ length: n * pixels }, () => 0.05 + 0.9 * rng.uniform()),
      [n, pixels],
    );
    const probe = (f: () => unknown): string => {
      try {
        const v = f();
        return v instanceof tf.Tensor ? hash(v) : `returned ${what(v)}`;
      } catch (e) {
        return `threw ${(e as Error).message}`;
      }
    };
    const out: Record<string, string> = {};
    if (reparameterize) {
      out.reparameterizeSource = reparameterize.toString();
      out.reparameterizeProbe = probe(() => reparameterize(mu, logScale, eps));
    }
    if (vaeLoss) {
      out.vaeLossSource = vaeLoss.toString();
      const beta = options.beta ?? 1;
      out.vaeLossProbe = [beta, 0.5].map((b) => probe(() => vaeLoss(target, pred, mu, logScale, b))).join('/');
    }
    return out;
  });
}
