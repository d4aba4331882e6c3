import * as tf from '@tensorflow/tfjs';
import { mse, psnr, ssim } from '../src/metrics';
import { Rng } from '../src/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const P = 784;

/**
 * SSIM of one image pair in double precision, straight from Wang, Bovik, Sheikh, Simoncelli
 * (2004): Gaussian window w (size x size, standard deviation sigma, weights summing to 1), at every
 * position where the window fits; local weighted means mu, variances sum w (x - mu)^2 and covariance
 * sum w (x - mux)(y - muy); C1 = (0.01 L)^2, C2 = (0.03 L)^2 with L = 1; the mean of the SSIM map.
 */
function referenceSsim(x: ArrayLike<number>, y: ArrayLike<number>, rows: number, cols: number, size: number, sigma: number): number {
  const half = (size - 1) / 2;
  const w: number[][] = [];
  let total = 0;
  for (let i = 0; i < size; i++) {
    w.push([]);
    for (let j = 0; j < size; j++) {
      const v = Math.exp(-((i - half) ** 2 + (j - half) ** 2) / (2 * sigma * sigma));
      w[i].push(v);
      total += v;
    }
  }
  const c1 = 0.01 ** 2;
  const c2 = 0.03 ** 2;
  let sum = 0;
  let positions = 0;
  for (let r = 0; r + size <= rows; r++) {
    for (let c = 0; c + size <= cols; c++) {
      let mx = 0;
      let my = 0;
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          mx += (w[i][j] / total) * x[(r + i) * cols + c + j];
          my += (w[i][j] / total) * y[(r + i) * cols + c + j];
        }
      }
      let vx = 0;
      let vy = 0;
      let cxy = 0;
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          const dx = x[(r + i) * cols + c + j] - mx;
          const dy = y[(r + i) * cols + c + j] - my;
          vx += (w[i][j] / total) * dx * dx;
          vy += (w[i][j] / total) * dy * dy;
          cxy += (w[i][j] / total) * dx * dy;
        }
      }
      sum += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
      positions++;
    }
  }
  return sum / positions;
}

describe('mse and psnr', () => {
  test('a known pair: every pixel off by 0.1 gives MSE 0.01 and PSNR 20 dB', () => {
    const rng = new Rng(1);
    const a = rng.uniformArray(2 * P).map((v) => v * 0.8);
    const b = a.map((v) => v + 0.1);
    expect(mse(a, b).mean).toBeCloseTo(0.01, 6);
    const p = psnr(a, b);
    expect(p.perImage.length).toBe(2);
    expect(p.mean).toBeCloseTo(20, 3);
    expect(psnr(a, a).mean).toBe(Infinity);
  });

  test('per-image values and their mean', () => {
    const a = new Float32Array(2 * P);
    const b = new Float32Array(2 * P);
    b.fill(0.5, 0, P); // image 0 off by 0.5, image 1 exact
    const m = mse(a, b);
    expect(Array.from(m.perImage)).toEqual([0.25, 0]);
    expect(m.mean).toBeCloseTo(0.125);
    expect(() => mse(a, b.subarray(0, P))).toThrow(/same number/);
    expect(() => mse(new Float32Array(10), new Float32Array(10))).toThrow(/multiple of 784/);
  });
});

