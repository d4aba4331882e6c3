/** The kinds of image corruption the denoising notebooks use, their parameters and their checks. */
import { checkInt } from '../util/validate';

/**
 * One kind of noise and its parameters:
 * - `gaussian`: additive, `x + n`, n ~ N(0, std²);
 * - `saltPepper`: each pixel independently becomes 1 with probability `salt`, 0 with probability `pepper`;
 * - `speckle`: multiplicative, `x + x·n`, n ~ N(0, std²);
 * - `blur`: box-average down by `factor` (default 2: 28×28 → 14×14), bilinear back up to full size.
 * All results are clipped to [0, 1].
 */
export type NoiseSpec =
  | { readonly type: 'gaussian'; readonly std: number }
  | { readonly type: 'saltPepper'; readonly salt: number; readonly pepper: number }
  | { readonly type: 'speckle'; readonly std: number }
  | { readonly type: 'blur'; readonly factor?: number };

/** The names of the noise kinds, in the order the curriculum introduces them. */
export const NOISE_TYPES: readonly NoiseSpec['type'][] = ['gaussian', 'saltPepper', 'speckle', 'blur'];

/** Size of one image, for the noises that need it (blur). MNIST: 28×28. */
export interface NoiseImageShape {
  /** Image height. */
  readonly rows: number;
  /** Image width. */
  readonly cols: number;
}

/** The MNIST image shape, 28×28. */
export const MNIST_IMAGE_SHAPE: NoiseImageShape = { rows: 28, cols: 28 };

/** Throws a RangeError naming `who`'s parameter `name` unless `value` is a finite number >= 0. */
export function checkNoiseStd(who: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${who}: ${name} must be a finite number, got ${value}`);
  }
  if (value < 0) throw new RangeError(`${who}: ${name} must be >= 0 (a standard deviation cannot be negative), got ${value}`);
}

/** Throws a RangeError naming `who`'s parameter `name` unless `value` is a probability in [0, 1]. */
export function checkNoiseProbability(who: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`${who}: ${name} must be a finite number, got ${value}`);
  }
  if (value < 0 || value > 1) throw new RangeError(`${who}: ${name} is a probability and must be in [0, 1], got ${value}`);
}

/** Throws a RangeError unless salt and pepper are probabilities whose sum is at most 1. */
export function checkSaltPepper(who: string, salt: number, pepper: number): void {
  checkNoiseProbability(who, 'salt', salt);
  checkNoiseProbability(who, 'pepper', pepper);
  if (salt + pepper > 1) {
    throw new RangeError(`${who}: salt + pepper must be <= 1 (a pixel gets salt or pepper, never both), got ${salt} + ${pepper} = ${salt + pepper}`);
  }
}

/**
 * Checks a {@link NoiseSpec}: RangeError for a bad parameter (naming it and why),
 * TypeError for an unknown noise type.
 */
export function validateNoiseSpec(spec: NoiseSpec): void {
  const who = `noise '${(spec as { type?: unknown }).type}'`;
  switch (spec.type) {
    case 'gaussian':
    case 'speckle':
      checkNoiseStd(who, 'std', spec.std);
      return;
    case 'saltPepper':
      checkSaltPepper(who, spec.salt, spec.pepper);
      return;
    case 'blur':
      if (spec.factor !== undefined) checkInt(who, 'factor', spec.factor);
      return;
    default:
      throw new TypeError(`Unknown noise type '${(spec as { type?: unknown }).type}'; expected one of ${NOISE_TYPES.join(', ')}`);
  }
}

function fmt(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** A short label for legends and titles, e.g. "Gaussian σ=0.3" or "Salt & pepper s=0.1 p=0.1". */
export function describeNoise(spec: NoiseSpec): string {
  validateNoiseSpec(spec);
  switch (spec.type) {
    case 'gaussian':
      return `Gaussian σ=${fmt(spec.std)}`;
    case 'saltPepper':
      return `Salt & pepper s=${fmt(spec.salt)} p=${fmt(spec.pepper)}`;
    case 'speckle':
      return `Speckle σ=${fmt(spec.std)}`;
    case 'blur':
      return `Blur ↓${spec.factor ?? 2} bilinear ↑`;
  }
}
