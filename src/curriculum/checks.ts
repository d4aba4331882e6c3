/**
 * Autograder checks: student notebooks call these right after each exercise. Each check runs the
 * student's function on small synthetic inputs, compares with a reference computed here in plain
 * arithmetic, prints a friendly pass line, or throws an {@link AutograderError} that says what was
 * off and how to fix it (common mistakes are recognised by name). Checks never train anything.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { NOT_IMPLEMENTED_PREFIX } from './solution-markers';

/** The error a failing check throws; its message explains what was wrong and what was expected. */
export class AutograderError extends Error {
  constructor(
    /** The check that failed, e.g. `checkKlDivergence`. */
    readonly check: string,
    message: string,
  ) {
    super(`${check}: ${message}`);
    this.name = 'AutograderError';
  }
}

/** A value a student's loss function may return: a number or a one-element tensor. */
export type ScalarLike = number | tf.Tensor;

/** Prints the pass line of a check. */
function pass(check: string, detail: string): void {
  console.log(`\u2714 ${check} passed: ${detail}`);
}

/** Calls the student's function; "not implemented" stubs pass through, other errors get context. */
function callStudent<T>(check: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as Error;
    if (typeof e?.message === 'string' && e.message.startsWith(NOT_IMPLEMENTED_PREFIX)) throw e;
    throw new AutograderError(check, `your function threw an error when called with ${what}: ${e?.message ?? String(err)}`);
  }
}

/** The number inside a ScalarLike, or an AutograderError saying it is not a scalar. */
function toNumber(check: string, value: unknown): number {
  if (typeof value === 'number') return value;
  if (value instanceof tf.Tensor) {
    if (value.size !== 1) {
      throw new AutograderError(
        check,
        `expected a single number (a number or a tf.Scalar), got a tensor of shape [${value.shape.join(', ')}]. ` +
          'Did you forget to reduce (tf.sum / tf.mean) over an axis?',
      );
    }
    return value.dataSync()[0];
  }
  throw new AutograderError(check, `expected a number or a tf.Scalar, got ${describe(value)}`);
}

/** The values of a returned tensor after checking its shape. */
function tensorValues(check: string, value: unknown, shape: readonly number[], name: string): Float32Array {
  if (!(value instanceof tf.Tensor)) {
    throw new AutograderError(check, `expected ${name} to be a tf.Tensor of shape [${shape.join(', ')}], got ${describe(value)}`);
  }
  if (value.rank !== shape.length || (value.shape as number[]).some((d: number, i: number) => d !== shape[i])) {
    throw new AutograderError(
      check,
      `expected ${name} of shape [${shape.join(', ')}], got [${value.shape.join(', ')}]`,
    );
  }
  return Float32Array.from(value.dataSync());
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined (did you forget to return the result?)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}

function close(a: number, b: number, rel = 1e-4, abs = 1e-5): boolean {
  return Math.abs(a - b) <= abs + rel * Math.abs(b);
}

function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}

/** Names the common mistake when `got` equals `expected` times a known factor. */
function diagnoseFactor(got: number, expected: number, factors: ReadonlyArray<[number, string]>): string {
  for (const [factor, mistake] of factors) {
    if (close(got, expected * factor, 1e-3, 1e-6)) return ` It looks like ${mistake}.`;
  }
  return '';
}

// ---------------------------------------------------------------------------------------------
// Reconstruction losses

function randomImages(rng: Rng, n: number, d: number, binary: boolean): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: d }, () => (binary ? (rng.uniform() < 0.3 ? 1 : 0) : 0.02 + 0.96 * rng.uniform())),
  );
}

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
    const same = toNumber(check, callStudent(check, 'target = pred', () => fn(tf.tensor2d(target), tf.tensor2d(target))));
    if (!close(same, 0)) throw new AutograderError(check, `the error of a perfect reconstruction must be 0, got ${fmt(same)}`);
    let sum = 0;
    let absSum = 0;
    target.forEach((row, i) => row.forEach((t, j) => {
      sum += (t - pred[i][j]) ** 2;
      absSum += Math.abs(t - pred[i][j]);
    }));
    const expected = sum / (n * d);
    const got = toNumber(check, callStudent(check, `target and pred of shape [${n}, ${d}]`, () => fn(tf.tensor2d(target), tf.tensor2d(pred))));
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
    target.forEach((row, i) => row.forEach((t, j) => {
      const p = pred[i][j];
      sum += -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
    }));
    const expected = sum / n;
    const got = toNumber(check, callStudent(check, `target and pred of shape [${n}, ${d}]`, () => fn(tf.tensor2d(target), tf.tensor2d(pred))));
    if (!close(got, expected, 1e-3)) {
      const hint = diagnoseFactor(got, expected, [
        [1 / d, 'you averaged over pixels; this course sums BCE over the pixels of each image'],
        [n, 'you summed over the batch; average over the batch instead'],
        [-1, 'the sign is flipped (BCE = -[t log p + (1 - t) log(1 - p)])'],
      ]);
      throw new AutograderError(
        check,
        `expected ${fmt(expected)} (BCE summed over pixels, mean over the batch), got ${fmt(got)}.${hint}`,
      );
    }
    const saturated = toNumber(check, callStudent(check, 'pred exactly 0 and 1', () => fn(tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]]))));
    if (!Number.isFinite(saturated) || Math.abs(saturated) > 1e-3) {
      throw new AutograderError(
        check,
        `for pred exactly equal to a binary target the loss must be (close to) 0, got ${fmt(saturated)}. ` +
          'Clip pred into [1e-7, 1 - 1e-7] before taking logarithms so that log(0) never happens.',
      );
    }
    const wrong = toNumber(check, callStudent(check, 'pred = 1 - target', () => fn(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 1]]))));
    if (!Number.isFinite(wrong)) {
      throw new AutograderError(check, `with pred = 1 - target the loss must stay finite (clip pred), got ${fmt(wrong)}`);
    }
    pass(check, `${fmt(got)} on random images (expected ${fmt(expected)}) and finite for saturated predictions.`);
  });
}

