/**
 * The check harness every autograder check runs on: the error a failing check throws, calling the
 * student's function (a "not implemented" stub passes through untouched), reading what it returned
 * (numbers, tensors, matrices), tolerant comparison, number formatting, naming a common mistake by
 * the factor it is off, the pass line, and synthetic images.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';

/** Every stub the student-notebook generator writes throws an Error whose message starts with this. */
export const NOT_IMPLEMENTED_PREFIX = 'Not implemented yet';

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
export function pass(check: string, detail: string): void {
  console.log(`\u2714 ${check} passed: ${detail}`);
}

/** Calls the student's function; "not implemented" stubs pass through, other errors get context. */
export function callStudent<T>(check: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as Error;
    if (typeof e?.message === 'string' && e.message.startsWith(NOT_IMPLEMENTED_PREFIX)) throw e;
    throw new AutograderError(check, `your function threw an error when called with ${what}: ${e?.message ?? String(err)}`);
  }
}

/** The number inside a ScalarLike, or an AutograderError saying it is not a scalar. */
export function toNumber(check: string, value: unknown): number {
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
export function tensorValues(check: string, value: unknown, shape: readonly number[], name: string): Float32Array {
  if (!(value instanceof tf.Tensor)) {
    throw new AutograderError(check, `expected ${name} to be a tf.Tensor of shape [${shape.join(', ')}], got ${describe(value)}`);
  }
  if (value.rank !== shape.length || (value.shape as number[]).some((d: number, i: number) => d !== shape[i])) {
    throw new AutograderError(check, `expected ${name} of shape [${shape.join(', ')}], got [${value.shape.join(', ')}]`);
  }
  return Float32Array.from(value.dataSync());
}

/** A short description of a value a student returned, for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined (did you forget to return the result?)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value;
}

/** True when `a` is within `abs + rel * |b|` of the reference `b`. */
export function close(a: number, b: number, rel = 1e-4, abs = 1e-5): boolean {
  return Math.abs(a - b) <= abs + rel * Math.abs(b);
}

/** A number with six significant digits, for messages. */
export function fmt(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : String(x);
}

/** Names the common mistake when `got` equals `expected` times a known factor. */
export function diagnoseFactor(got: number, expected: number, factors: ReadonlyArray<[number, string]>): string {
  for (const [factor, mistake] of factors) {
    if (close(got, expected * factor, 1e-3, 1e-6)) return ` It looks like ${mistake}.`;
  }
  return '';
}

/** `n` synthetic images of `d` pixels from `rng`: binary (30% ones) or grey values in (0.02, 0.98). */
export function randomImages(rng: Rng, n: number, d: number, binary: boolean): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: d }, () => (binary ? (rng.uniform() < 0.3 ? 1 : 0) : 0.02 + 0.96 * rng.uniform())));
}

/** `value` as `rows` rows of `cols` numbers (arrays or typed arrays), or an AutograderError naming `name`. */
export function numberMatrix(check: string, value: unknown, rows: number, cols: number, name: string): number[][] {
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
 * What a student's image function returned, checked to be a new Float32Array of `n` pixels with the
 * input `images` (equal to `copy`) left untouched; `modified` is the message when the input changed.
 */
export function newPixelArray(
  check: string,
  raw: unknown,
  n: number,
  images: Float32Array,
  copy: Float32Array,
  modified = 'the input images were modified; return a NEW array.',
): Float32Array {
  if (!(raw instanceof Float32Array) || raw.length !== n) {
    throw new AutograderError(check, `expected a new Float32Array of ${n} pixels, got ${describe(raw)}`);
  }
  if (images.some((v, i) => v !== copy[i])) {
    throw new AutograderError(check, modified);
  }
  return raw;
}
