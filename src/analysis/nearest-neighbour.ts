/**
 * Exact 1-nearest-neighbour search and classification in a latent space.
 *
 * `ml-knn` (a k-d tree on number[][]) was measured first: on 60,000 x 10,000 points in 2-D it needs
 * about 0.3 s per query (roughly an hour in all), so the default is an exact typed-array search
 * (0.5 s for all 10,000 queries in 2-D, 35 s in 16-D on 2 cores):
 * - `scan` (the default): training points sorted along their principal axis, and each query
 *   scans outwards from its position until the gap along that axis alone rules out every further
 *   point (exact; about sqrt(n) distance evaluations per query in 2-D);
 * - `matmul` (default above 8 dims on the native backend only): squared distances |q|^2 - 2 q.t + |t|^2 by TensorFlow.js
 *   matrix products over chunks of queries; the best 8 candidates of each query are re-ranked in
 *   float64, so float32 rounding cannot swap near-ties (exact unless it pushes the true neighbour
 *   out of the top 8).
 * `mlKnn` runs the ml-knn k-d tree (k = 1) for comparison.
 */
import * as tf from '@tensorflow/tfjs';
import { checkCodesObject, checkInt, codeCount, intLabels } from '../util/validate';

/**
 * Search strategy of the 1-NN search behind {@link nearestNeighbourClassify}. `auto` picks `scan`,
 * except `matmul` for more than 8 dims on the native `tensorflow` backend (on wasm/cpu the scan was
 * faster even at 16 dims).
 */
export type NearestNeighbourMethod = 'auto' | 'scan' | 'matmul' | 'mlKnn';

/** Options of {@link nearestNeighbourIndices}. */
export interface NearestNeighbourOptions {
  /** Search strategy (default `auto`). */
  readonly method?: NearestNeighbourMethod;
  /** Queries per matrix product for `matmul` (default: about 10 million distances per chunk). */
  readonly batchSize?: number;
  /**
   * Leave-one-out: query i never matches reference point i (use when the queries ARE the
   * reference set). Needs queryCount === referenceCount. Not supported by `mlKnn`.
   */
  readonly excludeSelf?: boolean;
}

/**
 * Index of the nearest reference point (Euclidean) for each query point.
 * Both sets are flat `[count * dims]`; ties go to the lower reference index (`scan`).
 */
export function nearestNeighbourIndices(
  reference: Float32Array,
  queries: Float32Array,
  dims: number,
  options: NearestNeighbourOptions = {},
): Int32Array {
  const where = 'nearestNeighbourIndices';
  const n = codeCount(where, reference, dims, 'reference');
  const m = codeCount(where, queries, dims, 'queries');
  const { method = 'auto', batchSize = Math.max(1, Math.floor(1e7 / n)), excludeSelf = false } = options;
  checkInt(where, 'batchSize', batchSize);
  if (excludeSelf && n !== m) {
    throw new RangeError(`${where}: excludeSelf needs the queries to be the reference set (${m} queries vs ${n} reference points)`);
  }
  if (excludeSelf && n < 2) throw new RangeError(`${where}: excludeSelf needs at least 2 points, got ${n}`);
  const chosen = method === 'auto' ? (dims > 8 && tf.getBackend() === 'tensorflow' ? 'matmul' : 'scan') : method;
  switch (chosen) {
    case 'scan':
      return scanSearch(reference, n, queries, m, dims, excludeSelf);
    case 'matmul':
      return matmulSearch(reference, n, queries, m, dims, batchSize, excludeSelf);
    case 'mlKnn':
      if (excludeSelf) throw new RangeError(`${where}: method 'mlKnn' does not support excludeSelf; use 'scan' or 'matmul'`);
      return mlKnnSearch(reference, n, queries, m, dims);
    default:
      throw new RangeError(`${where}: method must be auto, scan, matmul or mlKnn, got '${String(method)}'`);
  }
}

/** Unit vector along the direction of largest variance (power iteration on the covariance). */
function principalAxis(ref: Float32Array, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += ref[i * d + j] / n;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = ref[i * d + j] - mean[j];
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] += row[a] * row[b];
  }
  let u = new Float64Array(d).fill(1 / Math.sqrt(d));
  for (let it = 0; it < 100; it++) {
    const next = new Float64Array(d);
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) next[a] += cov[a * d + b] * u[b];
    const norm = Math.hypot(...next);
    if (!(norm > 0)) break;
    for (let a = 0; a < d; a++) next[a] /= norm;
    u = next;
  }
  return u;
}

