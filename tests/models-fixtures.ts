/**
 * Test fixtures of the models tests: small MNIST-like images (28x28 in [0, 1], one blurred
 * stroke pattern per class, jittered) drawn from a seeded Rng, so tests need no dataset files.
 */
import * as tf from '@tensorflow/tfjs';
import { autoencoderLoss } from '../src/losses';
import type { AutoencoderModel } from '../src/models';
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

/** Options of {@link trainBriefly}. */
export interface TrainBrieflyOptions {
  readonly images: number;
  readonly batchSize: number;
  readonly learningRate?: number;
  readonly seed?: number;
}

/**
 * A few Adam steps on synthetic images (one pass, seeded order and eps), with the loss of a
 * held-out batch (fixed eps) before and after. Uses only the models/losses API.
 */
export function trainBriefly(model: AutoencoderModel, options: TrainBrieflyOptions): { before: number; after: number; steps: number } {
  const rng = new Rng(options.seed ?? 3);
  const train = syntheticDigits(options.images, 11);
  const evalSet = syntheticBatch(32, 12);
  const d = model.latentDim;
  const evalEps = tf.tensor2d(rng.fork('eval').normalArray(32 * d), [32, d]);
  const evalLoss = (): number =>
    tf.tidy(() => autoencoderLoss(model, { input: evalSet.x, labels: evalSet.labels, eps: evalEps }).total.dataSync()[0]);
  const before = evalLoss();
  const optimizer = tf.train.adam(options.learningRate ?? 1e-3);
  const order = rng.permutation(options.images);
  let steps = 0;
  for (let start = 0; start + options.batchSize <= options.images; start += options.batchSize) {
    const idx = order.subarray(start, start + options.batchSize);
    const xs = new Float32Array(idx.length * 784);
    idx.forEach((i, k) => xs.set(train.images.subarray(i * 784, (i + 1) * 784), k * 784));
    const x = tf.tensor2d(xs, [idx.length, 784]);
    const labels = tf.tensor1d(
      Int32Array.from(idx, (i) => train.labels[i]),
      'int32',
    );
    const eps = tf.tensor2d(rng.normalArray(idx.length * d), [idx.length, d]);
    const cost = optimizer.minimize(() => autoencoderLoss(model, { input: x, labels, eps }).total, true, model.trainableWeights());
    tf.dispose([x, labels, eps]);
    if (cost) cost.dispose();
    steps += 1;
  }
  const after = evalLoss();
  optimizer.dispose();
  tf.dispose([evalEps, evalSet.x, evalSet.labels]);
  return { before, after, steps };
}
