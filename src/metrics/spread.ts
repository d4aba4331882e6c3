/**
 * Run-to-run spread: the same experiment repeated with different seeds gives different numbers;
 * summarise them so a notebook can say whether a difference is larger than the noise.
 */

/** Summary of repeated runs of one experiment. */
export interface RunSpread {
  /** Number of runs. */
  readonly count: number;
  /** Smallest value. */
  readonly min: number;
  /** Median (mean of the two middle values for an even count). */
  readonly median: number;
  /** Largest value. */
  readonly max: number;
  /** Arithmetic mean. */
  readonly mean: number;
  /** Sample standard deviation (n - 1 in the denominator; 0 for a single run). */
  readonly std: number;
  /** The values, sorted ascending. */
  readonly sorted: readonly number[];
}

/**
 * Min, median, max, mean and sample standard deviation of `values` (one number per run).
 * Throws a RangeError for an empty list or a value that is not finite.
 */
export function runSpread(values: readonly number[]): RunSpread {
  if (values.length === 0) throw new RangeError('runSpread: expected at least one value, got an empty list');
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) throw new RangeError(`runSpread: value ${i} is ${v}; expected finite numbers`);
  });
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const std = n > 1 ? Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { count: n, min: sorted[0], median, max: sorted[n - 1], mean, std, sorted };
}

/** How many of the runs are at or below `threshold` (e.g. reach a target error). */
export function countAtOrBelow(spread: RunSpread, threshold: number): number {
  return spread.sorted.filter((v) => v <= threshold).length;
}
