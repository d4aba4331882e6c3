/**
 * The gradient of a full `Sum` (one output value) on wasm without TensorFlow.js's ones tensor.
 * tfjs-core's `Sum` gradient is `dy * ones(x.shape)`: it fills a JavaScript array of x's size
 * with ones, copies it into the backend, and multiplies by broadcasting (for the dense VAE's
 * cross-entropy sum, 78,400 floats each way, every step). Multiplying by one changes no float
 * (not -0, infinities or subnormals; a NaN stays a NaN), so the gradient is `dy` repeated, which
 * the backend's `Fill` writes directly: the same bits.
 *
 * Only a float32 `Sum` whose output is one value, on wasm; every other case goes to tfjs's own
 * gradient function.
 */
import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap } from '@tensorflow/tfjs';
import { WASM } from './wasm-heap';

/** tfjs-core's own `Sum` gradient, while vaelab's stands in for it. */
let original: GradConfig | undefined;

function sumGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap): Record<string, () => tf.Tensor> {
  const g = Array.isArray(dy) ? dy[0] : dy;
  const [x] = saved;
  if (g.size === 1 && g.dtype === 'float32' && x.dtype === 'float32' && tf.getBackend() === WASM) {
    // Reading one float of wasm memory is synchronous and cheap.
    const value = (g.dataSync() as Float32Array)[0];
    return { x: () => tf.fill(x.shape, value, 'float32') };
  }
  return (original as GradConfig).gradFunc(dy, saved, attrs) as Record<string, () => tf.Tensor>;
}

/** Installs (`on`) or removes the full-`Sum` gradient above (tfjs's own is put back). Idempotent. */
export function setFastSumGrad(on: boolean): void {
  if (on && original === undefined) {
    const own = tf.getGradient('Sum');
    if (own === undefined) return;
    original = own;
    tf.registerGradient({ kernelName: 'Sum', inputsToSave: own.inputsToSave, outputsToSave: own.outputsToSave, gradFunc: sumGrad });
  } else if (!on && original !== undefined) {
    tf.registerGradient(original);
    original = undefined;
  }
}

/** Whether vaelab's full-`Sum` gradient is installed. */
export function fastSumGradInstalled(): boolean {
  return original !== undefined;
}
