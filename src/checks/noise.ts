/**
 * Autograder checks of notebooks 06 and 11 (corruptions): Gaussian, salt-and-pepper and speckle noise.
 */
import { Rng } from '../rng';
import { AutograderError, pass, callStudent, fmt, newPixelArray } from './harness';

/**
 * Checks `fn(images, std, rng)` adding Gaussian noise N(0, std^2) to every pixel and clipping to
 * [0, 1]; shape kept, input unchanged, the noise of unclipped pixels has mean 0 and deviation `std`,
 * and every pixel of the result lies in [0, 1].
 */
export function checkGaussianNoise(fn: (images: Float32Array, std: number, rng: Rng) => Float32Array): void {
  const check = 'checkGaussianNoise';
  const n = 20000;
  const images = new Float32Array(n);
  for (let i = 0; i < n; i++) images[i] = i % 4 === 0 ? 1 : i % 4 === 1 ? 0 : 0.5;
  const copy = images.slice();
  const std = 0.1;
  const raw = newPixelArray(
    check,
    callStudent(check, `${n} pixels and std ${std}`, () => fn(images, std, new Rng('checkGaussianNoise'))),
    n,
    images,
    copy,
    'the input images were modified; return a NEW array (e.g. images.map(...) or new Float32Array(images.length)).',
  );
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of raw) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo < 0 || hi > 1) {
    throw new AutograderError(
      check,
      `noisy pixels must be clipped to [0, 1], got values from ${fmt(lo)} to ${fmt(hi)}. Use Math.min(1, Math.max(0, value)).`,
    );
  }
  let sum = 0;
  let sq = 0;
  let m = 0;
  for (let i = 2; i < n; i += 4) {
    const d = raw[i] - images[i];
    sum += d;
    sq += d * d;
    m += 1;
  }
  const mean = sum / m;
  const sd = Math.sqrt(sq / m - mean * mean);
  if (Math.abs(mean) > 0.01 || Math.abs(sd - std) > 0.01) {
    const hint =
      Math.abs(sd - std * std) < 0.005
        ? ' It looks like you used std^2 (the variance) as the standard deviation.'
        : sd < 1e-6
          ? ' No noise was added.'
          : '';
    throw new AutograderError(
      check,
      `on mid-grey pixels the added noise should have mean 0 and standard deviation ${std}, got mean ${fmt(mean)} and deviation ${fmt(sd)}.${hint} ` +
        'Draw it with rng.normal() * std (every random number comes from the rng you are given).',
    );
  }
  pass(check, `noise with mean ${fmt(mean)} and deviation ${fmt(sd)} (asked ${std}), clipped to [0, 1], input untouched.`);
}

/** Mid-grey test images (every pixel 0.5) with a copy, for the noise checks. */
function greyImages(n: number): { images: Float32Array; copy: Float32Array } {
  const images = new Float32Array(n).fill(0.5);
  return { images, copy: images.slice() };
}

/**
 * Checks `fn(images, salt, pepper, rng)` for salt-and-pepper noise: each pixel independently becomes
 * 1 with probability `salt`, 0 with probability `pepper`, and is otherwise unchanged.
 */
export function checkSaltPepperNoise(fn: (images: Float32Array, salt: number, pepper: number, rng: Rng) => Float32Array): void {
  const check = 'checkSaltPepperNoise';
  const n = 20000;
  const salt = 0.2;
  const pepper = 0.05;
  const { images, copy } = greyImages(n);
  const out = newPixelArray(
    check,
    callStudent(check, `${n} grey pixels, salt ${salt}, pepper ${pepper}`, () => fn(images, salt, pepper, new Rng(check))),
    n,
    images,
    copy,
  );
  let white = 0;
  let black = 0;
  let kept = 0;
  for (const v of out) {
    if (v === 1) white += 1;
    else if (v === 0) black += 1;
    else if (v === 0.5) kept += 1;
  }
  const other = n - white - black - kept;
  if (other > 0) {
    throw new AutograderError(
      check,
      `${other} pixels were changed to values other than 0 or 1; salt-and-pepper noise only sets pixels to 1 (salt) or 0 (pepper) and leaves the rest untouched.`,
    );
  }
  const tol = 0.015;
  if (Math.abs(white / n - salt) > tol || Math.abs(black / n - pepper) > tol) {
    const swapped = Math.abs(white / n - pepper) <= tol && Math.abs(black / n - salt) <= tol;
    throw new AutograderError(
      check,
      `expected about ${salt * 100}% white (salt) and ${pepper * 100}% black (pepper) pixels, got ${fmt((100 * white) / n)}% and ${fmt((100 * black) / n)}%.` +
        (swapped
          ? ' Salt and pepper are swapped: salt is white (1), pepper black (0).'
          : ' Draw one u = rng.uniform() per pixel: u < pepper gives 0, u > 1 - salt gives 1.'),
    );
  }
  pass(
    check,
    `${fmt((100 * white) / n)}% salt and ${fmt((100 * black) / n)}% pepper (asked ${salt * 100}% and ${pepper * 100}%), other pixels untouched.`,
  );
}

/**
 * Checks `fn(images, std, rng)` for speckle (multiplicative) noise `x + x * n`, n ~ N(0, std^2),
 * clipped to [0, 1]: black pixels stay black, grey pixels of value 0.5 get deviation 0.5 * std.
 */
export function checkSpeckleNoise(fn: (images: Float32Array, std: number, rng: Rng) => Float32Array): void {
  const check = 'checkSpeckleNoise';
  const n = 20000;
  const std = 0.4;
  const images = new Float32Array(n);
  for (let i = 0; i < n; i++) images[i] = i % 2 === 0 ? 0 : 0.5;
  const copy = images.slice();
  const out = newPixelArray(
    check,
    callStudent(check, `${n} pixels (half black, half grey), std ${std}`, () => fn(images, std, new Rng(check))),
    n,
    images,
    copy,
  );
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo < 0 || hi > 1) throw new AutograderError(check, `pixels must be clipped to [0, 1], got values from ${fmt(lo)} to ${fmt(hi)}.`);
  for (let i = 0; i < n; i += 2) {
    if (out[i] !== 0) {
      throw new AutograderError(
        check,
        `a black pixel (0) became ${fmt(out[i])}; speckle noise is multiplicative, x + x * noise, so it leaves black pixels black. Did you add the noise instead of multiplying?`,
      );
    }
  }
  let sum = 0;
  let sq = 0;
  for (let i = 1; i < n; i += 2) {
    const d = out[i] - 0.5;
    sum += d;
    sq += d * d;
  }
  const m = n / 2;
  const mean = sum / m;
  const sd = Math.sqrt(sq / m - mean * mean);
  const want = 0.5 * std;
  if (Math.abs(mean) > 0.01 || Math.abs(sd - want) > 0.015) {
    throw new AutograderError(
      check,
      `on pixels of value 0.5 the change should have mean 0 and deviation 0.5 * ${std} = ${fmt(want)}, got mean ${fmt(mean)} and deviation ${fmt(sd)}. ` +
        'Compute x + x * std * rng.normal() for every pixel x.',
    );
  }
  pass(check, `black pixels unchanged, grey pixels spread by ${fmt(sd)} (expected ${fmt(want)}), clipped to [0, 1].`);
}
