/** The per-image mean squared error loop shared by the anomaly scores and the image-quality metrics. */

/**
 * Fills `out[i]` with the mean over its `pixels` pixels of `(a - b)^2` for image `i` of `count` flat
 * images (summed in double precision, then stored in `out`'s type), and returns `out`. The caller
 * checks the sizes: `a` and `b` hold at least `count * pixels` values and `out` at least `count`.
 */
export function perImageMseInto<T extends Float32Array | Float64Array>(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  count: number,
  pixels: number,
  out: T,
): T {
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let j = i * pixels; j < (i + 1) * pixels; j++) s += (a[j] - b[j]) ** 2;
    out[i] = s / pixels;
  }
  return out;
}
