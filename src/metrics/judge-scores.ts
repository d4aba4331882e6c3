/**
 * Scores of a classifier's predictions on a set of images (the Inception-Score family): how sure
 * the judge is (mean max-probability, mean entropy), how varied the classes are (class histogram,
 * marginal entropy), and both at once, IS = exp(E_x[KL(p(y|x) || p(y))]).
 */
import { flatFeatures, type FeatureMatrix } from './frechet';

/** Class probabilities: one row per image, one column per class, each row summing to 1. */
export type ProbabilityMatrix = FeatureMatrix;

/** Scores of a set of images computed from the judge's class probabilities (the part of `JudgeScores` that needs no reference). */
export interface ProbabilityScores {
  /** Number of rows (images). */
  readonly count: number;
  /** Number of classes (columns). */
  readonly numClasses: number;
  /** Mean over images of the largest class probability, in [1/numClasses, 1]. */
  readonly confidence: number;
  /** Mean over images of the entropy of p(y|x), in nats, in [0, ln numClasses]. */
  readonly entropy: number;
  /** The marginal class distribution p(y) = mean over images of p(y|x). */
  readonly marginal: Float64Array;
  /** Entropy of the marginal p(y), in nats (ln numClasses when every class is equally frequent). */
  readonly marginalEntropy: number;
  /**
   * exp(mean over images of KL(p(y|x) || p(y))), in [1, numClasses]: numClasses when every image is
   * confidently one class and the classes are equally frequent, 1 when all predictions are the same.
   */
  readonly inceptionScore: number;
  /** How many images have each class as their most probable one (ties go to the lower class). */
  readonly classHistogram: Int32Array;
}

/** Rows must sum to 1 within this (float32 softmax outputs are a little off). */
export const PROBABILITY_SUM_TOLERANCE = 1e-3;

/**
 * Confidence, entropy, Inception-Score-like score and class histogram of a table of class
 * probabilities (rows = images). Rows must hold finite non-negative values summing to 1 (within
 * {@link PROBABILITY_SUM_TOLERANCE}; they are renormalised). Logarithms are natural; 0 log 0 = 0.
 */
export function probabilityScores(probabilities: ProbabilityMatrix | ReadonlyArray<ArrayLike<number>>): ProbabilityScores {
  const where = 'probabilityScores';
  const { values, count, dims: numClasses } = flatFeatures(where, 'probabilities', probabilities);
  if (count < 1) throw new RangeError(`${where}: probabilities has no rows; expected one row per image`);
  if (numClasses < 2) throw new RangeError(`${where}: probabilities has ${numClasses} column; expected one column per class (at least 2)`);
  const p = new Float64Array(count * numClasses);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let k = 0; k < numClasses; k++) {
      const v = values[i * numClasses + k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new RangeError(`${where}: probabilities row ${i}, class ${k} is ${String(v)}; expected a finite number >= 0`);
      }
      sum += v;
    }
    if (Math.abs(sum - 1) > PROBABILITY_SUM_TOLERANCE) {
      throw new RangeError(`${where}: probabilities row ${i} sums to ${sum}; expected 1 (softmax outputs, not logits)`);
    }
    for (let k = 0; k < numClasses; k++) p[i * numClasses + k] = values[i * numClasses + k] / sum;
  }
  const xlogx = (v: number): number => (v > 0 ? v * Math.log(v) : 0);
  const marginal = new Float64Array(numClasses);
  const classHistogram = new Int32Array(numClasses);
  let confidence = 0;
  let entropy = 0;
  for (let i = 0; i < count; i++) {
    let best = 0;
    let h = 0;
    for (let k = 0; k < numClasses; k++) {
      const v = p[i * numClasses + k];
      marginal[k] += v;
      h -= xlogx(v);
      if (v > p[i * numClasses + best]) best = k;
    }
    classHistogram[best]++;
    confidence += p[i * numClasses + best];
    entropy += h;
  }
  for (let k = 0; k < numClasses; k++) marginal[k] /= count;
  let meanKl = 0;
  for (let i = 0; i < count; i++) {
    let kl = 0;
    for (let k = 0; k < numClasses; k++) {
      const v = p[i * numClasses + k];
      if (v > 0) kl += v * (Math.log(v) - Math.log(marginal[k]));
    }
    meanKl += kl;
  }
  meanKl /= count;
  let marginalEntropy = 0;
  for (let k = 0; k < numClasses; k++) marginalEntropy -= xlogx(marginal[k]);
  return {
    count,
    numClasses,
    confidence: confidence / count,
    entropy: entropy / count,
    marginal,
    marginalEntropy,
    // KL >= 0 mathematically; rounding can leave -1e-17
    inceptionScore: Math.exp(Math.max(0, meanKl)),
    classHistogram,
  };
}
