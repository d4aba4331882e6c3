import { gaussianFilter, medianFilter, tvDenoise } from '../src/analysis';
import { mse } from '../src/metrics';
import { Rng } from '../src/rng';

const R = 28;

/** Index i mirrored into [0, n) with scipy's 'reflect' rule (d c b a | a b c d | d c b a): period 2n. */
function mirror(i: number, n: number): number {
  const m = ((i % (2 * n)) + 2 * n) % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

/** Gaussian blur by a direct 2-d convolution in double precision with the 2-d kernel exp(-(i^2 + j^2) / 2 sigma^2) / sum. */
function referenceBlur(img: ArrayLike<number>, rows: number, cols: number, sigma: number, radius: number): Float64Array {
  const out = new Float64Array(rows * cols);
  let total = 0;
  for (let i = -radius; i <= radius; i++) for (let j = -radius; j <= radius; j++) total += Math.exp(-(i * i + j * j) / (2 * sigma * sigma));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let s = 0;
      for (let i = -radius; i <= radius; i++) {
        for (let j = -radius; j <= radius; j++) {
          s += (Math.exp(-(i * i + j * j) / (2 * sigma * sigma)) / total) * img[mirror(r + i, rows) * cols + mirror(c + j, cols)];
        }
      }
      out[r * cols + c] = s;
    }
  }
  return out;
}

/** Forward-difference gradient of a rows x cols image, 0 past the last row / column (as [gx, gy]). */
function gradient(u: ArrayLike<number>, rows: number, cols: number): [Float64Array, Float64Array] {
  const gx = new Float64Array(rows * cols);
  const gy = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      if (c + 1 < cols) gx[r * cols + c] = u[r * cols + c + 1] - u[r * cols + c];
      if (r + 1 < rows) gy[r * cols + c] = u[(r + 1) * cols + c] - u[r * cols + c];
    }
  }
  return [gx, gy];
}

/** Divergence, defined as minus the adjoint of {@link gradient}: <grad u, p> = -<u, div p> for all u, p. */
function divergence(px: Float64Array, py: Float64Array, rows: number, cols: number): Float64Array {
  const d = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      // the adjoint of u -> u[c+1] - u[c] (c < cols-1) sends p[c] to +p[c-1] at c and -p[c] at c, so div = -that
      d[i] = (c + 1 < cols ? px[i] : 0) - (c > 0 ? px[i - 1] : 0) + (r + 1 < rows ? py[i] : 0) - (r > 0 ? py[i - cols] : 0);
    }
  }
  return d;
}

/** The TV objective 1/2 |u - f|^2 + weight * sum sqrt(gx^2 + gy^2) (isotropic, forward differences). */
function tvObjective(u: ArrayLike<number>, f: ArrayLike<number>, weight: number, rows: number, cols: number): number {
  const [gx, gy] = gradient(u, rows, cols);
  let e = 0;
  for (let i = 0; i < rows * cols; i++) e += 0.5 * (u[i] - f[i]) ** 2 + weight * Math.hypot(gx[i], gy[i]);
  return e;
}

/**
 * Chambolle (2004), written from the paper in double precision: p <- (p + tau grad(div p - f/weight)) /
 * (1 + tau |grad(div p - f/weight)|), p = 0 at the start, `iterations` steps; u = f - weight div p.
 */
function referenceChambolle(f: ArrayLike<number>, weight: number, iterations: number, rows: number, cols: number, tau = 0.25): Float64Array {
  const n = rows * cols;
  let px = new Float64Array(n);
  let py = new Float64Array(n);
  for (let it = 0; it < iterations; it++) {
    const d = divergence(px, py, rows, cols);
    const [gx, gy] = gradient(
      Float64Array.from(d, (v, i) => v - f[i] / weight),
      rows,
      cols,
    );
    px = Float64Array.from(px, (v, i) => (v + tau * gx[i]) / (1 + tau * Math.hypot(gx[i], gy[i])));
    py = Float64Array.from(py, (v, i) => (v + tau * gy[i]) / (1 + tau * Math.hypot(gx[i], gy[i])));
  }
  const d = divergence(px, py, rows, cols);
  return Float64Array.from(d, (v, i) => f[i] - weight * v);
}

