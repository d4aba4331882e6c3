/** Loss and metric of the encoder-turned-classifier (5LSL0 Exercise 4). */
import * as tf from '@tensorflow/tfjs';
import { assertRank } from '../util/tensor-checks';

/** Probabilities are clipped to at least this before the logarithm. */
export const CE_EPSILON = 1e-7;

function checkLabelsProbs(fn: string, labels: tf.Tensor, probs: tf.Tensor): void {
  assertRank(fn, labels, 1, 'labels', 'int32 [n]');
  assertRank(fn, probs, 2, 'probs', '[n, numClasses]');
  if (labels.shape[0] !== probs.shape[0]) {
    throw new RangeError(`${fn}: labels has ${labels.shape[0]} entries but probs has ${probs.shape[0]} rows`);
  }
}

/**
 * Categorical cross-entropy of softmax outputs: `mean_n -log probs[n, labels[n]]`.
 * `labels` are class indices `[n]` (int32), `probs` are `[n, numClasses]` rows summing to 1.
 */
export function crossEntropyLoss(labels: tf.Tensor1D, probs: tf.Tensor2D): tf.Scalar {
  checkLabelsProbs('crossEntropyLoss', labels, probs);
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels.toInt(), probs.shape[1]);
    const logP = tf.log(tf.clipByValue(probs, CE_EPSILON, 1));
    return tf.mean(tf.neg(tf.sum(tf.mul(oneHot, logP), 1))) as tf.Scalar;
  });
}

/** Fraction of rows whose most probable class equals the label, as a scalar in [0, 1]. */
export function accuracy(labels: tf.Tensor1D, probs: tf.Tensor2D): tf.Scalar {
  checkLabelsProbs('accuracy', labels, probs);
  return tf.tidy(() => tf.mean(tf.equal(tf.argMax(probs, 1), labels.toInt()).toFloat()) as tf.Scalar);
}
