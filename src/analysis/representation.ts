/**
 * Numbers that say how meaningful a representation is (PCA scores, AE codes, VAE means):
 * how well nearest neighbours agree on the digit, and how well the digits form separate clusters.
 */
import type { Rng } from '../rng';
import { nearestNeighbourClassify, type LabelledCodes, type NearestNeighbourMethod } from './nearest-neighbour';
import { checkCodesObject, checkInt, codeCount, intLabels } from '../util/validate';

/** Scores of one representation; higher is better for all three. */
export interface RepresentationScores {
  /**
   * 1-NN accuracy: train -> `test` when a test set is given, else leave-one-out on the codes
   * themselves (each point classified by its nearest other point).
   */
  readonly oneNnAccuracy: number;
  /**
   * Mean silhouette coefficient (Euclidean, in [-1, 1]) on a seeded subsample of at most
   * `subsample` points: for each point (b - a) / max(a, b), a = mean distance to its own class,
   * b = mean distance to the nearest other class.
   */
  readonly silhouette: number;
  /**
   * Fisher ratio on all points: trace of the between-class scatter over trace of the within-class
   * scatter (sum over classes of n_c |mean_c - mean|^2 over sum of |x - mean_class(x)|^2).
   */
  readonly fisherRatio: number;
  /** Points used for the silhouette. */
  readonly silhouetteCount: number;
}

/** Options of {@link representationScores}. */
export interface RepresentationScoreOptions {
  /** Held-out codes (with labels) for the 1-NN accuracy; without it, leave-one-out. */
  readonly test?: LabelledCodes;
  /** Largest silhouette sample (default 2000; the cost grows with its square). */
  readonly subsample?: number;
  /** Picks the silhouette sample when there are more points than `subsample` (required then). */
  readonly rng?: Rng;
  /** Search strategy of the 1-NN step (default auto). */
  readonly method?: NearestNeighbourMethod;
}

/** 1-NN accuracy, silhouette and Fisher ratio of labelled codes, to compare representations. */
export function representationScores(codes: LabelledCodes, options: RepresentationScoreOptions = {}): RepresentationScores {
  const where = 'representationScores';
  checkCodesObject(where, 'codes', codes);
  const { subsample = 2000, rng, test, method } = options;
  checkInt(where, 'subsample', subsample, 2);
  const d = codes.dims;
  const n = codeCount(where, codes.codes, d);
  if (codes.labels === undefined) throw new TypeError(`${where}: codes need labels (encode a dataset, or add { labels })`);
  const labels = intLabels(where, codes.labels, n);
  if (n < 2) throw new RangeError(`${where}: needs at least 2 points, got ${n}`);
  const oneNn = test
    ? nearestNeighbourClassify(codes, test, { method }).accuracy
    : nearestNeighbourClassify(codes, codes, { method, excludeSelf: true }).accuracy;

  // Fisher ratio on all points.
  const k = labels.reduce((a, b) => Math.max(a, b + 1), 0);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const total = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    counts[labels[i]]++;
    for (let j = 0; j < d; j++) {
      sums[labels[i] * d + j] += codes.codes[i * d + j];
      total[j] += codes.codes[i * d + j];
    }
  }
  let between = 0;
  for (let c = 0; c < k; c++) {
    if (counts[c] === 0) continue;
    for (let j = 0; j < d; j++) between += counts[c] * (sums[c * d + j] / counts[c] - total[j] / n) ** 2;
  }
  let within = 0;
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    for (let j = 0; j < d; j++) within += (codes.codes[i * d + j] - sums[c * d + j] / counts[c]) ** 2;
  }

  // Silhouette on a seeded subsample.
  let idx: Int32Array;
  if (n <= subsample) {
    idx = Int32Array.from({ length: n }, (_, i) => i);
  } else {
    if (!rng) throw new TypeError(`${where}: ${n} points exceed subsample = ${subsample}: pass an rng to pick the sample`);
    idx = rng.permutation(n).subarray(0, subsample);
  }
  const s = idx.length;
  const distSum = new Float64Array(k);
  const classCount = new Float64Array(k);
  for (let a = 0; a < s; a++) classCount[labels[idx[a]]]++;
  let silSum = 0;
  for (let a = 0; a < s; a++) {
    distSum.fill(0);
    const ia = idx[a];
    for (let b = 0; b < s; b++) {
      if (a === b) continue;
      const ib = idx[b];
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (codes.codes[ia * d + j] - codes.codes[ib * d + j]) ** 2;
      distSum[labels[ib]] += Math.sqrt(dist);
    }
    const own = labels[ia];
    if (classCount[own] < 2) continue; // silhouette of a singleton is 0
    const inner = distSum[own] / (classCount[own] - 1);
    let nearest = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && classCount[c] > 0) nearest = Math.min(nearest, distSum[c] / classCount[c]);
    if (nearest === Infinity) continue;
    const denom = Math.max(inner, nearest);
    silSum += denom > 0 ? (nearest - inner) / denom : 0;
  }
  return {
    oneNnAccuracy: oneNn,
    silhouette: silSum / s,
    fisherRatio: within > 0 ? between / within : Infinity,
    silhouetteCount: s,
  };
}
