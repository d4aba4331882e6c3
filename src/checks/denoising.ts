/**
 * Autograder checks of notebooks 10 and 13 (denoising): the 3 x 3 box filter and the MAP objective.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { AutograderError, pass, callStudent, toNumber, close, fmt, describe, randomImages, newPixelArray, type ScalarLike } from './harness';

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
  const out = newPixelArray(
    check,
    callStudent(check, `${count} images of ${rows} x ${cols}`, () => fn(images, rows, cols)),
    images.length,
    images,
    copy,
  );
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
      const got = toNumber(
        check,
        callStudent(check, `beta = ${beta}`, () => fn(tf.tensor2d(noisy), tf.tensor2d(decoded), tf.tensor2d(z), beta)),
      );
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

/** The MAP objective a {@link MapDenoiser} minimises: `(noisy, decoded, z, beta)` to one number (notebook 13's `mapObjective`). */
export type MapObjective = (noisy: tf.Tensor2D, decoded: tf.Tensor2D, z: tf.Tensor2D, beta: number) => tf.Scalar;

/** Settings of one MAP search in the latent space. */
export interface MapSearchOptions {
  /** Size of the code z. */
  readonly latentDim: number;
  /** Weight of the prior term. */
  readonly beta: number;
  /** Adam steps on z. */
  readonly iterations: number;
  /** Adam's learning rate. */
  readonly learningRate: number;
}

/** What a MAP search returns: the decoded estimates (flat, image after image) and the objective before every step. */
export interface MapSearchResult {
  readonly estimates: Float32Array;
  readonly losses: number[];
}

/**
 * A student's MAP search (5LSL0 Exercise 8b): minimise `objective(noisy, decode(z), z, beta)` over the code z
 * alone, from z = 0, with `iterations` Adam steps, and return the decoded codes and the objective per step.
 */
export type MapDenoiser = (
  objective: MapObjective,
  decode: (z: tf.Tensor2D) => tf.Tensor2D,
  noisy: tf.Tensor2D,
  options: MapSearchOptions,
) => MapSearchResult;

/** z* = x W^T (W W^T + beta I)^-1 for a linear decoder z -> z W with W [2, d], solved in double precision. */
function ridgeCodes(x: number[][], w: number[][], beta: number): number[][] {
  const a = w[0].reduce((s, v) => s + v * v, 0) + beta;
  const b = w[0].reduce((s, v, j) => s + v * w[1][j], 0);
  const c = w[1].reduce((s, v) => s + v * v, 0) + beta;
  const det = a * c - b * b;
  return x.map((row) => {
    const p = row.reduce((s, v, j) => s + v * w[0][j], 0);
    const q = row.reduce((s, v, j) => s + v * w[1][j], 0);
    return [(c * p - b * q) / det, (a * q - b * p) / det];
  });
}

/**
 * Checks a MAP search in the latent space (5LSL0 Exercise 8b) on a linear decoder z -> z W, whose MAP code
 * has a closed form (ridge regression): the search must start at z = 0 (its first objective is the mean
 * squared norm of the noisy images), record one objective per step, optimise z only (the decoder's
 * weights stay as they are), reach the closed-form estimate for two values of beta, and not leave a
 * tensor behind at every step.
 */
export function checkMapDenoise(fn: MapDenoiser): void {
  const check = 'checkMapDenoise';
  const rng = new Rng(check);
  const n = 3;
  const d = 6;
  const latentDim = 2;
  const iterations = 300;
  const learningRate = 0.05;
  const x = randomImages(rng, n, d, false);
  const w = Array.from({ length: latentDim }, () => Array.from({ length: d }, () => rng.normal()));
  const objective: MapObjective = (noisy, decoded, z, beta) =>
    tf.tidy(() => tf.mean(tf.add(tf.sum(tf.squaredDifference(noisy, decoded), 1), tf.mul(beta, tf.sum(tf.square(z), 1)))) as tf.Scalar);
  const weights = tf.variable(tf.tensor2d(w), true, `${check}-decoder-weights`);
  const weightsAtStart = weights.arraySync();
  const decode = (z: tf.Tensor2D): tf.Tensor2D => tf.matMul(z, weights);
  const noisy = tf.tensor2d(x);
  const startObjective = x.reduce((s, row) => s + row.reduce((t, v) => t + v * v, 0), 0) / n;
  try {
    for (const beta of [0.5, 3]) {
      const before = tf.memory().numTensors;
      const result = callStudent(check, `beta = ${beta}`, () => fn(objective, decode, noisy, { latentDim, beta, iterations, learningRate }));
      const leaked = tf.memory().numTensors - before;
      if (result === null || typeof result !== 'object') {
        throw new AutograderError(check, `expected an object { estimates, losses }, got ${describe(result)}`);
      }
      const { estimates, losses } = result as Partial<MapSearchResult>;
      if (!(estimates instanceof Float32Array) || estimates.length !== n * d) {
        throw new AutograderError(
          check,
          `expected estimates to be a Float32Array of ${n} x ${d} = ${n * d} values (the decoded codes, image after image), got ${describe(estimates)}`,
        );
      }
      if (!Array.isArray(losses) || losses.length !== iterations || losses.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        throw new AutograderError(
          check,
          `expected losses to be an array of ${iterations} finite numbers (the objective at every Adam step), got ${describe(losses)}${Array.isArray(losses) ? ` of length ${losses.length}` : ''}`,
        );
      }
      const weightsNow = weights.arraySync();
      if (weightsNow.some((row, i) => row.some((v, j) => v !== weightsAtStart[i][j]))) {
        throw new AutograderError(
          check,
          "the decoder's weights changed: the search must optimise the code z only. Give the optimiser the list of variables it may change.",
        );
      }
      if (!close(losses[0], startObjective, 1e-4)) {
        throw new AutograderError(
          check,
          `the first objective is ${fmt(losses[0])}, but the search should start at z = 0 (the most probable code under the prior), where it is ${fmt(startObjective)} here.`,
        );
      }
      const zStar = ridgeCodes(x, w, beta);
      const expected = zStar.flatMap((z) => w[0].map((_, j) => z[0] * w[0][j] + z[1] * w[1][j]));
      const worst = expected.reduce((m, e, i) => Math.max(m, Math.abs(estimates[i] - e)), 0);
      if (worst > 1e-3) {
        const decreased = losses[losses.length - 1] < losses[0];
        throw new AutograderError(
          check,
          `with beta = ${beta} the estimates are up to ${fmt(worst)} away from the MAP estimate (for this linear decoder it has a closed form).` +
            (decreased
              ? ' The objective went down but not to its minimum: are the estimates the decoded codes after the LAST step, and does every step use the same beta?'
              : ' The objective did not go down: minimise it (not maximise), and let the optimiser change z (a tf.variable).'),
        );
      }
      // A tfjs optimiser keeps a tensor or two after dispose() whatever the student does: only a leak per step counts.
      if (leaked >= iterations / 2) {
        throw new AutograderError(
          check,
          `the search left ${leaked} tensors in memory, about one per step; over many images that exhausts it. Dispose the loss each step returns (and the code variable and the optimiser at the end).`,
        );
      }
    }
  } finally {
    tf.dispose([weights, noisy]);
  }
  pass(
    check,
    `from z = 0, ${iterations} Adam steps on z alone reach the MAP estimate of a linear decoder for beta = 0.5 and 3, with no tensor left behind per step.`,
  );
}
