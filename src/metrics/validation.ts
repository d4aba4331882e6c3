/**
 * Tuning without peeking: a seeded split of a dataset into a validation part (used to choose a
 * setting, e.g. the MAP beta or the best filter) and a report part (the images whose numbers are
 * published), and a chooser that gives the scoring function the validation part only.
 */
import { selectDataset } from '../data/subsets';
import { Rng } from '../rng';
import type { ImageDataset } from '../types';

/** A dataset split in two disjoint parts. */
export interface ValidationSplit {
  /** Images to choose settings on (never reported). */
  readonly validation: ImageDataset;
  /** Images to report numbers on (never used to choose). */
  readonly report: ImageDataset;
  /** Indices into the source dataset of the validation images (ascending). */
  readonly validationIndices: Int32Array;
  /** Indices into the source dataset of the report images (ascending). */
  readonly reportIndices: Int32Array;
}

/** Options of {@link splitValidation}: the size of the validation part (one of the two) and the random source. */
export interface SplitValidationOptions {
  /** Number of validation images (an integer in [1, count - 1]). */
  readonly validationCount?: number;
  /** Fraction of the images for validation, in (0, 1); rounded to the nearest count, at least 1 and at most count - 1. */
  readonly validationFraction?: number;
  /** The random source (same seed, same split). */
  readonly rng: Rng;
}

/**
 * Splits `data` at random (seeded) into a validation part and a disjoint report part; both keep
 * the source order. Give exactly one of `validationCount` or `validationFraction`.
 *
 * @example
 * const { validation, report } = splitValidation(mnist.test, { validationFraction: 0.2, rng: new Rng(0) });
 */
export function splitValidation(data: ImageDataset, options: SplitValidationOptions): ValidationSplit {
  const where = 'splitValidation';
  if (data == null || !(data.images instanceof Float32Array) || !Number.isInteger(data.count)) {
    throw new TypeError(`${where}: data must be an ImageDataset (images, labels, count, rows, cols)`);
  }
  if (data.count < 2) throw new RangeError(`${where}: data holds ${data.count} image(s); a split needs at least 2`);
  const { validationCount, validationFraction, rng } = options ?? ({} as SplitValidationOptions);
  if (!(rng instanceof Rng)) throw new TypeError(`${where}: pass rng, an Rng (the one random source), e.g. new Rng(0)`);
  if ((validationCount === undefined) === (validationFraction === undefined)) {
    throw new TypeError(`${where}: give exactly one of validationCount or validationFraction`);
  }
  let n: number;
  if (validationFraction !== undefined) {
    if (!(typeof validationFraction === 'number' && validationFraction > 0 && validationFraction < 1)) {
      throw new RangeError(`${where}: validationFraction must be a number in (0, 1), got ${validationFraction}`);
    }
    n = Math.min(data.count - 1, Math.max(1, Math.round(validationFraction * data.count)));
  } else {
    n = validationCount as number;
    if (!Number.isInteger(n) || n < 1 || n > data.count - 1) {
      throw new RangeError(`${where}: validationCount must be an integer in [1, ${data.count - 1}] (both parts non-empty), got ${n}`);
    }
  }
  const order = rng.permutation(data.count);
  const validationIndices = order.slice(0, n).sort();
  const reportIndices = order.slice(n).sort();
  return {
    validation: selectDataset(data, validationIndices),
    report: selectDataset(data, reportIndices),
    validationIndices,
    reportIndices,
  };
}

/** Which way is better for {@link chooseOnValidation}. */
export type ValidationGoal = 'minimize' | 'maximize';

/** One candidate's validation score. */
export interface ValidationScore<C> {
  readonly candidate: C;
  readonly score: number;
}

/** What {@link chooseOnValidation} returns. */
export interface ValidationChoice<C> {
  /** The candidate with the best validation score (the first one on a tie). */
  readonly chosen: C;
  /** Its position in the candidate list. */
  readonly chosenIndex: number;
  /** Its validation score. */
  readonly chosenScore: number;
  /** Every candidate's validation score, in candidate order. */
  readonly scores: ReadonlyArray<ValidationScore<C>>;
  /** The goal the scores were compared with. */
  readonly goal: ValidationGoal;
  /** Number of validation images the scores were measured on. */
  readonly validationCount: number;
  /** The report images: measure the chosen candidate on these (and only it). */
  readonly report: ImageDataset;
}

