/** ROC curve and area under it, for anomaly scores (higher score = more anomalous). */

/** Points of an ROC curve, from (0, 0) to (1, 1). */
export interface RocCurve {
  /** False-positive rate at each threshold. */
  readonly fpr: number[];
  /** True-positive rate at each threshold. */
  readonly tpr: number[];
  /** Score threshold of each point: items with score >= threshold are flagged (first is +Infinity). */
  readonly thresholds: number[];
  /** Number of anomalies (positives). */
  readonly positives: number;
  /** Number of normal items (negatives). */
  readonly negatives: number;
}

function check(where: string, scores: ArrayLike<number>, isAnomaly: ArrayLike<boolean | number>): void {
  if (scores == null || isAnomaly == null) throw new TypeError(`${where}: pass scores and isAnomaly arrays`);
  if (scores.length !== isAnomaly.length) {
    throw new RangeError(`${where}: ${scores.length} scores but ${isAnomaly.length} isAnomaly flags; expected one flag per score`);
  }
  if (scores.length === 0) throw new RangeError(`${where}: no scores`);
  for (let i = 0; i < scores.length; i++) {
    if (Number.isNaN(scores[i]) || typeof scores[i] !== 'number') throw new RangeError(`${where}: scores[${i}] = ${scores[i]} is not a number`);
    const f = isAnomaly[i];
    if (!(f === true || f === false || f === 0 || f === 1)) {
      throw new RangeError(`${where}: isAnomaly[${i}] = ${String(f)}, expected true/false or 1/0`);
    }
  }
}

/**
 * ROC curve of anomaly scores: one point per distinct score (ties move together, so the curve
 * has a diagonal step there). Needs at least one anomaly and one normal item.
 */
export function rocCurve(scores: ArrayLike<number>, isAnomaly: ArrayLike<boolean | number>): RocCurve {
  const where = 'rocCurve';
  check(where, scores, isAnomaly);
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (isAnomaly[i]) positives++;
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new RangeError(`${where}: needs both anomalies and normal items, got ${positives} anomalies and ${negatives} normal`);
  }
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let tp = 0;
  let fp = 0;
  for (let r = 0; r < n;) {
    const s = scores[order[r]];
    while (r < n && scores[order[r]] === s) {
      if (isAnomaly[order[r]]) tp++;
      else fp++;
      r++;
    }
    fpr.push(fp / negatives);
    tpr.push(tp / positives);
    thresholds.push(s);
  }
  return { fpr, tpr, thresholds, positives, negatives };
}

/**
 * Area under an ROC curve (trapezoid rule), from a curve or straight from scores and flags.
 * Equals the probability that a random anomaly scores above a random normal item (ties count half).
 */
export function auc(curveOrScores: RocCurve | ArrayLike<number>, isAnomaly?: ArrayLike<boolean | number>): number {
  let curve: RocCurve;
  if (isAnomaly !== undefined) {
    curve = rocCurve(curveOrScores as ArrayLike<number>, isAnomaly);
  } else if (typeof curveOrScores === 'object' && curveOrScores !== null && 'fpr' in curveOrScores && 'tpr' in curveOrScores) {
    curve = curveOrScores;
  } else {
    throw new TypeError('auc: pass an RocCurve, or scores and isAnomaly flags');
  }
  const { fpr, tpr } = curve;
  if (fpr.length !== tpr.length || fpr.length < 2) throw new RangeError('auc: curve needs matching fpr/tpr with at least 2 points');
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return area;
}
