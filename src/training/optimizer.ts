/**
 * The one place vaelab creates optimizers, so a faster implementation can replace this body
 * without touching the training engine.
 *
 * Contract for replacements: return a `tf.Optimizer` whose `computeGradients` / `applyGradients`
 * work as in tfjs, and update variables with `Variable.assign` (never write into a variable's
 * buffer in place): the training engine keeps cheap snapshots (`tf.clone`) that share buffers
 * with the variables to restore the last good or the best weights.
 */
import * as tf from '@tensorflow/tfjs';

/** Adam (beta1 0.9, beta2 0.999, epsilon 1e-7, as Keras) with the given learning rate. RangeError unless > 0. */
export function createAdam(learningRate: number): tf.Optimizer {
  if (!Number.isFinite(learningRate) || learningRate <= 0) {
    throw new RangeError(`createAdam: learningRate must be a finite number > 0, got ${learningRate}`);
  }
  // Stock tfjs Adam: a fused single-pass update in JavaScript measured slower on wasm (docs/performance.md).
  return tf.train.adam(learningRate, 0.9, 0.999, 1e-7);
}
