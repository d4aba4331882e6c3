/**
 * The noise functions. Each takes flat images (`Float32Array`, values in [0, 1]: anything else, 0-255
 * bytes or NaN, is refused with a RangeError saying what was found) and returns a
 * new, corrupted copy clipped to [0, 1]; random noises draw from the given {@link Rng} only, so
 * the same seed gives the same noise.
 */
import type { Rng } from '../rng';
import { checkUnitPixels } from '../data/pixels';
import { checkSaltPepper, checkNoiseStd, MNIST_IMAGE_SHAPE, validateNoiseSpec, type NoiseImageShape, type NoiseSpec } from './spec';
import { checkInt } from '../util/validate';

function checkImages(who: string, images: Float32Array, pixelsPerImage = MNIST_IMAGE_SHAPE.rows * MNIST_IMAGE_SHAPE.cols): void {
  if (!(images instanceof Float32Array)) throw new TypeError(`${who}: images must be a Float32Array of flat pixels in [0, 1]`);
  checkUnitPixels(who, 'images', images, pixelsPerImage);
}

const clip01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Additive Gaussian noise: `clip(x + n)`, n ~ N(0, std²) per pixel. RangeError if std < 0 or not finite. */
export function gaussianNoise(images: Float32Array, std: number, rng: Rng): Float32Array {
  checkImages('gaussianNoise', images);
  checkNoiseStd('gaussianNoise', 'std', std);
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) out[i] = clip01(images[i] + std * rng.normal());
  return out;
}

/**
 * Salt-and-pepper noise, as in the course tutorial: one uniform draw u per pixel; u < pepper sets
 * the pixel to 0 (pepper), u > 1 - salt sets it to 1 (salt), so a pixel turns white with probability
 * `salt` and black with probability `pepper`. RangeError for a probability outside [0, 1] or
 * salt + pepper > 1.
 */
export function saltPepperNoise(images: Float32Array, salt: number, pepper: number, rng: Rng): Float32Array {
  checkImages('saltPepperNoise', images);
  checkSaltPepper('saltPepperNoise', salt, pepper);
  const out = new Float32Array(images.length);
  const saltAbove = 1 - salt;
  for (let i = 0; i < images.length; i++) {
    const u = rng.uniform();
    out[i] = u < pepper ? 0 : u > saltAbove ? 1 : clip01(images[i]);
  }
  return out;
}

/** Multiplicative (speckle) noise: `clip(x + x·n)`, n ~ N(0, std²); black pixels stay black. RangeError if std < 0. */
export function speckleNoise(images: Float32Array, std: number, rng: Rng): Float32Array {
  checkImages('speckleNoise', images);
  checkNoiseStd('speckleNoise', 'std', std);
  const out = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const x = images[i];
    out[i] = clip01(x + x * std * rng.normal());
  }
  return out;
}

/**
 * Blur by losing resolution: each image is averaged over `factor`×`factor` blocks (28×28 → 14×14
 * for factor 2) and resized back to full size with bilinear interpolation (half-pixel centres,
 * edges clamped). For factor 2 this equals TensorFlow's `tf.image.resize` (bilinear) down then up,
 * the corruption of the denoising VAE guide. Deterministic (no randomness).
 */
export function blurImages(images: Float32Array, shape: NoiseImageShape = MNIST_IMAGE_SHAPE, factor = 2): Float32Array {
  const { rows, cols } = shape;
  checkImages('blurImages', images, Number.isInteger(rows * cols) && rows * cols > 0 ? rows * cols : undefined);
  checkInt('blurImages', 'factor', factor);
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1 || rows % factor !== 0 || cols % factor !== 0) {
    throw new RangeError(`blurImages: image shape ${rows}×${cols} must be positive integers divisible by factor ${factor}`);
  }
  const size = rows * cols;
  if (images.length % size !== 0) {
    throw new RangeError(`blurImages: images has ${images.length} values, not a multiple of ${rows}×${cols} = ${size}`);
  }
  const sr = rows / factor;
  const sc = cols / factor;
  const small = new Float32Array(sr * sc);
  const out = new Float32Array(images.length);
  // Bilinear sampling positions (half-pixel centres), shared by every image.
  const axis = (n: number, m: number): { lo: Int32Array; hi: Int32Array; w: Float32Array } => {
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const w = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const src = Math.min(Math.max((j + 0.5) / factor - 0.5, 0), m - 1);
      lo[j] = Math.floor(src);
      hi[j] = Math.min(lo[j] + 1, m - 1);
      w[j] = src - lo[j];
    }
    return { lo, hi, w };
  };
  const ry = axis(rows, sr);
  const rx = axis(cols, sc);
  const inv = 1 / (factor * factor);
  for (let base = 0; base < images.length; base += size) {
    for (let y = 0; y < sr; y++) {
      for (let x = 0; x < sc; x++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++) {
          const row = base + (y * factor + dy) * cols + x * factor;
          for (let dx = 0; dx < factor; dx++) s += images[row + dx];
        }
        small[y * sc + x] = s * inv;
      }
    }
    for (let y = 0; y < rows; y++) {
      const r0 = ry.lo[y] * sc;
      const r1 = ry.hi[y] * sc;
      const wy = ry.w[y];
      for (let x = 0; x < cols; x++) {
        const c0 = rx.lo[x];
        const c1 = rx.hi[x];
        const wx = rx.w[x];
        const top = small[r0 + c0] + (small[r0 + c1] - small[r0 + c0]) * wx;
        const bottom = small[r1 + c0] + (small[r1 + c1] - small[r1 + c0]) * wx;
        out[base + y * cols + x] = clip01(top + (bottom - top) * wy);
      }
    }
  }
  return out;
}

/**
 * Applies the noise described by `spec` to flat images, returning a new array clipped to [0, 1].
 * `shape` (default 28×28) is only used by blur. Throws on a bad spec (unknown type, or a parameter out of range), saying what was expected.
 */
export function applyNoise(images: Float32Array, spec: NoiseSpec, rng: Rng, shape: NoiseImageShape = MNIST_IMAGE_SHAPE): Float32Array {
  validateNoiseSpec(spec);
  switch (spec.type) {
    case 'gaussian':
      return gaussianNoise(images, spec.std, rng);
    case 'saltPepper':
      return saltPepperNoise(images, spec.salt, spec.pepper, rng);
    case 'speckle':
      return speckleNoise(images, spec.std, rng);
    case 'blur':
      return blurImages(images, shape, spec.factor ?? 2);
  }
}