describe('ssim', () => {
  test('is 1 for identical images and lower for a noisy copy', () => {
    const rng = new Rng(2);
    const img = rng.uniformArray(3 * P);
    const same = ssim(img, img);
    for (const v of same.perImage) expect(v).toBe(1);
    const noisy = img.map((v) => v + rng.normal() * 0.2);
    const s = ssim(img, noisy);
    expect(s.mean).toBeLessThan(0.9);
    expect(s.mean).toBeGreaterThan(0);
    expect(ssim(noisy, img).mean).toBeCloseTo(s.mean, 5);
  });

  test('matches the closed form for two flat images', () => {
    // flat images: no variance, so SSIM = (2 mx my + C1) / (mx^2 + my^2 + C1)
    const a = new Float32Array(P).fill(0.3);
    const b = new Float32Array(P).fill(0.6);
    const c1 = 0.01 ** 2;
    expect(ssim(a, b).mean).toBeCloseTo((2 * 0.3 * 0.6 + c1) / (0.09 + 0.36 + c1), 4);
  });

  test('equals a double-precision SSIM written from Wang et al. 2004 (1e-6 on textures, 1e-4 on flat areas), on random and structured images', () => {
    const rng = new Rng(11);
    const clip = (v: number): number => Math.min(1, Math.max(0, v));
    const cases: Array<{
      what: string;
      a: Float32Array;
      b: Float32Array;
      rows?: number;
      cols?: number;
      opts?: { windowSize: number; sigma: number };
      tol?: number;
    }> = [];
    // random images against other random images and against noisy copies
    const ra = rng.uniformArray(2 * P);
    cases.push({ what: 'two random images', a: ra, b: rng.uniformArray(2 * P) });
    cases.push({ what: 'random and a noisy copy', a: ra, b: ra.map((v) => clip(v + 0.1 * rng.normal())) });
    // structured: a step edge against a shifted and dimmer step; a ramp against its contrast-halved copy; a disc against a blurred-looking ring
    const step = new Float32Array(P);
    const shifted = new Float32Array(P);
    const ramp = new Float32Array(P);
    const flatRamp = new Float32Array(P);
    const disc = new Float32Array(P);
    const ring = new Float32Array(P);
    for (let r = 0; r < 28; r++) {
      for (let c = 0; c < 28; c++) {
        const i = r * 28 + c;
        step[i] = c >= 14 ? 1 : 0;
        shifted[i] = c >= 16 ? 0.7 : 0.1;
        ramp[i] = (r + c) / 54;
        flatRamp[i] = 0.25 + (r + c) / 108;
        const d = Math.hypot(r - 13.5, c - 13.5);
        disc[i] = d < 8 ? 1 : 0;
        ring[i] = Math.exp(-((d - 7) ** 2) / 8);
      }
    }
    // The library works in float32 with var = E[x^2] - mu^2: where a window lies on a flat non-zero
    // area (variance 0) that leaves about 1e-7 of rounding in var, against C2 = 9e-4, so up to
    // ~6e-5 in SSIM (measured); random textures agree to ~1e-7. Hence 1e-4 for the flat cases.
    cases.push({ what: 'step vs shifted dim step', a: step, b: shifted, tol: 1e-4 });
    cases.push({ what: 'ramp vs contrast-halved ramp', a: ramp, b: flatRamp, tol: 1e-4 });
    cases.push({ what: 'disc vs ring', a: disc, b: ring });
    // bright, almost flat images: small local variances, where float32 cancellation would show
    const bright = rng.uniformArray(P).map((v) => 0.9 + 0.02 * v);
    cases.push({ what: 'bright low-contrast pair', a: bright, b: bright.map((v) => clip(v + 0.01 * rng.normal())), tol: 1e-4 });
    // another image size and window
    cases.push({
      what: '20x24 with a 7x7 window, sigma 1',
      a: rng.uniformArray(20 * 24),
      b: rng.uniformArray(20 * 24),
      rows: 20,
      cols: 24,
      opts: { windowSize: 7, sigma: 1 },
    });
    for (const { what, a, b, rows = 28, cols = 28, opts = { windowSize: 11, sigma: 1.5 }, tol = 1e-6 } of cases) {
      const got = ssim(a, b, { rows, cols, ...opts }).perImage;
      const count = a.length / (rows * cols);
      expect(got.length).toBe(count);
      for (let n = 0; n < count; n++) {
        const off = n * rows * cols;
        const expected = referenceSsim(
          a.subarray(off, off + rows * cols),
          b.subarray(off, off + rows * cols),
          rows,
          cols,
          opts.windowSize,
          opts.sigma,
        );
        const err = Math.abs(got[n] - expected);
        if (err > tol) throw new Error(`${what}, image ${n}: ssim ${got[n]} vs reference ${expected} (|diff| ${err} > ${tol})`);
      }
    }
  });

  test('rejects a window larger than the image or even', () => {
    const a = new Float32Array(64);
    expect(() => ssim(a, a, { rows: 8, cols: 8 })).toThrow(/does not fit/);
    expect(() => ssim(new Float32Array(P), new Float32Array(P), { windowSize: 10 })).toThrow(/odd/);
  });
});
