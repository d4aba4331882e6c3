/**
 * TensorFlow.js's cpu backend prints, on its first tensor in Node, "Hi, looks like you are running
 * TensorFlow.js in Node.js. To speed things up dramatically, install our node backend...". In
 * vaelab that is expected (tfjs-node cannot install offline; `initBackend` says once, in one line,
 * which backend runs and how to get the native one), so the hint is switched off.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * Switches off the cpu backend's tfjs-node hint (and nothing else: other warnings still print).
 * Creates the cpu backend if it does not exist yet (cheap); safe to call any number of times.
 */
export function quietTfjsNodeHint(): void {
  try {
    const cpu = tf.findBackend('cpu') as unknown as { firstUse?: unknown } | null;
    if (cpu !== null && typeof cpu.firstUse === 'boolean') cpu.firstUse = false;
  } catch {
    // No cpu backend in this build of TensorFlow.js: there is no hint to silence.
  }
}
