/**
 * Test fixtures of the models tests: small MNIST-like images (28x28 in [0, 1], one blurred
 * stroke pattern per class, jittered) drawn from a seeded Rng, so tests need no dataset files.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/rng';

/** `count` synthetic digit-like images `[count * 784]` and labels 0..9. */
export function syntheticDigits(count: number, seed = 1): { images: Float32Array; labels: Int32Array } {
  const rng = new Rng(seed);
  const images = new Float32Array(count * 784);
  const labels = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const k = n % 10;
    labels[n] = k;
    const angle = (k * Math.PI) / 10 + 0.15 * (rng.uniform() - 0.5);
    const cx = 14 + 2 * (rng.uniform() - 0.5);
    const cy = 14 + 2 * (rng.uniform() - 0.5);
    const ring = k % 2 === 0 ? 4 + k / 2 : 0; // even classes add a ring of class-dependent radius
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const dx = c - cx;
        const dy = r - cy;
        // distance to a line through the centre at `angle`, limited to a 20-pixel segment
        const along = dx * Math.cos(angle) + dy * Math.sin(angle);
        const across = -dx * Math.sin(angle) + dy * Math.cos(angle);
        const line = Math.abs(along) < 10 ? Math.exp(-(across * across) / 2) : 0;
        const rad = Math.sqrt(dx * dx + dy * dy);
        const circle = ring > 0 ? Math.exp(-((rad - ring) ** 2) / 1.5) : 0;
        images[n * 784 + r * 28 + c] = Math.min(1, Math.max(line, circle));
      }
    }
  }
  return { images, labels };
}

/** The images as a `[count, 784]` tensor and the labels as int32 `[count]`. */
export function syntheticBatch(count: number, seed = 1): { x: tf.Tensor2D; labels: tf.Tensor1D } {
  const { images, labels } = syntheticDigits(count, seed);
  return { x: tf.tensor2d(images, [count, 784]), labels: tf.tensor1d(labels, 'int32') };
}
