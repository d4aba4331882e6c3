import { gaussianFilter, medianFilter, tvDenoise } from '../src/analysis';
import { mse } from '../src/metrics';
import { Rng } from '../src/rng';

const R = 28;

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
