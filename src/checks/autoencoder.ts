/**
 * Autograder checks of notebook 01 (the autoencoder): reconstruction losses (MSE, BCE) and the
 * layers of an encoder and decoder.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import {
  AutograderError,
  pass,
  callStudent,
  toNumber,
  tensorValues,
  describe,
  close,
  fmt,
  diagnoseFactor,
  randomImages,
  type ScalarLike,
} from './harness';

/**
 * Checks a mean-squared-error loss `fn(target, pred)` on `[n, d]` tensors: the mean of the squared
 * differences over every element (pixels and batch), returned as a number or a scalar tensor.
 */
export function checkMse(fn: (target: tf.Tensor2D, pred: tf.Tensor2D) => ScalarLike): void {
  const check = 'checkMse';
  const rng = new Rng('checkMse');
  const n = 3;
  const d = 16;
  const target = randomImages(rng, n, d, true);
  const pred = randomImages(rng, n, d, false);
  tf.tidy(() => {
    const same = toNumber(
      check,
      callStudent(check, 'target = pred', () => fn(tf.tensor2d(target), tf.tensor2d(target))),
    );
    if (!close(same, 0)) throw new AutograderError(check, `the error of a perfect reconstruction must be 0, got ${fmt(same)}`);
    let sum = 0;
    let absSum = 0;
    target.forEach((row, i) =>
      row.forEach((t, j) => {
        sum += (t - pred[i][j]) ** 2;
        absSum += Math.abs(t - pred[i][j]);
      }),
    );
    const expected = sum / (n * d);
    const got = toNumber(
      check,
      callStudent(check, `target and pred of shape [${n}, ${d}]`, () => fn(tf.tensor2d(target), tf.tensor2d(pred))),
    );
    if (!close(got, expected)) {
      const hint =
        diagnoseFactor(got, expected, [
          [n * d, 'you summed instead of averaging over all elements'],
          [d, 'you summed over pixels (the MSE averages over pixels too)'],
          [n, 'you summed over the batch instead of averaging'],
          [-1, 'the sign is flipped'],
        ]) || (close(got, absSum / (n * d)) ? ' It looks like you averaged |target - pred| without squaring.' : '');
      throw new AutograderError(check, `expected ${fmt(expected)} (mean of (target - pred)^2 over all elements), got ${fmt(got)}.${hint}`);
    }
    pass(check, `0 for a perfect reconstruction and ${fmt(got)} (expected ${fmt(expected)}) on random images.`);
  });
}

/**
 * Checks a binary cross-entropy loss `fn(target, pred)` on `[n, d]` tensors: summed over pixels,
 * averaged over the batch, finite (probabilities clipped) when `pred` is exactly 0 or 1.
 */
export function checkBce(fn: (target: tf.Tensor2D, pred: tf.Tensor2D) => ScalarLike): void {
  const check = 'checkBce';
  const rng = new Rng('checkBce');
  const n = 4;
  const d = 10;
  const target = randomImages(rng, n, d, true);
  const pred = randomImages(rng, n, d, false);
  tf.tidy(() => {
    let sum = 0;
    target.forEach((row, i) =>
      row.forEach((t, j) => {
        const p = pred[i][j];
        sum += -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
      }),
    );
    const expected = sum / n;
    const got = toNumber(
      check,
      callStudent(check, `target and pred of shape [${n}, ${d}]`, () => fn(tf.tensor2d(target), tf.tensor2d(pred))),
    );
    if (!close(got, expected, 1e-3)) {
      const hint = diagnoseFactor(got, expected, [
        [1 / d, 'you averaged over pixels; this course sums BCE over the pixels of each image'],
        [n, 'you summed over the batch; average over the batch instead'],
        [-1, 'the sign is flipped (BCE = -[t log p + (1 - t) log(1 - p)])'],
      ]);
      throw new AutograderError(check, `expected ${fmt(expected)} (BCE summed over pixels, mean over the batch), got ${fmt(got)}.${hint}`);
    }
    const saturated = toNumber(
      check,
      callStudent(check, 'pred exactly 0 and 1', () => fn(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]]))),
    );
    if (!Number.isFinite(saturated) || Math.abs(saturated) > 1e-3) {
      throw new AutograderError(
        check,
        `for pred exactly equal to a binary target the loss must be (close to) 0, got ${fmt(saturated)}. ` +
          'Clip pred into [1e-7, 1 - 1e-7] before taking logarithms so that log(0) never happens.',
      );
    }
    const wrong = toNumber(
      check,
      callStudent(check, 'pred = 1 - target', () => fn(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]))),
    );
    if (!Number.isFinite(wrong)) {
      throw new AutograderError(check, `with pred = 1 - target the loss must stay finite (clip pred), got ${fmt(wrong)}`);
    }
    pass(check, `${fmt(got)} on random images (expected ${fmt(expected)}) and finite for saturated predictions.`);
  });
}

/** What {@link checkEncoderShape} expects of an encoder. */
export interface EncoderShapeExpectation {
  /** Length of a flat input image (default 784). */
  readonly inputSize?: number;
  /** Size of the latent code. */
  readonly latentDim: number;
  /** Number of outputs: 1 for an AE encoder (z), 2 for a VAE encoder ([mu, logScale]). Default 1. */
  readonly outputs?: number;
}

/**
 * Checks that an encoder LayersModel takes flat `[n, inputSize]` images and returns `outputs`
 * tensors of shape `[n, latentDim]`.
 */
