/**
 * Autograder checks of notebooks 02 to 05 (the latent space): digit centroids, nearest-neighbour
 * classification, per-digit accuracy, cross-entropy of a classifier, the latent grid of a decoder;
 * and notebook 09's decoder grid on the prior's quantiles.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { normalQuantile } from '../util/normal-distribution';
import { AutograderError, pass, callStudent, toNumber, describe, close, fmt, diagnoseFactor, numberMatrix, type ScalarLike } from './harness';

/**
 * Checks `fn(codes, labels, dims)` returning the centroid (mean code) of each digit 0-9 as ten
 * arrays of `dims` numbers, from flat codes `[count * dims]`; a digit without codes gets NaNs.
 */
export function checkDigitCentroids(fn: (codes: Float32Array, labels: ArrayLike<number>, dims: number) => number[][]): void {
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
  const got = numberMatrix(
    check,
    callStudent(check, `${count} codes of ${dims} dimensions`, () => fn(codes, labels, dims)),
    10,
    dims,
    'the centroids',
  );
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
    throw new AutograderError(
      check,
      `expected one label per test code (${nTest}), got ${describe(got)}${got && typeof (got as ArrayLike<number>).length === 'number' ? ` of length ${(got as ArrayLike<number>).length}` : ''}`,
    );
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
    const got = toNumber(
      check,
      callStudent(check, `labels [${n}] and probs [${n}, ${k}]`, () => fn(tf.tensor1d(labels, 'int32'), tf.tensor2d(probs))),
    );
    if (!close(got, expected, 1e-4)) {
      const hint = diagnoseFactor(got, expected, [
        [n, 'you summed over the batch; take the mean'],
        [-1, 'the sign is flipped (the loss is -log p of the true class)'],
      ]);
      throw new AutograderError(check, `expected ${fmt(expected)} (mean over images of -log p[true class]), got ${fmt(got)}.${hint}`);
    }
    const zero = toNumber(
      check,
      callStudent(check, 'a zero probability for a wrong class', () => fn(tf.tensor1d([0], 'int32'), tf.tensor2d([[1, 0]]))),
    );
    if (!Number.isFinite(zero) || Math.abs(zero) > 1e-4) {
      throw new AutograderError(
        check,
        `a certain, correct prediction (p = 1 for the true class) must cost 0, got ${fmt(zero)}. Clip probabilities before the log.`,
      );
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
    throw new AutograderError(
      check,
      `expected a Float32Array of ${n * n * 2} numbers (n * n codes of 2), got ${describe(raw)}${raw && (raw as ArrayLike<number>).length !== undefined ? ` of length ${(raw as ArrayLike<number>).length}` : ''}`,
    );
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
 * Checks `fn(n)` returning the prior-quantile grid of a 2-d VAE (notebook 09): the codes of an
 * n x n grid, flat `[n * n * 2]`, cell (r, c) at index (r * n + c) * 2, whose coordinates are the
 * N(0, 1) quantiles of the probabilities p_k = (k + 0.5) / n: z0 = normalQuantile(p_c) grows from
 * left to right and z1 = normalQuantile(p_(n-1-r)) from bottom to top (row 0 holds the largest z1).
 * Each cell then stands for the same 1 / n^2 share of the prior. Tries n = 3, 2 and 6.
 */
export function checkPriorGrid(fn: (n: number) => ArrayLike<number>): void {
  const check = 'checkPriorGrid';
  for (const n of [3, 2, 6]) {
    const raw = callStudent(check, `n = ${n}`, () => fn(n));
    const length = raw && typeof (raw as ArrayLike<number>).length === 'number' ? (raw as ArrayLike<number>).length : undefined;
    if (length !== n * n * 2) {
      throw new AutograderError(
        check,
        `n = ${n}: expected ${n * n * 2} numbers (${n * n} codes of 2, row after row), got ${describe(raw)}${length !== undefined ? ` of length ${length}` : ''}`,
      );
    }
    const got = Array.from(raw as ArrayLike<number>, Number);
    const p = Array.from({ length: n }, (_, k) => (k + 0.5) / n);
    const q = p.map(normalQuantile);
    /** The grid whose column c holds x[c] and row r holds y[r] (or, when `swap`, the transpose). */
    const grid = (x: readonly number[], y: readonly number[], swap = false) =>
      Array.from({ length: n * n * 2 }, (_, i) => {
        const cell = Math.floor(i / 2);
        const [r, c] = swap ? [cell % n, Math.floor(cell / n)] : [Math.floor(cell / n), cell % n];
        return i % 2 === 0 ? x[c] : y[r];
      });
    const same = (a: readonly number[]) => a.every((v, i) => close(got[i], v, 1e-4, 1e-5));
    const expected = grid(q, [...q].reverse());
    if (same(expected)) continue;
    const wrong = expected.findIndex((v, i) => !close(got[i], v, 1e-4, 1e-5));
    const cell = Math.floor(wrong / 2);
    const [r, c] = [Math.floor(cell / n), cell % n];
    const row0 = Array.from({ length: n }, (_, k) => got[k * 2]);
    const steps = row0.slice(1).map((v, k) => v - row0[k]);
    const evenlySpaced = n >= 3 && steps.every((s) => close(s, steps[0], 1e-4, 1e-5)) && steps[0] !== 0;
    const hint = same(grid(q, q))
      ? ' The y axis is not flipped: in an image row 0 is at the TOP, so it must hold the LARGEST z1, like the top of a scatter plot.'
      : same(grid(q, [...q].reverse(), true))
        ? ' Rows and columns are swapped: z0 changes along a row (with the column index), z1 from row to row.'
        : same(grid(p, [...p].reverse()))
          ? ' These are the probabilities p_k themselves: turn each into a code with vl.normalQuantile(p).'
          : same(
                grid(
                  p.map((_, k) => normalQuantile((k + 1) / (n + 1))),
                  p.map((_, k) => normalQuantile((n - k) / (n + 1))),
                ),
              )
            ? ' You used p_k = (k + 1) / (n + 1): use the centre of each of n equal slices of probability, p_k = (k + 0.5) / n.'
            : evenlySpaced
              ? ` Your z0 values are evenly spaced (step ${fmt(steps[0])}): that is a lattice over a rectangle, not the prior's quantiles. ` +
                'Space the PROBABILITIES evenly, p_k = (k + 0.5) / n, and map each through vl.normalQuantile: the codes then crowd near 0, where the prior has most of its mass.'
              : ' Column c holds z0 = normalQuantile((c + 0.5) / n); row r holds z1 = normalQuantile((n - 1 - r + 0.5) / n).';
    throw new AutograderError(
      check,
      `n = ${n}: cell (row ${r}, column ${c}) should hold (${fmt(expected[cell * 2])}, ${fmt(expected[cell * 2 + 1])}), ` +
        `got (${fmt(got[cell * 2])}, ${fmt(got[cell * 2 + 1])}).${hint}`,
    );
  }
  pass(check, 'the 3 x 3, 2 x 2 and 6 x 6 grids sit on the N(0, 1) quantiles of (k + 0.5) / n, z0 left to right, z1 bottom to top.');
}
