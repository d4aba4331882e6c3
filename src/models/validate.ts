/** Argument checks shared by the model builders (internal). */
import { DENSE_ACTIVATIONS, type DenseActivation, type LabelMode } from './config';
import type { ScaleParameterization } from './types';
import { checkInt } from '../util/validate';

export { checkInt } from '../util/validate';

/** Throws a RangeError unless `values` is a non-empty (or, with allowEmpty, any) list of positive integers. */
export function checkUnits(where: string, what: string, values: readonly number[], allowEmpty = false): void {
  if (!Array.isArray(values) || (!allowEmpty && values.length === 0)) {
    throw new RangeError(`${where}: ${what} must be a ${allowEmpty ? '' : 'non-empty '}list of layer widths, got ${JSON.stringify(values)}`);
  }
  values.forEach((v, i) => checkInt(where, `${what}[${i}]`, v));
}

/** Throws a TypeError unless `value` is a known activation name. */
export function checkActivation(where: string, what: string, value: string): asserts value is DenseActivation {
  if (!(DENSE_ACTIVATIONS as readonly string[]).includes(value)) {
    throw new TypeError(`${where}: ${what} '${value}' is not supported; expected one of ${DENSE_ACTIVATIONS.join(', ')}`);
  }
}

/** Throws a TypeError unless `value` is 'logVar' or 'logStd'. */
export function checkParameterizationName(where: string, value: string): asserts value is ScaleParameterization {
  if (value !== 'logVar' && value !== 'logStd') {
    throw new TypeError(`${where}: parameterization must be 'logVar' or 'logStd', got '${value}'`);
  }
}

/** Throws a TypeError unless `value` is 'oneHot' or 'embedding'. */
export function checkLabelMode(where: string, value: string): asserts value is LabelMode {
  if (value !== 'oneHot' && value !== 'embedding') {
    throw new TypeError(`${where}: labelMode must be 'oneHot' or 'embedding', got '${value}'`);
  }
}

/** Throws a RangeError unless `seed` is a finite integer. */
export function checkSeed(where: string, seed: number): void {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`${where}: seed must be an integer, got ${String(seed)}`);
  }
}

/** Throws a RangeError unless `shape` is two positive integers. */
export function checkImageShape(where: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.length !== 2) {
    throw new RangeError(`${where}: imageShape must be [rows, cols], got ${JSON.stringify(shape)}`);
  }
  checkInt(where, 'imageShape[0]', shape[0]);
  checkInt(where, 'imageShape[1]', shape[1]);
}