/**
 * A lower bound on the minimum of the TV objective from its dual, found by another algorithm (FISTA on
 * the dual, Beck and Teboulle 2009): for any p with |p_i| <= 1, D(p) = 1/2 |f|^2 - 1/2 |f + weight div p|^2
 * <= min E. Returns the bound and the dual's primal point u = f + weight div p.
 */
function dualBound(f: ArrayLike<number>, weight: number, iterations: number, rows: number, cols: number): { bound: number; u: Float64Array } {
  const n = rows * cols;
  const step = 1 / (8 * weight * weight); // |div|^2 <= 8
  let px = new Float64Array(n);
  let py = new Float64Array(n);
  let qx = px;
  let qy = py;
  let t = 1;
  for (let it = 0; it < iterations; it++) {
    const d = divergence(qx, qy, rows, cols);
    const [gx, gy] = gradient(
      Float64Array.from(d, (v, i) => f[i] + weight * v),
      rows,
      cols,
    );
    const nx = new Float64Array(n);
    const ny = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const ax = qx[i] + step * weight * gx[i];
      const ay = qy[i] + step * weight * gy[i];
      const norm = Math.max(1, Math.hypot(ax, ay));
      nx[i] = ax / norm;
      ny[i] = ay / norm;
    }
    const tNext = (1 + Math.sqrt(1 + 4 * t * t)) / 2;
    qx = Float64Array.from(nx, (v, i) => v + ((t - 1) / tNext) * (v - px[i]));
    qy = Float64Array.from(ny, (v, i) => v + ((t - 1) / tNext) * (v - py[i]));
    px = nx;
    py = ny;
    t = tNext;
  }
  const d = divergence(px, py, rows, cols);
  const u = Float64Array.from(d, (v, i) => f[i] + weight * v);
  let ff = 0;
  let uu = 0;
  for (let i = 0; i < n; i++) {
    ff += f[i] * f[i];
    uu += u[i] * u[i];
  }
  return { bound: 0.5 * ff - 0.5 * uu, u };
}

function stepImage(): Float32Array {
  const img = new Float32Array(R * R);
  for (let r = 0; r < R; r++) for (let c = 14; c < R; c++) img[r * R + c] = 1;
  return img;
}

describe('tvDenoise', () => {
  test('lowers the error of a noisy step image and keeps the edge', () => {
    const clean = stepImage();
    const rng = new Rng(1);
    const noisy = clean.map((v) => v + rng.normal() * 0.2);
    const out = tvDenoise(noisy, 0.15, 100);
    const before = mse(clean, noisy).mean;
    const after = mse(clean, out).mean;
    expect(after).toBeLessThan(before / 3);
    // the edge stays sharp: mean of the columns beside it differ by most of the step
    let left = 0;
    let right = 0;
    for (let r = 0; r < R; r++) {
      left += out[r * R + 13];
      right += out[r * R + 14];
    }
    expect((right - left) / R).toBeGreaterThan(0.6);
  });

  test("equals Chambolle's algorithm written from the paper in double precision (same steps), 28x28 and 12x17", () => {
    const rng = new Rng(5);
    const clean = stepImage();
    const noisy = clean.map((v, i) => v * (i % 28 < 20 ? 1 : 0.5) + rng.normal() * 0.2);
    const odd = rng.uniformArray(2 * 12 * 17);
    for (const { f, rows, cols, weight, iterations } of [
      { f: noisy, rows: 28, cols: 28, weight: 0.15, iterations: 100 },
      { f: noisy, rows: 28, cols: 28, weight: 0.05, iterations: 7 },
      { f: odd, rows: 12, cols: 17, weight: 0.3, iterations: 60 },
    ]) {
      const got = tvDenoise(f, weight, iterations, { rows, cols });
      for (let k = 0; k < f.length / (rows * cols); k++) {
        const image = f.subarray(k * rows * cols, (k + 1) * rows * cols);
        const want = referenceChambolle(image, weight, iterations, rows, cols);
        let err = 0;
        for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[k * rows * cols + i] - want[i]));
        expect(err).toBeLessThan(1e-6);
      }
    }
  });

  test('converges to the minimiser of 1/2 |u - f|^2 + weight TV(u): the duality gap closes', () => {
    // The dual bound comes from another algorithm (FISTA on the dual); E(u) - bound >= E(u) - min E
    // >= 1/2 |u - u*|^2 (E is 1-strongly convex), so a small gap proves u is near the minimiser.
    const rng = new Rng(6);
    const f = stepImage().map((v) => v + rng.normal() * 0.2);
    const weight = 0.15;
    const { bound, u: dualU } = dualBound(f, weight, 1500, R, R);
    const gapOf = (u: ArrayLike<number>): number => tvObjective(u, f, weight, R, R) - bound;
    expect(gapOf(dualU)).toBeGreaterThanOrEqual(-1e-9); // weak duality holds for the certificate itself
    expect(gapOf(dualU)).toBeLessThan(1e-4);
    const gap100 = gapOf(tvDenoise(f, weight, 100));
    const gap1000 = gapOf(tvDenoise(f, weight, 1000));
    expect(gap1000).toBeLessThan(gap100);
    // measured: gap 0.025 after 100 steps, 7e-4 after 1000 (certificate's own gap 5e-6), objective 18.7
    expect(gap1000).toBeLessThan(2e-3); // |u - u*| <= sqrt(2 gap) ~ 0.06 over all 784 pixels
    // the default 100 steps are within 0.5% of the optimal objective
    expect(gap100 / bound).toBeLessThan(0.005);
  });

  test('weight 0 returns the input; a constant image stays constant', () => {
    const img = new Float32Array(R * R).fill(0.3);
    expect(Array.from(tvDenoise(img, 0))).toEqual(Array.from(img));
    for (const v of tvDenoise(img, 0.2, 20)) expect(v).toBeCloseTo(0.3, 6);
    expect(() => tvDenoise(img, -1)).toThrow(/weight/);
  });
});