/** Options of {@link chooseOnValidation}. */
export interface ChooseOnValidationOptions {
  /** `minimize` (errors, distances) or `maximize` (PSNR, SSIM, accuracy); no default, so it is never wrong by omission. */
  readonly goal: ValidationGoal;
}

function checkChoice<C>(where: string, split: ValidationSplit, candidates: readonly C[], score: unknown, options: ChooseOnValidationOptions): void {
  if (split == null || split.validation == null || split.report == null) {
    throw new TypeError(`${where}: split must be a ValidationSplit from splitValidation(data, { validationFraction, rng })`);
  }
  if (!Array.isArray(candidates) || candidates.length === 0) throw new RangeError(`${where}: candidates must be a non-empty array`);
  if (typeof score !== 'function') throw new TypeError(`${where}: score must be a function (candidate, validation) => number`);
  const goal = options?.goal;
  if (goal !== 'minimize' && goal !== 'maximize') throw new TypeError(`${where}: options.goal must be 'minimize' or 'maximize', got ${String(goal)}`);
}

function choose<C>(
  where: string,
  split: ValidationSplit,
  candidates: readonly C[],
  values: readonly number[],
  goal: ValidationGoal,
): ValidationChoice<C> {
  values.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`${where}: the score of candidate ${i} (${describe(candidates[i])}) is ${String(v)}; expected a finite number`);
    }
  });
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    if (goal === 'minimize' ? values[i] < values[best] : values[i] > values[best]) best = i;
  }
  return {
    chosen: candidates[best],
    chosenIndex: best,
    chosenScore: values[best],
    scores: candidates.map((candidate, i) => ({ candidate, score: values[i] })),
    goal,
    validationCount: split.validation.count,
    report: split.report,
  };
}

function describe(c: unknown): string {
  try {
    const s = JSON.stringify(c);
    return s === undefined ? String(c) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(c);
  }
}

/**
 * Chooses a setting on the validation part of a split: calls `score(candidate, validation)` for
 * each candidate (never with the report part) and returns the best one with every score, plus
 * the report part to measure the chosen setting on. Non-finite scores are refused.
 *
 * @example
 * const split = splitValidation(noisyTest, { validationFraction: 0.2, rng: new Rng(0) });
 * const { chosen: beta, report } = chooseOnValidation(split, [0.1, 0.3, 1, 3], (b, val) => denoiseMse(b, val), { goal: 'minimize' });
 * // publish numbers of beta on `report` only
 */
export function chooseOnValidation<C>(
  split: ValidationSplit,
  candidates: readonly C[],
  score: (candidate: C, validation: ImageDataset, index: number) => number,
  options: ChooseOnValidationOptions,
): ValidationChoice<C> {
  const where = 'chooseOnValidation';
  checkChoice(where, split, candidates, score, options);
  const values = candidates.map((c, i) => {
    const v = score(c, split.validation, i) as unknown;
    if (v instanceof Promise) throw new TypeError(`${where}: score returned a Promise; use chooseOnValidationAsync for an async score`);
    return v as number;
  });
  return choose(where, split, candidates, values, options.goal);
}

/** {@link chooseOnValidation} for a score that is async (e.g. one that trains a model); candidates are scored one after another. */
export async function chooseOnValidationAsync<C>(
  split: ValidationSplit,
  candidates: readonly C[],
  score: (candidate: C, validation: ImageDataset, index: number) => Promise<number> | number,
  options: ChooseOnValidationOptions,
): Promise<ValidationChoice<C>> {
  const where = 'chooseOnValidationAsync';
  checkChoice(where, split, candidates, score, options);
  const values: number[] = [];
  for (let i = 0; i < candidates.length; i++) values.push(await score(candidates[i], split.validation, i));
  return choose(where, split, candidates, values, options.goal);
}
