/**
 * Image quality metrics of estimates against clean references, per image and averaged:
 * mean squared error, PSNR (data range 1) and SSIM (Wang et al. 2004).
 */
import * as tf from '@tensorflow/tfjs';
import { perImageMseInto } from '../util/per-image-mse';
import { checkFinite, checkInt, flatImages, isImageDataset, type ImagesInput } from '../util/validate';

/** A metric for each image and its mean over the images. */
export interface ImageMetric {
  /** One value per image. */
  readonly perImage: Float64Array;
  /** Mean of `perImage`. */
  readonly mean: number;
}

/** Image size of the metrics (default 28 x 28). */
export interface ImageSizeOptions {
  /** Image height (default 28). */
  readonly rows?: number;
  /** Image width (default 28). */
  readonly cols?: number;
}

function pairs(
  where: string,
  reference: ImagesInput,
  estimate: ImagesInput,
  options: ImageSizeOptions,
): { a: Float32Array; b: Float32Array; count: number; pixels: number; rows: number; cols: number } {
  const rows = options.rows ?? (isImageDataset(reference) ? reference.rows : 28);
  const cols = options.cols ?? (isImageDataset(reference) ? reference.cols : 28);
  checkInt(where, 'rows', rows);
  checkInt(where, 'cols', cols);
  const pixels = rows * cols;
  const ra = flatImages(where, reference, pixels, 'reference');
  const rb = flatImages(where, estimate, pixels, 'estimate');
  if (ra.count !== rb.count) {
    throw new RangeError(`${where}: reference has ${ra.count} images but estimate has ${rb.count}; expected the same number`);
  }
  checkFinite(where, 'reference', ra.data);
  checkFinite(where, 'estimate', rb.data);
  return { a: ra.data, b: rb.data, count: ra.count, pixels, rows, cols };
}

function summarise(perImage: Float64Array): ImageMetric {
  let s = 0;
  for (let i = 0; i < perImage.length; i++) s += perImage[i];
  return { perImage, mean: s / perImage.length };
}

/** Per-image mean squared errors; `where` names the public caller in error messages. */
function perImageMse(where: string, reference: ImagesInput, estimate: ImagesInput, options: ImageSizeOptions): Float64Array {
  const { a, b, count, pixels } = pairs(where, reference, estimate, options);
  return perImageMseInto(a, b, count, pixels, new Float64Array(count));
}

/** Mean squared error per image (mean over its pixels) and averaged over images. */
export function mse(reference: ImagesInput, estimate: ImagesInput, options: ImageSizeOptions = {}): ImageMetric {
  return summarise(perImageMse('mse', reference, estimate, options));
}

/**
 * Peak signal-to-noise ratio in dB with data range 1 (pixels in [0, 1]): 10 log10(1 / MSE) per image;
 * `mean` averages the per-image dB values (Infinity when an image is reproduced exactly).
 */
export function psnr(reference: ImagesInput, estimate: ImagesInput, options: ImageSizeOptions = {}): ImageMetric {
  const out = perImageMse('psnr', reference, estimate, options).map((e) => (e === 0 ? Infinity : 10 * Math.log10(1 / e)));
  return summarise(out);
}

/** Options of {@link ssim}. */
export interface SsimOptions extends ImageSizeOptions {
  /** Side of the Gaussian window (odd, default 11). */
  readonly windowSize?: number;
  /** Standard deviation of the Gaussian window (default 1.5). */
  readonly sigma?: number;
}

/**
 * Structural similarity (Wang, Bovik, Sheikh, Simoncelli 2004) per image and averaged.
 * Window: 11 x 11 Gaussian, sigma 1.5, normalised to sum 1; K1 = 0.01, K2 = 0.03, data range
 * L = 1; local statistics at every position where the window fits inside the image ("valid",
 * as in the authors' reference code: an 18 x 18 map for 28 x 28 images), averaged to one score.
 * Identical images score exactly 1.
 */
export function ssim(reference: ImagesInput, estimate: ImagesInput, options: SsimOptions = {}): ImageMetric {
  const where = 'ssim';
  const { a, b, count, rows, cols } = pairs(where, reference, estimate, options);
  const { windowSize = 11, sigma = 1.5 } = options;
  checkInt(where, 'windowSize', windowSize);
  if (windowSize % 2 === 0) throw new RangeError(`${where}: windowSize must be odd, got ${windowSize}`);
  if (!(sigma > 0)) throw new RangeError(`${where}: sigma must be > 0, got ${sigma}`);
  if (windowSize > rows || windowSize > cols) {
    throw new RangeError(`${where}: window ${windowSize} does not fit in ${rows}x${cols} images; expected windowSize <= both sides`);
  }
  const half = (windowSize - 1) / 2;
  const g1 = Array.from({ length: windowSize }, (_, i) => Math.exp(-((i - half) ** 2) / (2 * sigma * sigma)));
  const gs = g1.reduce((x, y) => x + y, 0);
  const kernel = new Float32Array(windowSize * windowSize);
  for (let i = 0; i < windowSize; i++) for (let j = 0; j < windowSize; j++) kernel[i * windowSize + j] = (g1[i] * g1[j]) / (gs * gs);
  const c1 = (0.01 * 1) ** 2;
  const c2 = (0.03 * 1) ** 2;
  const perImage = new Float64Array(count);
  const batch = 500;
  const w = tf.tensor4d(kernel, [windowSize, windowSize, 1, 1]);
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch);
    const scores = tf.tidy(() => {
      const shape: [number, number, number, number] = [end - start, rows, cols, 1];
      const x = tf.tensor4d(a.subarray(start * rows * cols, end * rows * cols), shape);
      const y = tf.tensor4d(b.subarray(start * rows * cols, end * rows * cols), shape);
      const f = (t: tf.Tensor4D): tf.Tensor4D => tf.conv2d(t, w as tf.Tensor4D, 1, 'valid');
      const mx = f(x);
      const my = f(y);
      const sxx = f(x.mul(x)).sub(mx.mul(mx));
      const syy = f(y.mul(y)).sub(my.mul(my));
      const sxy = f(x.mul(y)).sub(mx.mul(my));
      const num = mx.mul(my).mul(2).add(c1).mul(sxy.mul(2).add(c2));
      const den = mx.square().add(my.square()).add(c1).mul(sxx.add(syy).add(c2));
      return num.div(den).mean([1, 2, 3]);
    });
    const vals = scores.dataSync();
    for (let i = 0; i < vals.length; i++) perImage[start + i] = vals[i];
    scores.dispose();
  }
  w.dispose();
  return summarise(perImage);
}
