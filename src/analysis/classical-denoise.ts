/**
 * Classical denoising baselines to set beside the learned denoisers: Gaussian filter,
 * median filter and total-variation denoising (Chambolle's projection algorithm).
 * No maintained npm package does these on flat Float32Array image batches, so they are
 * written here compactly. Each takes flat images `[count * rows * cols]` and returns new ones.
 * Borders are handled by mirror reflection (d c b a | a b c d | d c b a), as scipy's `reflect`.
 */
import { checkFinite, checkInt, checkNumber, flatImages, isImageDataset, type ImagesInput } from '../util/validate';

/** Image size of the filters (default 28 x 28, or a dataset's). */
export interface FilterImageOptions {
  /** Image height (default 28). */
  readonly rows?: number;
  /** Image width (default 28). */
  readonly cols?: number;
}

function prepare(where: string, images: ImagesInput, options: FilterImageOptions): { data: Float32Array; count: number; rows: number; cols: number } {
  const rows = options.rows ?? (isImageDataset(images) ? images.rows : 28);
  const cols = options.cols ?? (isImageDataset(images) ? images.cols : 28);
  checkInt(where, 'rows', rows);
  checkInt(where, 'cols', cols);
  const { data, count } = flatImages(where, images, rows * cols);
  checkFinite(where, 'images', data);
  return { data, count, rows, cols };
}

/** Mirror-reflects index i into [0, n). */
function reflect(i: number, n: number): number {
  for (;;) {
    if (i < 0) i = -i - 1;
    else if (i >= n) i = 2 * n - i - 1;
    else return i;
  }
}

/**
 * Gaussian blur with standard deviation `sigma` pixels (separable kernel, radius
 * round(truncate * sigma), default truncate 4, normalised to sum 1).
 */
export function gaussianFilter(images: ImagesInput, sigma: number, options: FilterImageOptions & { readonly truncate?: number } = {}): Float32Array {
  const where = 'gaussianFilter';
  checkNumber(where, 'sigma', sigma, 'positive');
  const { truncate = 4 } = options;
  checkNumber(where, 'truncate', truncate, 'positive');
  const { data, count, rows, cols } = prepare(where, images, options);
  const radius = Math.max(1, Math.round(truncate * sigma));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  const out = new Float32Array(data.length);
  const tmp = new Float64Array(rows * cols);
  const p = rows * cols;
  for (let n = 0; n < count; n++) {
    const o = n * p;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let t = -radius; t <= radius; t++) s += k[t + radius] * data[o + r * cols + reflect(c + t, cols)];
        tmp[r * cols + c] = s;
      }
    }
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let s = 0;
        for (let t = -radius; t <= radius; t++) s += k[t + radius] * tmp[reflect(r + t, rows) * cols + c];
        out[o + r * cols + c] = s;
      }
    }
  }
  return out;
}

/** Median of each `size x size` neighbourhood (size odd, default 3); removes salt-and-pepper noise. */
export function medianFilter(images: ImagesInput, size = 3, options: FilterImageOptions = {}): Float32Array {
  const where = 'medianFilter';
  checkInt(where, 'size', size);
  if (size % 2 === 0) throw new RangeError(`${where}: size must be odd (the window has a centre), got ${size}`);
  const { data, count, rows, cols } = prepare(where, images, options);
  const half = (size - 1) / 2;
  const win = new Float32Array(size * size);
  const mid = (size * size - 1) / 2;
  const out = new Float32Array(data.length);
  const p = rows * cols;
  for (let n = 0; n < count; n++) {
    const o = n * p;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        let m = 0;
        for (let dr = -half; dr <= half; dr++) {
          const rr = reflect(r + dr, rows) * cols;
          for (let dc = -half; dc <= half; dc++) {
            // insertion sort while filling the window
            const v = data[o + rr + reflect(c + dc, cols)];
            let j = m++;
            while (j > 0 && win[j - 1] > v) {
              win[j] = win[j - 1];
              j--;
            }
            win[j] = v;
          }
        }
        out[o + r * cols + c] = win[mid];
      }
    }
  }
  return out;
}

/**
 * Total-variation denoising: minimises 1/2 ||u - f||^2 + weight * TV(u) (isotropic TV) per image
 * with Chambolle's (2004) dual projection algorithm, step 1/4, `iterations` steps (default 100).
 * Larger `weight` smooths more (0.05 to 0.2 suits [0, 1] MNIST pixels).
 */
export function tvDenoise(images: ImagesInput, weight = 0.1, iterations = 100, options: FilterImageOptions = {}): Float32Array {
  const where = 'tvDenoise';
  checkNumber(where, 'weight', weight, 'nonNegative');
  checkInt(where, 'iterations', iterations);
  const { data, count, rows, cols } = prepare(where, images, options);
  const p = rows * cols;
  const out = new Float32Array(data.length);
  if (weight === 0) {
    out.set(data);
    return out;
  }
  const tau = 0.25;
  const px = new Float64Array(p);
  const py = new Float64Array(p);
  const div = new Float64Array(p);
  for (let n = 0; n < count; n++) {
    const o = n * p;
    px.fill(0);
    py.fill(0);
    for (let it = 0; it < iterations; it++) {
      divergence(px, py, div, rows, cols);
      // gradient of (div p - f / weight), forward differences, zero past the last row/column
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const i = r * cols + c;
          const v = div[i] - data[o + i] / weight;
          const gx = c + 1 < cols ? div[i + 1] - data[o + i + 1] / weight - v : 0;
          const gy = r + 1 < rows ? div[i + cols] - data[o + i + cols] / weight - v : 0;
          const norm = 1 + tau * Math.sqrt(gx * gx + gy * gy);
          px[i] = (px[i] + tau * gx) / norm;
          py[i] = (py[i] + tau * gy) / norm;
        }
      }
    }
    divergence(px, py, div, rows, cols);
    for (let i = 0; i < p; i++) out[o + i] = data[o + i] - weight * div[i];
  }
  return out;
}

/** Discrete divergence, the negative adjoint of the forward-difference gradient. */
function divergence(px: Float64Array, py: Float64Array, out: Float64Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const dx = (c + 1 < cols ? px[i] : 0) - (c > 0 ? px[i - 1] : 0);
      const dy = (r + 1 < rows ? py[i] : 0) - (r > 0 ? py[i - cols] : 0);
      out[i] = dx + dy;
    }
  }
}