function scanSearch(ref: Float32Array, n: number, q: Float32Array, m: number, d: number, excludeSelf: boolean): Int32Array {
  // Sort along the widest direction: |u.(t - q)| <= |t - q| for a unit u, so once the
  // projection gap alone exceeds the best distance, no further point can be nearer.
  const u = principalAxis(ref, n, d);
  const project = (a: Float32Array | Float64Array, i: number): number => {
    let s = 0;
    for (let j = 0; j < d; j++) s += u[j] * a[i * d + j];
    return s;
  };
  const proj = new Float64Array(n);
  for (let i = 0; i < n; i++) proj[i] = project(ref, i);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => proj[a] - proj[b] || a - b);
  const keys = new Float64Array(n);
  const pts = new Float64Array(n * d);
  for (let r = 0; r < n; r++) {
    const i = order[r];
    keys[r] = proj[i];
    for (let j = 0; j < d; j++) pts[r * d + j] = ref[i * d + j];
  }
  const out = new Int32Array(m);
  const qv = new Float64Array(d);
  for (let t = 0; t < m; t++) {
    for (let j = 0; j < d; j++) qv[j] = q[t * d + j];
    const qa = project(qv, 0);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid] < qa) lo = mid + 1;
      else hi = mid;
    }
    let best = Infinity;
    let bestIdx = -1;
    let left = lo - 1;
    let right = lo;
    const visit = (r: number): void => {
      const idx = order[r];
      if (excludeSelf && idx === t) return;
      let dist = 0;
      const base = r * d;
      for (let j = 0; j < d && dist <= best; j++) {
        const diff = pts[base + j] - qv[j];
        dist += diff * diff;
      }
      if (dist < best || (dist === best && idx < bestIdx)) {
        best = dist;
        bestIdx = idx;
      }
    };
    for (;;) {
      const dl = left >= 0 ? (qa - keys[left]) ** 2 : Infinity;
      const dr = right < n ? (keys[right] - qa) ** 2 : Infinity;
      if (dl === Infinity && dr === Infinity) break;
      // Keep scanning while the gap is <= best: equal gaps can still tie on the full distance.
      // (A small slack absorbs rounding of the projections.)
      if (dl > best * SLACK && dr > best * SLACK) break;
      if (dl <= dr) visit(left--);
      else visit(right++);
    }
    out[t] = bestIdx;
  }
  return out;
}

/** Relative slack on the pruning test so rounding in the projections never prunes a neighbour. */
const SLACK = 1 + 1e-9;

/** Candidates per query that `matmul` re-ranks in float64. */
const CANDIDATES = 8;

function matmulSearch(ref: Float32Array, n: number, q: Float32Array, m: number, d: number, batchSize: number, excludeSelf: boolean): Int32Array {
  const out = new Int32Array(m);
  const refT = tf.tensor2d(ref, [n, d]);
  const refNorm = tf.tidy(() => refT.square().sum(1).reshape([1, n]));
  // transposed once here: a transposed-operand matMul is ~10x slower on the wasm backend
  const refTT = refT.transpose();
  const cand = Math.min(CANDIDATES, n - (excludeSelf ? 1 : 0));
  for (let start = 0; start < m; start += batchSize) {
    const end = Math.min(m, start + batchSize);
    const idx = tf.tidy(() => {
      const qt = tf.tensor2d(q.subarray(start * d, end * d), [end - start, d]);
      // |q|^2 is constant per row, so it does not change the ranking.
      let dist = refNorm.sub(tf.matMul(qt, refTT).mul(2));
      if (excludeSelf) {
        const self = tf.oneHot(tf.range(start, end, 1, 'int32'), n).cast('bool');
        dist = tf.where(self, tf.fill(dist.shape, Infinity), dist);
      }
      return tf.topk(dist.neg(), cand).indices;
    });
    const top = idx.dataSync() as Int32Array;
    idx.dispose();
    // float32 rounding of the expanded form can swap near-ties: re-rank the candidates exactly.
    for (let t = start; t < end; t++) {
      let best = Infinity;
      let bestIdx = -1;
      for (let c = 0; c < cand; c++) {
        const i = top[(t - start) * cand + c];
        let dist = 0;
        for (let j = 0; j < d; j++) dist += (ref[i * d + j] - q[t * d + j]) ** 2;
        if (dist < best || (dist === best && i < bestIdx)) {
          best = dist;
          bestIdx = i;
        }
      }
      out[t] = bestIdx;
    }
  }
  tf.dispose([refT, refTT, refNorm]);
  return out;
}

interface MlKnnInstance {
  predict(points: number[][]): number[];
}
type MlKnnConstructor = new (points: number[][], labels: number[], options: { k: number }) => MlKnnInstance;

function mlKnnSearch(ref: Float32Array, n: number, q: Float32Array, m: number, d: number): Int32Array {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const KNN = require('ml-knn') as MlKnnConstructor;
  const rows = (a: Float32Array, count: number): number[][] => Array.from({ length: count }, (_, i) => Array.from(a.subarray(i * d, (i + 1) * d)));
  // Using the index as the "label" makes the 1-NN prediction the neighbour's index.
  const indexLabels = Array.from({ length: n }, (_, i) => i);
  const knn = new KNN(rows(ref, n), indexLabels, { k: 1 });
  return Int32Array.from(knn.predict(rows(q, m)));
}

/** Codes with their class labels, e.g. the result of `encodeDataset` on a dataset. */
export interface LabelledCodes {
  /** Flat codes `[count * dims]`. */
  readonly codes: Float32Array;
  /** Dimensions per code. */
  readonly dims: number;
  /** One class per code. */
  readonly labels?: ArrayLike<number>;
}