// ---------------------------------------------------------------------------------------------
// The VAE pieces

/** How the encoder states the spread of q(z|x) in {@link checkReparameterize} and {@link checkKlDivergence}. */
export interface GaussianCheckOptions {
  /** `logVar` (default; sigma = exp(0.5 logVar)) or `logStd` (sigma = exp(logStd)). */
  readonly parameterization?: 'logVar' | 'logStd';
}

function sigmaFormula(p: 'logVar' | 'logStd'): string {
  return p === 'logVar' ? 'sigma = exp(0.5 * logVar)' : 'sigma = exp(logStd)';
}

/**
 * Checks a reparameterisation `fn(mu, logScale, eps)` returning `z = mu + sigma * eps`: the output
 * has mu's shape, equals mu when eps = 0, and over 20,000 draws of eps the samples have mean mu and
 * variance sigma^2 in every latent dimension.
 */
export function checkReparameterize(
  fn: (mu: tf.Tensor2D, logScale: tf.Tensor2D, eps: tf.Tensor2D) => tf.Tensor2D,
  options: GaussianCheckOptions = {},
): void {
  const check = 'checkReparameterize';
  const p = options.parameterization ?? 'logVar';
  const scaleName = p;
  const muRow = [1.5, -2];
  const sigma = [0.5, 2];
  const scaleRow = sigma.map((s) => (p === 'logVar' ? Math.log(s * s) : Math.log(s)));
  const n = 20000;
  tf.tidy(() => {
    const mu4 = tf.tensor2d([[0.3, -1, 2], [0, 0.5, -0.5], [1, 1, 1], [-2, 0, 3]]);
    const scale4 = tf.tensor2d([[0, -1, 1], [0.5, 0, -0.5], [0, 0, 0], [1, -2, 0.2]]);
    const zero = tf.zeros([4, 3]) as tf.Tensor2D;
    const z0 = tensorValues(check, callStudent(check, 'mu and logScale of shape [4, 3], eps = 0', () => fn(mu4, scale4, zero)), [4, 3], 'z');
    const mu4v = mu4.dataSync();
    const worst = Math.max(...Array.from(z0, (v, i) => Math.abs(v - mu4v[i])));
    if (worst > 1e-5) {
      throw new AutograderError(
        check,
        `with eps = 0 the sample must equal mu exactly, but it differs by up to ${fmt(worst)}. ` +
          'Use the eps you are given (it comes from the seeded Rng; do not draw your own with tf.randomNormal) ' +
          `and compute z = mu + sigma * eps with ${sigmaFormula(p)}.`,
      );
    }
    const rng = new Rng('checkReparameterize');
    const eps = tf.tensor2d(rng.normalArray(n * 2), [n, 2]);
    const mu = tf.tensor2d(Array.from({ length: n }, () => muRow));
    const scale = tf.tensor2d(Array.from({ length: n }, () => scaleRow));
    const z = tensorValues(check, callStudent(check, `mu and ${scaleName} of shape [${n}, 2]`, () => fn(mu, scale, eps)), [n, 2], 'z');
    for (let j = 0; j < 2; j++) {
      let m = 0;
      for (let i = 0; i < n; i++) m += z[i * 2 + j];
      m /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (z[i * 2 + j] - m) ** 2;
      v /= n - 1;
      const wantVar = sigma[j] ** 2;
      const meanTol = (5 * sigma[j]) / Math.sqrt(n);
      if (Math.abs(m - muRow[j]) > meanTol) {
        throw new AutograderError(
          check,
          `latent dimension ${j}: samples should have mean mu = ${muRow[j]}, got ${fmt(m)}. z must be centred on mu: z = mu + sigma * eps.`,
        );
      }
      if (Math.abs(v - wantVar) > 0.06 * wantVar) {
        const s = scaleRow[j];
        const guesses: Array<[number, string]> =
          p === 'logVar'
            ? [
                [Math.exp(s) ** 2, 'you used exp(logVar) as the standard deviation (that is the variance)'],
                [s * s, 'you used logVar itself as the standard deviation'],
                [Math.exp(0.5 * s) ** 4, 'you multiplied eps by the variance instead of the standard deviation'],
              ]
            : [
                [Math.exp(2 * s) ** 2, 'you used exp(2 * logStd) (the variance) instead of exp(logStd)'],
                [Math.exp(0.5 * s) ** 2, 'you used exp(0.5 * logStd); with a log standard deviation sigma = exp(logStd)'],
                [s * s, 'you used logStd itself as the standard deviation'],
              ];
        const guess = guesses.find(([g]) => Math.abs(v - g) <= 0.06 * g);
        throw new AutograderError(
          check,
          `latent dimension ${j} (${scaleName} = ${fmt(s)}): samples should have variance ${fmt(wantVar)} ` +
            `(standard deviation ${sigma[j]}), got ${fmt(v)}.${guess ? ` It looks like ${guess[1]}.` : ''} Use ${sigmaFormula(p)}.`,
        );
      }
    }
    pass(check, `z = mu for eps = 0, and ${n} samples have the right mean and variance in every dimension.`);
  });
}

/** Closed-form KL(N(mu, sigma^2) || N(0, 1)) of one row, from the scale as the student gets it. */
function klRow(mu: readonly number[], scale: readonly number[], p: 'logVar' | 'logStd'): number {
  let kl = 0;
  mu.forEach((m, j) => {
    const logVar = p === 'logVar' ? scale[j] : 2 * scale[j];
    kl += -0.5 * (1 + logVar - m * m - Math.exp(logVar));
  });
  return kl;
}

/**
 * Checks a KL divergence `fn(mu, logScale)` to the standard normal prior: 0 for a standard normal
 * posterior, the closed-form value (summed over latent dimensions, mean over the batch) for known
 * inputs, and never negative.
 */