export function checkEncoderShape(encoder: tf.LayersModel, expect: EncoderShapeExpectation): void {
  const check = 'checkEncoderShape';
  const inputSize = expect.inputSize ?? 784;
  const outputs = expect.outputs ?? 1;
  if (!(encoder instanceof tf.LayersModel)) {
    throw new AutograderError(check, `expected a tf.LayersModel (from tf.sequential() or tf.model()), got ${describe(encoder)}`);
  }
  const inShape = encoder.inputs[0]?.shape ?? [];
  if (inShape.length !== 2 || inShape[1] !== inputSize) {
    throw new AutograderError(
      check,
      `the encoder must take flat images of shape [n, ${inputSize}], but its input shape is [${inShape.map(String).join(', ')}]. ` +
        'Start with inputShape: [784] (reshape inside the model if it is convolutional).',
    );
  }
  tf.tidy(() => {
    const n = 3;
    const x = tf.randomUniform([n, inputSize], 0, 1, 'float32', 7);
    const result = callStudent(check, `images of shape [${n}, ${inputSize}]`, () => encoder.predict(x));
    const list = Array.isArray(result) ? result : [result];
    if (list.length !== outputs) {
      throw new AutograderError(
        check,
        `expected ${outputs} output(s) (${outputs === 2 ? '[mu, logScale]' : 'the latent code z'}), got ${list.length}.`,
      );
    }
    list.forEach((t, k) => {
      if (t.rank !== 2 || t.shape[0] !== n || t.shape[1] !== expect.latentDim) {
        throw new AutograderError(
          check,
          `output ${k} must have shape [n, ${expect.latentDim}] (here [${n}, ${expect.latentDim}]), got [${t.shape.join(', ')}]. ` +
            'Flatten before the last layer if needed; the last layer needs latentDim units.',
        );
      }
    });
  });
  pass(check, `[n, ${inputSize}] images -> ${outputs} output(s) of shape [n, ${expect.latentDim}].`);
}

/** What {@link checkDecoderShape} expects of a decoder. */
export interface DecoderShapeExpectation {
  /** Size of the latent code it takes. */
  readonly latentDim: number;
  /** Length of a flat output image (default 784). */
  readonly outputSize?: number;
}

/**
 * Checks that a decoder LayersModel maps `[n, latentDim]` codes to flat `[n, outputSize]` images
 * with every pixel in [0, 1] (a sigmoid output).
 */
export function checkDecoderShape(decoder: tf.LayersModel, expect: DecoderShapeExpectation): void {
  const check = 'checkDecoderShape';
  const outputSize = expect.outputSize ?? 784;
  if (!(decoder instanceof tf.LayersModel)) {
    throw new AutograderError(check, `expected a tf.LayersModel (from tf.sequential() or tf.model()), got ${describe(decoder)}`);
  }
  tf.tidy(() => {
    const n = 3;
    const z = tf.randomNormal([n, expect.latentDim], 0, 3, 'float32', 11);
    const out = callStudent(check, `codes of shape [${n}, ${expect.latentDim}]`, () => decoder.predict(z));
    if (Array.isArray(out)) throw new AutograderError(check, `a decoder has one output (the images), got ${out.length}`);
    const values = tensorValues(check, out, [n, outputSize], 'the decoded images');
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    if (lo < 0 || hi > 1) {
      throw new AutograderError(
        check,
        `decoded pixels must lie in [0, 1] like the images, got values from ${fmt(lo)} to ${fmt(hi)}. End the decoder with a sigmoid activation.`,
      );
    }
  });
  pass(check, `[n, ${expect.latentDim}] codes -> [n, ${outputSize}] images in [0, 1].`);
}

/** One expected Dense layer of {@link checkDenseStack}. */
export interface DenseLayerExpectation {
  /** Number of units. */
  readonly units: number;
  /** Activation name as tfjs reports it (`relu`, `tanh`, `sigmoid`, `linear`, ...). */
  readonly activation: string;
}

/** Dense layers of a model in order, as `{units, activation}` (other layer types are skipped). */
function denseLayersOf(model: tf.LayersModel): DenseLayerExpectation[] {
  return model.layers
    .filter((layer) => layer.getClassName() === 'Dense')
    .map((layer) => {
      const config = layer.getConfig() as { units?: number; activation?: string };
      return { units: Number(config.units), activation: String(config.activation ?? 'linear') };
    });
}

/**
 * Checks that a model's Dense layers are exactly `expected` (units and activation, in order),
 * e.g. the FCN encoder 144 relu, 72 relu, 48 tanh. Names the first layer that differs.
 */
export function checkDenseStack(model: tf.LayersModel, expected: readonly DenseLayerExpectation[], what = 'model'): void {
  const check = 'checkDenseStack';
  if (!(model instanceof tf.LayersModel)) {
    throw new AutograderError(check, `expected ${what} to be a tf.LayersModel (from tf.sequential() or tf.model()), got ${describe(model)}`);
  }
  const got = denseLayersOf(model);
  const show = (ls: readonly DenseLayerExpectation[]) => ls.map((l) => `${l.units} ${l.activation}`).join(' -> ');
  for (let i = 0; i < Math.max(got.length, expected.length); i++) {
    const g = got[i];
    const e = expected[i];
    if (!g || !e || g.units !== e.units || g.activation !== e.activation) {
      const detail = !g
        ? `it stops after ${got.length} dense layer(s)`
        : !e
          ? `it has an extra dense layer ${i + 1} (${g.units} ${g.activation})`
          : `dense layer ${i + 1} is ${g.units} ${g.activation}, expected ${e.units} ${e.activation}`;
      throw new AutograderError(check, `${what}: ${detail}. Expected ${show(expected)}; yours is ${show(got) || '(no dense layers)'}.`);
    }
  }
  pass(check, `${what} has the dense layers ${show(expected)}.`);
}