/** Chance levels to compare a classifier's accuracy with. */
export interface ChanceLevels {
  /** 1 / numClasses: guessing uniformly. */
  readonly uniform: number;
  /** Always answering the most frequent training class: its share of the test set. */
  readonly majority: number;
  /** Guessing at random with the training label frequencies: sum_c p_train(c) p_test(c). */
  readonly labelFrequency: number;
}

/** Accuracy figures of a classifier on a labelled test set. */
export interface ClassificationReport {
  /** Predicted class per test item. */
  readonly predictions: Int32Array;
  /** Share of test items classified correctly. */
  readonly accuracy: number;
  /** Accuracy per true class (NaN for a class absent from the test set). */
  readonly perClassAccuracy: number[];
  /** Test items per true class. */
  readonly perClassCount: number[];
  /** `confusion[true][predicted]` counts. */
  readonly confusion: number[][];
  /** Number of classes. */
  readonly numClasses: number;
  /** What guessing would score. */
  readonly chance: ChanceLevels;
}

/** Options of {@link nearestNeighbourClassify}. */
export interface NearestNeighbourClassifyOptions extends NearestNeighbourOptions {
  /** Number of classes (default: 1 + the largest label seen). */
  readonly numClasses?: number;
}

/**
 * 1-NN classification: each test code takes the label of its nearest training code.
 * Returns overall and per-class accuracy, the confusion matrix and chance levels.
 * Pass the same object as `train` and `test` with `excludeSelf: true` for leave-one-out.
 */
export function nearestNeighbourClassify(
  train: LabelledCodes,
  test: LabelledCodes,
  options: NearestNeighbourClassifyOptions = {},
): ClassificationReport {
  const where = 'nearestNeighbourClassify';
  checkCodesObject(where, 'train', train);
  checkCodesObject(where, 'test', test);
  if (train.dims !== test.dims) {
    throw new RangeError(`${where}: train codes have ${train.dims} dims but test codes have ${test.dims}; expected the same space`);
  }
  const n = codeCount(where, train.codes, train.dims, 'train.codes');
  const m = codeCount(where, test.codes, test.dims, 'test.codes');
  if (train.labels === undefined || test.labels === undefined) {
    throw new TypeError(`${where}: train and test need labels (encode a dataset, or add { labels })`);
  }
  const trainLabels = intLabels(where, train.labels, n, 'train.labels');
  const testLabels = intLabels(where, test.labels, m, 'test.labels');
  const nn = nearestNeighbourIndices(train.codes, test.codes, train.dims, options);
  const predictions = new Int32Array(m);
  for (let i = 0; i < m; i++) predictions[i] = trainLabels[nn[i]];
  return classificationReport(testLabels, predictions, trainLabels, options.numClasses);
}

/**
 * Accuracy, per-class accuracy, confusion matrix and chance levels of predictions.
 * `trainLabels` (optional) give the label frequencies for the majority / frequency chance levels;
 * without them the test labels are used.
 */
export function classificationReport(
  trueLabels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  trainLabels?: ArrayLike<number>,
  numClasses?: number,
): ClassificationReport {
  const where = 'classificationReport';
  if (trueLabels == null || typeof trueLabels.length !== 'number') throw new TypeError(`${where}: trueLabels must be an array of class indices`);
  const m = trueLabels.length;
  if (m === 0) throw new RangeError(`${where}: no test items`);
  const truth = intLabels(where, trueLabels, m, 'trueLabels');
  const pred = intLabels(where, predictions, m, 'predictions');
  const prior = trainLabels ? intLabels(where, trainLabels, trainLabels.length, 'trainLabels') : truth;
  let k = numClasses ?? 0;
  if (numClasses === undefined) {
    for (const a of [truth, pred, prior]) for (let i = 0; i < a.length; i++) k = Math.max(k, a[i] + 1);
  } else {
    checkInt(where, 'numClasses', numClasses);
    for (const [name, a] of [
      ['labels', truth],
      ['predictions', pred],
      ['trainLabels', prior],
    ] as const) {
      for (let i = 0; i < a.length; i++) {
        if (a[i] >= k) throw new RangeError(`${where}: ${name}[${i}] = ${a[i]} is not below numClasses = ${k}`);
      }
    }
  }
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < m; i++) {
    confusion[truth[i]][pred[i]]++;
    if (truth[i] === pred[i]) correct++;
  }
  const perClassCount = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const perClassAccuracy = confusion.map((row, c) => (perClassCount[c] > 0 ? row[c] / perClassCount[c] : NaN));
  const priorCount = new Array<number>(k).fill(0);
  for (let i = 0; i < prior.length; i++) priorCount[prior[i]]++;
  let majorityClass = 0;
  for (let c = 1; c < k; c++) if (priorCount[c] > priorCount[majorityClass]) majorityClass = c;
  let labelFrequency = 0;
  for (let c = 0; c < k; c++) labelFrequency += (priorCount[c] / prior.length) * (perClassCount[c] / m);
  return {
    predictions: pred,
    accuracy: correct / m,
    perClassAccuracy,
    perClassCount,
    confusion,
    numClasses: k,
    chance: { uniform: 1 / k, majority: perClassCount[majorityClass] / m, labelFrequency },
  };
}