export function checkKlDivergence(
  fn: (mu: tf.Tensor2D, logScale: tf.Tensor2D) => ScalarLike,
  options: GaussianCheckOptions = {},
): void {
  const check = 'checkKlDivergence';
  const p = options.parameterization ?? 'logVar';
  tf.tidy(() => {
    const zero = toNumber(check, callStudent(check, 'mu = 0 and logScale = 0 of shape [5, 4]', () => fn(tf.zeros([5, 4]) as tf.Tensor2D, tf.zeros([5, 4]) as tf.Tensor2D)));
    if (!close(zero, 0)) {
      throw new AutograderError(
        check,
        `the KL divergence of a standard normal posterior (mu = 0, sigma = 1) from the N(0, 1) prior must be 0, got ${fmt(zero)}. ` +
          (p === 'logVar'
            ? 'Per dimension: -0.5 * (1 + logVar - mu^2 - exp(logVar)).'
            : 'Per dimension: -0.5 * (1 + 2 logStd - mu^2 - exp(2 logStd)).'),
      );
    }
    const mu = [[1, -1, 0], [0, 0.5, 2], [0, 0, 0]];
    const scale = [[0, 0, 0], [Math.log(2), -0.7, 0.3], [1, -1, 0.5]];
    const rows = mu.map((m, i) => klRow(m, scale[i], p));
    const expected = rows.reduce((a, b) => a + b, 0) / rows.length;
    const got = toNumber(check, callStudent(check, 'mu and logScale of shape [3, 3]', () => fn(tf.tensor2d(mu), tf.tensor2d(scale))));
    if (!close(got, expected, 1e-4)) {
      const other = p === 'logVar' ? 'logStd' : 'logVar';
      const otherRows = mu.map((m, i) => klRow(m, scale[i], other));
      const otherMean = otherRows.reduce((a, b) => a + b, 0) / otherRows.length;
      let hint = diagnoseFactor(got, expected, [
        [3, 'you summed over the batch; take the mean over the batch (sum only over latent dimensions)'],
        [1 / 3, 'you averaged over latent dimensions; sum over them and average only over the batch'],
        [2, 'the factor 0.5 is missing'],
        [-1, 'the sign is flipped (KL = -0.5 * sum(1 + logVar - mu^2 - exp(logVar)))'],
      ]);
      if (!hint && close(got, otherMean, 1e-4)) hint = ` It looks like you treated the input as ${other}, but this exercise passes ${p}.`;
      throw new AutograderError(
        check,
        `for a known posterior expected ${fmt(expected)} (closed form, summed over latent dimensions, mean over the batch), got ${fmt(got)}.${hint}`,
      );
    }
    const rng = new Rng('checkKlDivergence');
    const rmu = tf.tensor2d(rng.normalArray(32 * 4, 0, 2), [32, 4]);
    const rscale = tf.tensor2d(rng.normalArray(32 * 4, 0, 1.5), [32, 4]);
    const random = toNumber(check, callStudent(check, 'random mu and logScale of shape [32, 4]', () => fn(rmu, rscale)));
    if (!(random >= -1e-5)) {
      throw new AutograderError(check, `a KL divergence is never negative, got ${fmt(random)} for random inputs. Check the signs.`);
    }
    pass(check, `0 for a standard normal posterior and ${fmt(got)} (expected ${fmt(expected)}) for a known one.`);
  });
}

// ---------------------------------------------------------------------------------------------
// Model shapes

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

/**
 * Checks a VAE objective `fn(target, pred, mu, logVar, beta)`: binary cross-entropy summed over
 * pixels plus `beta` times the closed-form KL to N(0, I) (summed over latent dimensions), both
 * averaged over the batch, for beta 0, 1 and 4.
 */
export function checkVaeLoss(
  fn: (target: tf.Tensor2D, pred: tf.Tensor2D, mu: tf.Tensor2D, logVar: tf.Tensor2D, beta: number) => ScalarLike,
): void {
  const check = 'checkVaeLoss';
  const rng = new Rng('checkVaeLoss');
  const n = 3;
  const d = 12;
  const k = 2;
  const target = randomImages(rng, n, d, true);
  const pred = randomImages(rng, n, d, false);
  const mu = Array.from({ length: n }, () => [rng.normal(), rng.normal()]);
  const logVar = Array.from({ length: n }, () => [0.5 * rng.normal(), 0.5 * rng.normal()]);
  let bce = 0;
  target.forEach((row, i) => row.forEach((t, j) => {
    const p = pred[i][j];
    bce += -(t * Math.log(p) + (1 - t) * Math.log(1 - p));
  }));
  bce /= n;
  const kl = mu.map((m, i) => klRow(m, logVar[i], 'logVar')).reduce((a, b) => a + b, 0) / n;
  tf.tidy(() => {
    for (const beta of [0, 1, 4]) {
      const expected = bce + beta * kl;
      const got = toNumber(
        check,
        callStudent(check, `beta = ${beta}`, () => fn(tf.tensor2d(target), tf.tensor2d(pred), tf.tensor2d(mu), tf.tensor2d(logVar), beta)),
      );
      if (!close(got, expected, 1e-3)) {
        let hint = '';
        if (close(got, beta * bce + kl, 1e-3)) hint = ' It looks like beta multiplies the reconstruction term instead of the KL term.';
        else if (close(got, bce + kl, 1e-3)) hint = ' It looks like beta is ignored.';
        else if (close(got, bce, 1e-3)) hint = ' It looks like the KL term is missing.';
        else if (close(got, bce - beta * kl, 1e-3)) hint = ' It looks like the KL term is subtracted; the loss adds it.';
        throw new AutograderError(
          check,
          `with beta = ${beta} expected ${fmt(expected)} = BCE ${fmt(bce)} + ${beta} * KL ${fmt(kl)}, got ${fmt(got)}.${hint} ` +
            'Both terms are summed over their own axis (pixels, latent dimensions) and averaged over the batch.',
        );
      }
    }
  });
  pass(check, `reconstruction + beta * KL is right for beta = 0, 1 and 4 (latent size ${k}).`);
}

// ---------------------------------------------------------------------------------------------
// Latent-space analysis (notebooks 02 to 05)