describe('gaussianFilter and medianFilter', () => {
  test('the Gaussian filter keeps constants and the total brightness of an interior spot', () => {
    const flat = new Float32Array(2 * R * R).fill(0.4);
    for (const v of gaussianFilter(flat, 1.5)) expect(v).toBeCloseTo(0.4, 5);
    const spot = new Float32Array(R * R);
    spot[14 * R + 14] = 1;
    const blurred = gaussianFilter(spot, 1);
    expect(blurred.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    expect(blurred[14 * R + 14]).toBeLessThan(0.2);
    expect(blurred[14 * R + 15]).toBeCloseTo(blurred[15 * R + 14], 6);
    expect(() => gaussianFilter(spot, 0)).toThrow(/sigma/);
  });

  test.each([
    { sigma: 1, rows: 28, cols: 28, truncate: 4 },
    { sigma: 1.5, rows: 28, cols: 28, truncate: 4 },
    { sigma: 0.6, rows: 9, cols: 13, truncate: 3 },
    { sigma: 2, rows: 6, cols: 7, truncate: 4 }, // radius 8 is wider than the image: reflected more than once
  ])('the Gaussian filter equals a direct 2-d convolution with mirrored borders (sigma $sigma, $rows x $cols)', ({ sigma, rows, cols, truncate }) => {
    const rng = new Rng(7);
    const images = rng.uniformArray(2 * rows * cols);
    const got = gaussianFilter(images, sigma, { rows, cols, truncate });
    const radius = Math.max(1, Math.round(truncate * sigma));
    for (let k = 0; k < 2; k++) {
      const want = referenceBlur(images.subarray(k * rows * cols, (k + 1) * rows * cols), rows, cols, sigma, radius);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[k * rows * cols + i] - want[i])).toBeLessThan(1e-6);
    }
  });

  test('the median filter removes isolated salt-and-pepper pixels', () => {
    const img = new Float32Array(R * R).fill(0.5);
    img[3 * R + 4] = 1;
    img[20 * R + 20] = 0;
    img[0] = 1; // corner pixel, mirrored border
    const out = medianFilter(img, 3);
    for (const v of out) expect(v).toBe(0.5);
    expect(() => medianFilter(img, 4)).toThrow(/odd/);
    expect(() => medianFilter(new Float32Array(100), 3)).toThrow(/multiple of 784/);
  });
});
