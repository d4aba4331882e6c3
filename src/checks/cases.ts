/**
 * Known-answer checks: the student's function on a few small inputs whose answers were worked out
 * by hand, compared value by value. The instructors' hidden checks (cells tagged `hidden-check`)
 * use it to test an exercise on inputs the visible check does not show.
 */
import * as tf from '@tensorflow/tfjs';
import { AutograderError, callStudent, close, describe, fmt, pass } from './harness';

/** One known-answer case of {@link checkCases}. */
export interface KnownAnswerCase {
  /** What the inputs are, for messages (e.g. `"two images of 2 x 2 pixels"`). */
  readonly what: string;
  /** Calls the student's function on the case's inputs and returns what it returned. */
  readonly run: () => unknown;
  /** The answer worked out by hand: one number, or the values in order (nested arrays are read row by row). */
  readonly expected: number | ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>>;
  /** Relative tolerance (default 1e-4; an absolute 1e-5 is always allowed). */
  readonly tolerance?: number;
  /** A likely mistake to name when this case fails. */
  readonly hint?: string;
}

/** The numbers in a returned value: a number, a tensor, a typed array, or (nested) arrays of numbers; null when it is none of these. */
function numbersOf(value: unknown): number[] | null {
  if (typeof value === 'number') return [value];
  if (value instanceof tf.Tensor) return Array.from(value.dataSync());
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) {
    const out: number[] = [];
    for (const item of value) {
      const inner = numbersOf(item);
      if (inner === null) return null;
      out.push(...inner);
    }
    return out;
  }
  return null;
}

/**
 * Runs the student's function on every case and compares what it returned with the known answer,
 * value by value. Prints `✔ <check> passed: ...` when all agree; throws an {@link AutograderError}
 * naming the case, the first value that differs, what was expected and the case's hint otherwise.
 * A "not implemented yet" stub passes through untouched. Throws an Error for a check without cases.
 */
export function checkCases(check: string, cases: ReadonlyArray<KnownAnswerCase>): void {
  if (cases.length === 0) throw new Error(`checkCases(${check}): expected at least one case, got none`);
  for (const c of cases) {
    const expected = numbersOf(c.expected);
    if (expected === null || expected.length === 0) {
      throw new Error(`checkCases(${check}): the case "${c.what}" has no expected numbers`);
    }
    const returned = callStudent(check, c.what, c.run);
    const got = numbersOf(returned);
    const hint = c.hint ? ` ${c.hint}` : '';
    if (got === null) {
      throw new AutograderError(check, `on ${c.what}: expected numbers back, got ${describe(returned)}.${hint}`);
    }
    if (got.length !== expected.length) {
      throw new AutograderError(check, `on ${c.what}: expected ${expected.length} value(s), got ${got.length}.${hint}`);
    }
    const rel = c.tolerance ?? 1e-4;
    const at = expected.findIndex((e, i) => !close(got[i], e, rel));
    if (at >= 0) {
      const which = expected.length === 1 ? 'got' : `value ${at} is`;
      throw new AutograderError(check, `on ${c.what}: ${which} ${fmt(got[at])}, expected ${fmt(expected[at])}.${hint}`);
    }
  }
  pass(check, `${cases.length} known-answer case(s): ${cases.map((c) => c.what).join('; ')}.`);
}
