import * as tf from '@tensorflow/tfjs';
import { mse, psnr, ssim } from '../src/metrics';
import { Rng } from '../src/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const P = 784;

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

  test('rejects a window larger than the image or even', () => {
    const a = new Float32Array(64);
    expect(() => ssim(a, a, { rows: 8, cols: 8 })).toThrow(/does not fit/);
    expect(() => ssim(new Float32Array(P), new Float32Array(P), { windowSize: 10 })).toThrow(/odd/);
  });
});