function numberMatrix(check: string, value: unknown, rows: number, cols: number, name: string): number[][] {
  if (!Array.isArray(value) || value.length !== rows) {
    throw new AutograderError(check, `expected ${name} to be an array of ${rows} rows, got ${describe(value)}`);
  }
  return value.map((row, i) => {
    const r = row instanceof Float32Array || row instanceof Float64Array ? Array.from(row) : row;
    if (!Array.isArray(r) || r.length !== cols || r.some((v) => typeof v !== 'number')) {
      throw new AutograderError(check, `expected row ${i} of ${name} to hold ${cols} numbers, got ${describe(row)}`);
    }
    return r as number[];
  });
}

/**
 * Checks `fn(codes, labels, dims)` returning the centroid (mean code) of each digit 0-9 as ten
 * arrays of `dims` numbers, from flat codes `[count * dims]`; a digit without codes gets NaNs.
 */
export function checkDigitCentroids(
  fn: (codes: Float32Array, labels: ArrayLike<number>, dims: number) => number[][],
): void {
  const check = 'checkDigitCentroids';
  const rng = new Rng('checkDigitCentroids');
  const dims = 3;
  const count = 60;
  const labels = Array.from({ length: count }, (_, i) => (i < 50 ? i % 9 : 9 - (i % 2)));
  const codes = rng.normalArray(count * dims, 1, 2);
  const expected = Array.from({ length: 10 }, (_, d) => {
    const idx = labels.flatMap((l, i) => (l === d ? [i] : []));
    return Array.from({ length: dims }, (_, j) => idx.reduce((s, i) => s + codes[i * dims + j], 0) / idx.length);
  });
  const got = numberMatrix(check, callStudent(check, `${count} codes of ${dims} dimensions`, () => fn(codes, labels, dims)), 10, dims, 'the centroids');
  for (let d = 0; d < 10; d++) {
    for (let j = 0; j < dims; j++) {
      if (!close(got[d][j], expected[d][j], 1e-4)) {
        throw new AutograderError(
          check,
          `centroid of digit ${d}, dimension ${j}: expected ${fmt(expected[d][j])} (mean of that digit's codes), got ${fmt(got[d][j])}. ` +
            'Code i occupies codes[i * dims] ... codes[i * dims + dims - 1]; divide each sum by the number of codes of that digit.',
        );
      }
    }
  }
  pass(check, `the ten centroids of ${count} random ${dims}-d codes are right.`);
}

/**
 * Checks a 1-nearest-neighbour classifier `fn(trainCodes, trainLabels, testCodes, dims)` that
 * gives each test code the label of the training code at the smallest Euclidean distance.
 */
export function checkNearestNeighbour(
  fn: (trainCodes: Float32Array, trainLabels: ArrayLike<number>, testCodes: Float32Array, dims: number) => ArrayLike<number>,
): void {
  const check = 'checkNearestNeighbour';
  const rng = new Rng('checkNearestNeighbour');
  const dims = 2;
  const nTrain = 40;
  const nTest = 25;
  const trainCodes = rng.normalArray(nTrain * dims, 0, 3);
  const trainLabels = Array.from({ length: nTrain }, () => rng.int(10));
  const testCodes = rng.normalArray(nTest * dims, 0, 3);
  const expected: number[] = [];
  const manhattan: number[] = [];
  for (let t = 0; t < nTest; t++) {
    let best = Infinity;
    let bestL1 = Infinity;
    let label = -1;
    let labelL1 = -1;
    for (let i = 0; i < nTrain; i++) {
      let d2 = 0;
      let d1 = 0;
      for (let j = 0; j < dims; j++) {
        const diff = testCodes[t * dims + j] - trainCodes[i * dims + j];
        d2 += diff * diff;
        d1 += Math.abs(diff);
      }
      if (d2 < best) [best, label] = [d2, trainLabels[i]];
      if (d1 < bestL1) [bestL1, labelL1] = [d1, trainLabels[i]];
    }
    expected.push(label);
    manhattan.push(labelL1);
  }
  const got = callStudent(check, `${nTrain} training and ${nTest} test codes`, () => fn(trainCodes, trainLabels, testCodes, dims));
  if (!got || typeof (got as ArrayLike<number>).length !== 'number' || (got as ArrayLike<number>).length !== nTest) {
    throw new AutograderError(check, `expected one label per test code (${nTest}), got ${describe(got)}${got && typeof (got as ArrayLike<number>).length === 'number' ? ` of length ${(got as ArrayLike<number>).length}` : ''}`);
  }
  const labels = Array.from(got as ArrayLike<number>);
  const wrong = labels.findIndex((l, t) => l !== expected[t]);
  if (wrong >= 0) {
    const l1 = labels.every((l, t) => l === manhattan[t]);
    throw new AutograderError(
      check,
      `test code ${wrong}: its nearest training code has label ${expected[wrong]}, you returned ${labels[wrong]}.` +
        (l1 ? ' It looks like you used the sum of absolute differences; use the Euclidean distance.' : '') +
        ' Return the LABEL of the closest training code (not its index).',
    );
  }
  pass(check, `all ${nTest} test codes get the label of their nearest training code.`);
}

/**
 * Checks `fn(trueLabels, predicted)` returning the accuracy of each digit 0-9 as a fraction in
 * [0, 1] (correct / number of test images of that digit; NaN for a digit that does not occur).
 */
