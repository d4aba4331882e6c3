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
import type { NamedAttrMap } from '@tensorflow/tfjs';
import { WASM } from './wasm-heap';
import { GradientStandIn } from './stand-in';

function sumGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap): Record<string, () => tf.Tensor> {
  const g = Array.isArray(dy) ? dy[0] : dy;
  const [x] = saved;
  if (g.size === 1 && g.dtype === 'float32' && x.dtype === 'float32' && tf.getBackend() === WASM) {
    // Reading one float of wasm memory is synchronous and cheap.
    const value = (g.dataSync() as Float32Array)[0];
    return { x: () => tf.fill(x.shape, value, 'float32') };
  }
  return standIn.original.gradFunc(dy, saved, attrs) as Record<string, () => tf.Tensor>;
}

/** vaelab's gradient in the place of tfjs-core's `Sum` gradient. */
const standIn = new GradientStandIn('Sum', sumGrad);

/** Installs (`on`) or removes the full-`Sum` gradient above (tfjs's own is put back). Idempotent. */
export function setFastSumGrad(on: boolean): void {
  standIn.set(on);
}

/** Whether vaelab's full-`Sum` gradient is installed. */
export function fastSumGradInstalled(): boolean {
  return standIn.installed;
}
