/**
 * Reconstruction losses between target images and a model's output.
 * Both take `[n, ...]` tensors of the same shape and return a scalar.
 */
import * as tf from '@tensorflow/tfjs';
import { assertSameShape, assertRankAtLeast } from '../util/tensor-checks';
import { bernoulliLogLikelihood } from '../backend';

/** Probabilities are clipped into [BCE_EPSILON, 1 - BCE_EPSILON] before the logarithm. */
export const BCE_EPSILON = 1e-7;

/**
 * Binary cross-entropy summed over the pixels of each image and averaged over the batch
 * (the `reduction='sum'` of the PyTorch VAE divided by the batch size, as in the Keras VAE):
 * `mean_n sum_i -[t log p + (1 - t) log(1 - p)]`. `pred` is clipped to [eps, 1 - eps] so that
 * saturated sigmoid outputs never give `log(0)`.
 */
export function bceLoss(target: tf.Tensor, pred: tf.Tensor): tf.Scalar {
  assertSameShape('bceLoss', target, pred, 'target', 'pred');
  assertRankAtLeast('bceLoss', target, 2, 'target');
  return tf.tidy(() => {
    const t = target.toFloat();
    // t log p + (1 - t) log(1 - p), p clipped: one kernel on wasm, tfjs's composed ops elsewhere.
    const perPixel = bernoulliLogLikelihood(t, pred, { kind: 'clip', epsilon: BCE_EPSILON }).neg();
    const axes = range(1, perPixel.rank);
    return tf.mean(tf.sum(perPixel, axes)) as tf.Scalar;
  });
}

/** Mean squared error averaged over every element (pixels and batch), as Keras/PyTorch `MSELoss()`. */
export function mseLoss(target: tf.Tensor, pred: tf.Tensor): tf.Scalar {
  assertSameShape('mseLoss', target, pred, 'target', 'pred');
  return tf.tidy(() => tf.mean(tf.squaredDifference(target.toFloat(), pred)) as tf.Scalar);
}

/**
 * Squared error summed over the pixels of each image and averaged over the batch: the
 * Gaussian-likelihood reconstruction term of a VAE (up to constants), on the same per-image
 * scale as the KL term, unlike {@link mseLoss}.
 */
export function sseLoss(target: tf.Tensor, pred: tf.Tensor): tf.Scalar {
  assertSameShape('sseLoss', target, pred, 'target', 'pred');
  assertRankAtLeast('sseLoss', target, 2, 'target');
  return tf.tidy(() => {
    const sq = tf.squaredDifference(target.toFloat(), pred);
    return tf.mean(tf.sum(sq, range(1, sq.rank))) as tf.Scalar;
  });
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