export function checkPerDigitAccuracy(fn: (trueLabels: ArrayLike<number>, predicted: ArrayLike<number>) => ArrayLike<number>): void {
  const check = 'checkPerDigitAccuracy';
  const rng = new Rng('checkPerDigitAccuracy');
  const n = 200;
  const truth = Array.from({ length: n }, (_, i) => (i < 190 ? i % 9 : 9));
  const pred = truth.map((t) => (rng.uniform() < 0.3 + 0.06 * t ? t : rng.int(10)));
  const expected = Array.from({ length: 10 }, (_, d) => {
    const idx = truth.flatMap((t, i) => (t === d ? [i] : []));
    return idx.filter((i) => pred[i] === d).length / idx.length;
  });
  const raw = callStudent(check, `${n} labels`, () => fn(truth, pred));
  if (!raw || typeof (raw as ArrayLike<number>).length !== 'number' || (raw as ArrayLike<number>).length !== 10) {
    throw new AutograderError(check, `expected ten accuracies (digits 0 to 9), got ${describe(raw)}`);
  }
  const got = Array.from(raw as ArrayLike<number>);
  for (let d = 0; d < 10; d++) {
    if (!close(got[d], expected[d], 1e-6)) {
      const hint = close(got[d], expected[d] * 100, 1e-6)
        ? ' Return fractions in [0, 1], not percentages.'
        : ' Divide the number of correct predictions of a digit by the number of test images OF THAT DIGIT (not by all images, not by how often it was predicted).';
      throw new AutograderError(check, `digit ${d}: expected accuracy ${fmt(expected[d])}, got ${fmt(got[d])}.${hint}`);
    }
  }
  pass(check, 'the ten per-digit accuracies are right.');
}

/**
 * Checks a categorical cross-entropy `fn(labels, probs)`: `mean_n -log probs[n, labels[n]]` for
 * int32 labels `[n]` and softmax outputs `[n, classes]`, finite when a probability is 0.
 */
export function checkCrossEntropy(fn: (labels: tf.Tensor1D, probs: tf.Tensor2D) => ScalarLike): void {
  const check = 'checkCrossEntropy';
  const rng = new Rng('checkCrossEntropy');
  const n = 5;
  const k = 4;
  const probs = Array.from({ length: n }, () => {
    const w = Array.from({ length: k }, () => 0.1 + rng.uniform());
    const s = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / s);
  });
  const labels = [0, 3, 1, 1, 2];
  const expected = labels.reduce((s, l, i) => s - Math.log(probs[i][l]), 0) / n;
  tf.tidy(() => {
    const got = toNumber(check, callStudent(check, `labels [${n}] and probs [${n}, ${k}]`, () => fn(tf.tensor1d(labels, 'int32'), tf.tensor2d(probs))));
    if (!close(got, expected, 1e-4)) {
      const hint = diagnoseFactor(got, expected, [
        [n, 'you summed over the batch; take the mean'],
        [-1, 'the sign is flipped (the loss is -log p of the true class)'],
      ]);
      throw new AutograderError(check, `expected ${fmt(expected)} (mean over images of -log p[true class]), got ${fmt(got)}.${hint}`);
    }
    const zero = toNumber(check, callStudent(check, 'a zero probability for a wrong class', () => fn(tf.tensor1d([0], 'int32'), tf.tensor2d([[1, 0]]))));
    if (!Number.isFinite(zero) || Math.abs(zero) > 1e-4) {
      throw new AutograderError(check, `a certain, correct prediction (p = 1 for the true class) must cost 0, got ${fmt(zero)}. Clip probabilities before the log.`);
    }
  });
  pass(check, `${fmt(expected)} on a known batch, 0 for a certain correct prediction.`);
}

/**
 * Checks `fn(bounds, n)` returning the flat codes `[n * n * 2]` of an n x n grid over
 * `bounds = { min: [x0, y0], max: [x1, y1] }`, oriented like a scatter plot: cell (row r,
 * column c) is code `r * n + c`, x grows left to right, y DEcreases top to bottom (row 0 is max y).
 */
export function checkLatentGrid(fn: (bounds: { min: number[]; max: number[] }, n: number) => Float32Array): void {
  const check = 'checkLatentGrid';
  const bounds = { min: [-1, 2], max: [3, 8] };
  const n = 5;
  const raw = callStudent(check, 'bounds {min: [-1, 2], max: [3, 8]} and n = 5', () => fn(bounds, n));
  if (!(raw instanceof Float32Array) || raw.length !== n * n * 2) {
    throw new AutograderError(check, `expected a Float32Array of ${n * n * 2} numbers (n * n codes of 2), got ${describe(raw)}${raw && (raw as ArrayLike<number>).length !== undefined ? ` of length ${(raw as ArrayLike<number>).length}` : ''}`);
  }
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const x = bounds.min[0] + ((bounds.max[0] - bounds.min[0]) * c) / (n - 1);
      const y = bounds.max[1] - ((bounds.max[1] - bounds.min[1]) * r) / (n - 1);
      const gx = raw[(r * n + c) * 2];
      const gy = raw[(r * n + c) * 2 + 1];
      if (!close(gx, x, 1e-5) || !close(gy, y, 1e-5)) {
        const flipped = close(gy, bounds.min[1] + ((bounds.max[1] - bounds.min[1]) * r) / (n - 1), 1e-5) && close(gx, x, 1e-5);
        const swapped = close(gx, bounds.min[0] + ((bounds.max[0] - bounds.min[0]) * r) / (n - 1), 1e-5);
        throw new AutograderError(
          check,
          `cell (row ${r}, column ${c}) should hold (${fmt(x)}, ${fmt(y)}), got (${fmt(gx)}, ${fmt(gy)}).` +
            (flipped
              ? ' The y axis is not flipped: in an image row 0 is at the TOP, so it must hold the LARGEST y, like the top of a scatter plot.'
              : swapped
                ? ' Rows and columns are swapped: x changes along a row (with the column index), y from row to row.'
                : ' Use n equally spaced values from min to max, including both ends (step (max - min) / (n - 1)).'),
        );
      }
    }
  }
  pass(check, `the ${n} x ${n} grid spans the bounds with x left to right and y bottom to top.`);
}

/**
 * Checks `fn(images, std, rng)` adding Gaussian noise N(0, std^2) to every pixel and clipping to
 * [0, 1]; shape kept, input unchanged, the noise of unclipped pixels has mean 0 and deviation `std`,
 * and every pixel of the result lies in [0, 1].
 */
export function checkGaussianNoise(fn: (images: Float32Array, std: number, rng: Rng) => Float32Array): void {
  const check = 'checkGaussianNoise';
  const n = 20000;
  const images = new Float32Array(n);
  for (let i = 0; i < n; i++) images[i] = i % 4 === 0 ? 1 : i % 4 === 1 ? 0 : 0.5;
  const copy = images.slice();
  const std = 0.1;
  const raw = callStudent(check, `${n} pixels and std ${std}`, () => fn(images, std, new Rng('checkGaussianNoise')));
  if (!(raw instanceof Float32Array) || raw.length !== n) {
    throw new AutograderError(check, `expected a new Float32Array of ${n} pixels, got ${describe(raw)}`);
  }
  if (images.some((v, i) => v !== copy[i])) {
    throw new AutograderError(check, 'the input images were modified; return a NEW array (e.g. images.map(...) or new Float32Array(images.length)).');
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of raw) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo < 0 || hi > 1) {
    throw new AutograderError(check, `noisy pixels must be clipped to [0, 1], got values from ${fmt(lo)} to ${fmt(hi)}. Use Math.min(1, Math.max(0, value)).`);
  }
  let sum = 0;
  let sq = 0;
  let m = 0;
  for (let i = 2; i < n; i += 4) {
    const d = raw[i] - images[i];
    sum += d;
    sq += d * d;
    m += 1;
  }
  const mean = sum / m;
  const sd = Math.sqrt(sq / m - mean * mean);
  if (Math.abs(mean) > 0.01 || Math.abs(sd - std) > 0.01) {
    const hint = Math.abs(sd - std * std) < 0.005 ? ' It looks like you used std^2 (the variance) as the standard deviation.' : sd < 1e-6 ? ' No noise was added.' : '';
    throw new AutograderError(
      check,
      `on mid-grey pixels the added noise should have mean 0 and standard deviation ${std}, got mean ${fmt(mean)} and deviation ${fmt(sd)}.${hint} ` +
        'Draw it with rng.normal() * std (every random number comes from the rng you are given).',
    );
  }
  pass(check, `noise with mean ${fmt(mean)} and deviation ${fmt(sd)} (asked ${std}), clipped to [0, 1], input untouched.`);
}

// ---------------------------------------------------------------------------------------------
// MAP denoising and anomaly detection (notebooks 13 and 15)

/**
 * Checks the MAP objective of 5LSL0 eq. (.4), `fn(noisy, decoded, z, beta)`: per image the squared
 * error summed over pixels plus `beta` times the squared norm of z, averaged over the images.
 */
export function checkMapObjective(fn: (noisy: tf.Tensor2D, decoded: tf.Tensor2D, z: tf.Tensor2D, beta: number) => ScalarLike): void {
  const check = 'checkMapObjective';
  const rng = new Rng('checkMapObjective');
  const n = 3;
  const d = 10;
  const k = 4;
  const noisy = randomImages(rng, n, d, false);
  const decoded = randomImages(rng, n, d, false);
  const z = Array.from({ length: n }, () => Array.from({ length: k }, () => rng.normal()));
  let sse = 0;
  noisy.forEach((row, i) => row.forEach((v, j) => (sse += (v - decoded[i][j]) ** 2)));
  sse /= n;
  let zz = 0;
  z.forEach((row) => row.forEach((v) => (zz += v * v)));
  zz /= n;
  let zNorm = 0;
  z.forEach((row) => (zNorm += Math.sqrt(row.reduce((s, v) => s + v * v, 0))));
  zNorm /= n;
  tf.tidy(() => {
    for (const beta of [0, 0.5, 3]) {
      const expected = sse + beta * zz;
      const got = toNumber(check, callStudent(check, `beta = ${beta}`, () => fn(tf.tensor2d(noisy), tf.tensor2d(decoded), tf.tensor2d(z), beta)));
      if (!close(got, expected, 1e-4)) {
        let hint = '';
        if (close(got, sse / d + beta * zz, 1e-4)) hint = ' It looks like you averaged the squared error over pixels; eq. (.4) sums it.';
        else if (close(got, sse + beta * zNorm, 1e-4)) hint = ' It looks like you used the norm of z; the prior term is its SQUARED norm.';
        else if (close(got, beta * sse + zz, 1e-4)) hint = ' It looks like beta multiplies the data term instead of the prior term.';
        else if (close(got, n * expected, 1e-4)) hint = ' It looks like you summed over the images; average over them.';
        throw new AutograderError(
          check,
          `with beta = ${beta} expected ${fmt(expected)} (mean over images of ||x - g(z)||^2 = ${fmt(sse)} plus beta * ||z||^2 = ${fmt(zz)}), got ${fmt(got)}.${hint}`,
        );
      }
    }
  });
  pass(check, 'the MAP objective is right for beta = 0, 0.5 and 3.');
}

/** Reference AUC: the probability that a random anomaly scores above a random normal item (ties count half). */
function referenceAuc(scores: readonly number[], isAnomaly: readonly boolean[]): number {
  let wins = 0;
  let pairs = 0;
  scores.forEach((s, i) => {
    if (!isAnomaly[i]) return;
    scores.forEach((t, j) => {
      if (isAnomaly[j]) return;
      pairs += 1;
      wins += s > t ? 1 : s === t ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

/**
 * Checks `fn(scores, isAnomaly)` computing the area under the ROC curve: 1 for a perfect
 * separation, 0 when reversed, 0.5 for all-equal scores, and the rank-statistic value on random
 * scores with ties (a tie between an anomaly and a normal item counts one half).
 */
export function checkAuc(fn: (scores: ArrayLike<number>, isAnomaly: ArrayLike<boolean>) => number): void {
  const check = 'checkAuc';
  const cases: Array<{ what: string; scores: number[]; flags: boolean[] }> = [
    { what: 'perfectly separated scores', scores: [0.1, 0.2, 0.3, 0.8, 0.9], flags: [false, false, false, true, true] },
    { what: 'reversed scores', scores: [0.9, 0.8, 0.3, 0.2, 0.1], flags: [false, false, true, true, true] },
    { what: 'all scores equal', scores: [1, 1, 1, 1], flags: [true, false, false, true] },
  ];
  const rng = new Rng('checkAuc');
  const scores = Array.from({ length: 60 }, () => Math.round(rng.uniform() * 20) / 20);
  const flags = scores.map((s) => rng.uniform() < 0.2 + 0.5 * s);
  cases.push({ what: '60 random scores with ties', scores, flags });
  for (const c of cases) {
    const expected = referenceAuc(c.scores, c.flags);
    const got = callStudent(check, c.what, () => fn(c.scores, c.flags));
    if (typeof got !== 'number' || !close(got, expected, 1e-6)) {
      const hint =
        typeof got === 'number' && close(got, 1 - expected, 1e-6)
          ? ' It looks like the score direction is reversed: HIGHER scores must mean "more anomalous".'
          : c.what.includes('ties') || c.what.includes('equal')
            ? ' Count a tie between an anomaly and a normal item as one half.'
            : '';
      throw new AutograderError(check, `for ${c.what} expected AUC ${fmt(expected)}, got ${typeof got === 'number' ? fmt(got) : describe(got)}.${hint}`);
    }
  }
  pass(check, '1 for separated scores, 0 reversed, 0.5 for ties, and the right value on random scores.');
}

/**
 * Checks `fn(labels, numClasses)` returning one-hot rows as a flat Float32Array
 * `[labels.length * numClasses]`: row i has a 1 in column labels[i] and 0 elsewhere.
 */
export function checkOneHot(fn: (labels: ArrayLike<number>, numClasses: number) => Float32Array): void {
  const check = 'checkOneHot';
  const labels = [3, 0, 9, 3, 5];
  const k = 10;
  const raw = callStudent(check, 'labels [3, 0, 9, 3, 5] and 10 classes', () => fn(labels, k));
  if (!(raw instanceof Float32Array) || raw.length !== labels.length * k) {
    throw new AutograderError(check, `expected a Float32Array of ${labels.length * k} numbers (one row of ${k} per label), got ${describe(raw)}`);
  }
  for (let i = 0; i < labels.length; i++) {
    for (let c = 0; c < k; c++) {
      const want = c === labels[i] ? 1 : 0;
      if (raw[i * k + c] !== want) {
        const transposed = raw[c * labels.length + i] === want;
        throw new AutograderError(
          check,
          `row ${i} (label ${labels[i]}), column ${c}: expected ${want}, got ${raw[i * k + c]}.` +
            (transposed ? ' The layout looks transposed: row i occupies positions i * numClasses ... i * numClasses + numClasses - 1.' : ''),
        );
      }
    }
  }
  pass(check, 'five labels give the right one-hot rows.');
}

/**
 * Checks `fn(clean, estimate, pixels)` returning the mean PSNR in dB over images, for flat images
 * in [0, 1] (data range 1): per image 10 log10(1 / MSE), then averaged over the images.
 */
export function checkPsnr(fn: (clean: Float32Array, estimate: Float32Array, pixels: number) => number): void {
  const check = 'checkPsnr';
  const rng = new Rng('checkPsnr');
  const pixels = 16;
  const n = 3;
  const clean = rng.uniformArray(n * pixels);
  const estimate = clean.map((v, i) => Math.min(1, Math.max(0, v + (0.05 + 0.1 * Math.floor(i / pixels)) * rng.normal())));
  const perImage: number[] = [];
  let pooled = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * pixels; j < (i + 1) * pixels; j++) s += (clean[j] - estimate[j]) ** 2;
    perImage.push(10 * Math.log10(1 / (s / pixels)));
    pooled += s;
  }
  const expected = perImage.reduce((a, b) => a + b, 0) / n;
  const got = callStudent(check, `${n} images of ${pixels} pixels`, () => fn(clean, estimate, pixels));
  if (typeof got !== 'number' || !close(got, expected, 1e-4)) {
    let hint = '';
    if (typeof got === 'number') {
      if (close(got, 10 * Math.log10(1 / (pooled / (n * pixels))), 1e-4)) hint = ' It looks like you computed one PSNR from the MSE of all images together; average the per-image PSNRs instead.';
      else if (close(got, expected / 2, 1e-4) || close(got, 2 * expected, 1e-4)) hint = ' Check the factor: PSNR = 10 log10(1 / MSE) = 20 log10(1 / RMSE).';
      else if (close(got, -expected, 1e-4)) hint = ' The sign is flipped: PSNR = 10 log10(MAX^2 / MSE) with MAX = 1.';
    }
    throw new AutograderError(check, `expected a mean PSNR of ${fmt(expected)} dB, got ${typeof got === 'number' ? fmt(got) : describe(got)}.${hint}`);
  }
  pass(check, `${fmt(got)} dB, the mean of the per-image PSNRs.`);
}

// ---------------------------------------------------------------------------------------------
// Noise types (notebook 11)

/** Mid-grey test images (every pixel 0.5) with a copy, for the noise checks. */
function greyImages(n: number): { images: Float32Array; copy: Float32Array } {
  const images = new Float32Array(n).fill(0.5);
  return { images, copy: images.slice() };
}

function noiseResult(check: string, raw: unknown, n: number, images: Float32Array, copy: Float32Array): Float32Array {
  if (!(raw instanceof Float32Array) || raw.length !== n) {
    throw new AutograderError(check, `expected a new Float32Array of ${n} pixels, got ${describe(raw)}`);
  }
  if (images.some((v, i) => v !== copy[i])) {
    throw new AutograderError(check, 'the input images were modified; return a NEW array.');
  }
  return raw;
}

/**
 * Checks `fn(images, salt, pepper, rng)` for salt-and-pepper noise: each pixel independently becomes
 * 1 with probability `salt`, 0 with probability `pepper`, and is otherwise unchanged.
 */
export function checkSaltPepperNoise(fn: (images: Float32Array, salt: number, pepper: number, rng: Rng) => Float32Array): void {
  const check = 'checkSaltPepperNoise';
  const n = 20000;
  const salt = 0.2;
  const pepper = 0.05;
  const { images, copy } = greyImages(n);
  const out = noiseResult(check, callStudent(check, `${n} grey pixels, salt ${salt}, pepper ${pepper}`, () => fn(images, salt, pepper, new Rng(check))), n, images, copy);
  let white = 0;
  let black = 0;
  let kept = 0;
  for (const v of out) {
    if (v === 1) white += 1;
    else if (v === 0) black += 1;
    else if (v === 0.5) kept += 1;
  }
  const other = n - white - black - kept;
  if (other > 0) {
    throw new AutograderError(check, `${other} pixels were changed to values other than 0 or 1; salt-and-pepper noise only sets pixels to 1 (salt) or 0 (pepper) and leaves the rest untouched.`);
  }
  const tol = 0.015;
  if (Math.abs(white / n - salt) > tol || Math.abs(black / n - pepper) > tol) {
    const swapped = Math.abs(white / n - pepper) <= tol && Math.abs(black / n - salt) <= tol;
    throw new AutograderError(
      check,
      `expected about ${salt * 100}% white (salt) and ${pepper * 100}% black (pepper) pixels, got ${fmt((100 * white) / n)}% and ${fmt((100 * black) / n)}%.` +
        (swapped ? ' Salt and pepper are swapped: salt is white (1), pepper black (0).' : ' Draw one u = rng.uniform() per pixel: u < pepper gives 0, u > 1 - salt gives 1.'),
    );
  }
  pass(check, `${fmt((100 * white) / n)}% salt and ${fmt((100 * black) / n)}% pepper (asked ${salt * 100}% and ${pepper * 100}%), other pixels untouched.`);
}

/**
 * Checks `fn(images, std, rng)` for speckle (multiplicative) noise `x + x * n`, n ~ N(0, std^2),
 * clipped to [0, 1]: black pixels stay black, grey pixels of value 0.5 get deviation 0.5 * std.
 */
export function checkSpeckleNoise(fn: (images: Float32Array, std: number, rng: Rng) => Float32Array): void {
  const check = 'checkSpeckleNoise';
  const n = 20000;
  const std = 0.4;
  const images = new Float32Array(n);
  for (let i = 0; i < n; i++) images[i] = i % 2 === 0 ? 0 : 0.5;
  const copy = images.slice();
  const out = noiseResult(check, callStudent(check, `${n} pixels (half black, half grey), std ${std}`, () => fn(images, std, new Rng(check))), n, images, copy);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo < 0 || hi > 1) throw new AutograderError(check, `pixels must be clipped to [0, 1], got values from ${fmt(lo)} to ${fmt(hi)}.`);
  for (let i = 0; i < n; i += 2) {
    if (out[i] !== 0) {
      throw new AutograderError(
        check,
        `a black pixel (0) became ${fmt(out[i])}; speckle noise is multiplicative, x + x * noise, so it leaves black pixels black. Did you add the noise instead of multiplying?`,
      );
    }
  }
  let sum = 0;
  let sq = 0;
  for (let i = 1; i < n; i += 2) {
    const d = out[i] - 0.5;
    sum += d;
    sq += d * d;
  }
  const m = n / 2;
  const mean = sum / m;
  const sd = Math.sqrt(sq / m - mean * mean);
  const want = 0.5 * std;
  if (Math.abs(mean) > 0.01 || Math.abs(sd - want) > 0.015) {
    throw new AutograderError(
      check,
      `on pixels of value 0.5 the change should have mean 0 and deviation 0.5 * ${std} = ${fmt(want)}, got mean ${fmt(mean)} and deviation ${fmt(sd)}. ` +
        'Compute x + x * std * rng.normal() for every pixel x.',
    );
  }
  pass(check, `black pixels unchanged, grey pixels spread by ${fmt(sd)} (expected ${fmt(want)}), clipped to [0, 1].`);
}

/**
 * Checks a 3 x 3 mean ("box") filter `fn(images, rows, cols)` on flat images: every output pixel is
 * the mean of the pixels of its 3 x 3 neighbourhood that lie inside the image (so borders average
 * fewer pixels), each image filtered on its own, input unchanged.
 */
export function checkBoxFilter(fn: (images: Float32Array, rows: number, cols: number) => Float32Array): void {
  const check = 'checkBoxFilter';
  const rng = new Rng(check);
  const rows = 4;
  const cols = 5;
  const count = 2;
  const images = rng.uniformArray(count * rows * cols);
  const copy = images.slice();
  const expected = new Float32Array(images.length);
  for (let k = 0; k < count; k++) {
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        let m = 0;
        for (let dr = -1; dr <= 1; dr++) {
          for (let dc = -1; dc <= 1; dc++) {
            const rr = r + dr;
            const cc = c + dc;
            if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
            s += images[k * rows * cols + rr * cols + cc];
            m += 1;
          }
        }
        expected[k * rows * cols + r * cols + c] = s / m;
      }
    }
  }
  const out = noiseResult(check, callStudent(check, `${count} images of ${rows} x ${cols}`, () => fn(images, rows, cols)), images.length, images, copy);
  for (let i = 0; i < out.length; i++) {
    if (!close(out[i], expected[i], 1e-5)) {
      const k = Math.floor(i / (rows * cols));
      const r = Math.floor((i % (rows * cols)) / cols);
      const c = i % cols;
      const border = r === 0 || c === 0 || r === rows - 1 || c === cols - 1;
      throw new AutograderError(
        check,
        `image ${k}, pixel (row ${r}, column ${c}): expected ${fmt(expected[i])}, got ${fmt(out[i])}.` +
          (border
            ? ' At the border, average only the neighbours inside the image (divide by their number, not by 9).'
            : ' Average the 3 x 3 neighbourhood centred on the pixel, reading from the INPUT image (not from pixels already filtered).'),
      );
    }
  }
  pass(check, 'every pixel is the mean of its 3 x 3 neighbourhood inside the image.');
}
