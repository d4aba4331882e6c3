/** Noise statistics, clipping and determinism of gaussianNoise, saltPepperNoise, speckleNoise, blurImages, applyNoise. */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/rng';
import { applyNoise, blurImages, gaussianNoise, saltPepperNoise, speckleNoise } from '../src/noise';

const N = 100_000;
const grey = (v: number, n = N): Float32Array => new Float32Array(n).fill(v);

function stats(a: Float32Array, b: Float32Array): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const d = b[i] - a[i];
    s += d;
    s2 += d * d;
    min = Math.min(min, b[i]);
    max = Math.max(max, b[i]);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

describe('gaussianNoise', () => {
  test('adds zero-mean noise of the given std (away from the clip bounds)', () => {
    const x = grey(0.5);
    const st = stats(x, gaussianNoise(x, 0.05, new Rng(1)));
    expect(Math.abs(st.mean)).toBeLessThan(0.001);
    expect(st.std).toBeGreaterThan(0.049);
    expect(st.std).toBeLessThan(0.051);
  });

  test('clips to [0, 1] (large std saturates both ends), std 0 is the identity, input untouched', () => {
    const x = grey(0.5);
    const y = gaussianNoise(x, 3, new Rng(2));
    const st = stats(x, y);
    expect([st.min, st.max]).toEqual([0, 1]);
    const zeros = y.filter((v) => v === 0).length / N;
    expect(zeros).toBeGreaterThan(0.4); // P(N(0.5, 9) < 0) ≈ 0.43
    expect(Array.from(gaussianNoise(x, 0, new Rng(2)))).toEqual(Array.from(x));
    expect(x.every((v) => v === 0.5)).toBe(true);
  });

  test('same seed, same noise; other seed, other noise', () => {
    const x = grey(0.3, 1000);
    expect(Array.from(gaussianNoise(x, 0.2, new Rng(9)))).toEqual(Array.from(gaussianNoise(x, 0.2, new Rng(9))));
    expect(Array.from(gaussianNoise(x, 0.2, new Rng(9)))).not.toEqual(Array.from(gaussianNoise(x, 0.2, new Rng(10))));
  });
});

describe('saltPepperNoise', () => {
  test('salt turns pixels white and pepper black with the given probabilities, others unchanged', () => {
    const x = grey(0.5);
    const y = saltPepperNoise(x, 0.1, 0.05, new Rng(3));
    const salt = y.filter((v) => v === 1).length / N;
    const pepper = y.filter((v) => v === 0).length / N;
    const kept = y.filter((v) => v === 0.5).length / N;
    expect(Math.abs(salt - 0.1)).toBeLessThan(0.005);
    expect(Math.abs(pepper - 0.05)).toBeLessThan(0.005);
    expect(salt + pepper + kept).toBeCloseTo(1, 10);
  });

  test('matches the course tutorial: its default salt 0.5, pepper 0.1 gives half the pixels white', () => {
    const y = saltPepperNoise(grey(0.5), 0.5, 0.1, new Rng(4));
    expect(Math.abs(y.filter((v) => v === 1).length / N - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(y.filter((v) => v === 0).length / N - 0.1)).toBeLessThan(0.005);
  });

  test('zero probabilities change nothing; salt 1 whitens everything; seeded', () => {
    const x = grey(0.25, 1000);
    expect(Array.from(saltPepperNoise(x, 0, 0, new Rng(5)))).toEqual(Array.from(x));
    expect(saltPepperNoise(x, 1, 0, new Rng(5)).every((v) => v === 1)).toBe(true);
    expect(saltPepperNoise(x, 0, 1, new Rng(5)).every((v) => v === 0)).toBe(true);
    expect(Array.from(saltPepperNoise(x, 0.2, 0.2, new Rng(6)))).toEqual(Array.from(saltPepperNoise(x, 0.2, 0.2, new Rng(6))));
  });
});

describe('speckleNoise', () => {
  test('is multiplicative: noise std is x * std, black stays black', () => {
    const half = grey(0.5);
    const st = stats(half, speckleNoise(half, 0.1, new Rng(7)));
    expect(st.std).toBeGreaterThan(0.049);
    expect(st.std).toBeLessThan(0.051);
    expect(speckleNoise(grey(0, 1000), 5, new Rng(7)).every((v) => v === 0)).toBe(true);
  });

  test('clips to [0, 1] and is seeded', () => {
    const x = grey(0.9);
    const y = speckleNoise(x, 2, new Rng(8));
    const st = stats(x, y);
    expect([st.min, st.max]).toEqual([0, 1]);
    expect(Array.from(speckleNoise(x.subarray(0, 500), 0.3, new Rng(8)))).toEqual(Array.from(speckleNoise(x.subarray(0, 500), 0.3, new Rng(8))));
  });
});

describe('blurImages', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  test('equals TensorFlow bilinear resize 28x28 -> 14x14 -> 28x28 (half-pixel centres)', () => {
    const rng = new Rng(11);
    const imgs = rng.uniformArray(3 * 784);
    const ours = blurImages(imgs);
    const resized = tf.tidy(() => {
      const x = tf.tensor4d(imgs, [3, 28, 28, 1]);
      const small = tf.image.resizeBilinear(x, [14, 14], false, true);
      return tf.image.resizeBilinear(small, [28, 28], false, true);
    });
    const theirs = resized.dataSync();
    resized.dispose();
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  test('keeps constant images, removes the finest detail, stays in [0, 1]', () => {
    expect(blurImages(grey(0.4, 784)).every((v) => Math.abs(v - 0.4) < 1e-6)).toBe(true);
    const checker = new Float32Array(784).map((_, i) => ((Math.floor(i / 28) + (i % 28)) % 2 === 0 ? 1 : 0));
    expect(blurImages(checker).every((v) => Math.abs(v - 0.5) < 1e-6)).toBe(true);
    const y = blurImages(new Rng(12).uniformArray(784 * 2));
    expect(y.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  test('other shapes and factors; RangeError for shapes that do not fit', () => {
    expect(blurImages(grey(1, 36), { rows: 6, cols: 6 }, 3).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    expect(() => blurImages(grey(0, 100))).toThrow(/100 values, not a multiple of 28×28 = 784/);
    expect(() => blurImages(grey(0, 25), { rows: 5, cols: 5 })).toThrow(/divisible by factor 2/);
    expect(() => blurImages(grey(0, 784), undefined, 0)).toThrow(/blurImages: factor must be an integer >= 1, got 0/);
  });
});

describe('applyNoise', () => {
  test('dispatches each spec to its function with the same draws', () => {
    const x = new Rng(13).uniformArray(784);
    expect(Array.from(applyNoise(x, { type: 'gaussian', std: 0.3 }, new Rng(1)))).toEqual(Array.from(gaussianNoise(x, 0.3, new Rng(1))));
    expect(Array.from(applyNoise(x, { type: 'saltPepper', salt: 0.1, pepper: 0.2 }, new Rng(1)))).toEqual(
      Array.from(saltPepperNoise(x, 0.1, 0.2, new Rng(1))),
    );
    expect(Array.from(applyNoise(x, { type: 'speckle', std: 0.3 }, new Rng(1)))).toEqual(Array.from(speckleNoise(x, 0.3, new Rng(1))));
    expect(Array.from(applyNoise(x, { type: 'blur' }, new Rng(1)))).toEqual(Array.from(blurImages(x)));
    expect(Array.from(applyNoise(grey(0, 36), { type: 'blur', factor: 3 }, new Rng(1), { rows: 6, cols: 6 }))).toEqual(new Array(36).fill(0));
  });

  test('every result is clipped to [0, 1]', () => {
    const x = new Rng(14).uniformArray(5000);
    for (const spec of [
      { type: 'gaussian', std: 1 },
      { type: 'saltPepper', salt: 0.3, pepper: 0.3 },
      { type: 'speckle', std: 3 },
    ] as const) {
      expect(applyNoise(x, spec, new Rng(2)).every((v) => v >= 0 && v <= 1)).toBe(true);
    }
  });

  test('rejects non-Float32Array images with a TypeError', () => {
    expect(() => gaussianNoise([0.5] as unknown as Float32Array, 0.1, new Rng(1))).toThrow(TypeError);
  });
});

describe('noise functions refuse pixels outside [0, 1] and non-finite pixels, saying what was wrong', () => {
  const bytes = new Float32Array(784).map((_, i) => i % 256); // a 0-255 image, never scaled
  const withNaN = new Float32Array(784).fill(0.5);
  withNaN[100] = NaN;
  const cases: Array<[string, (x: Float32Array) => Float32Array]> = [
    ['gaussianNoise', (x) => gaussianNoise(x, 0.1, new Rng(1))],
    ['saltPepperNoise', (x) => saltPepperNoise(x, 0.05, 0.05, new Rng(1))],
    ['speckleNoise', (x) => speckleNoise(x, 0.1, new Rng(1))],
    ['blurImages', (x) => blurImages(x)],
    ['applyNoise', (x) => applyNoise(x, { type: 'gaussian', std: 0.1 }, new Rng(1))],
  ];
  test.each(cases)('%s: 0-255 pixels are refused with the range found and the range expected', (name, f) => {
    expect(() => f(bytes)).toThrow(RangeError);
    expect(() => f(bytes)).toThrow(/outside \[0, 1\]/);
    expect(() => f(bytes)).toThrow(/255/);
    expect(() => f(bytes)).toThrow(new RegExp(name === 'applyNoise' ? 'gaussianNoise|applyNoise' : name));
  });
  test.each(cases)('%s: a NaN pixel is refused, naming where it is', (_name, f) => {
    expect(() => f(withNaN)).toThrow(/NaN/);
    expect(() => f(withNaN)).toThrow(/100/);
  });
  test.each(cases)('%s: pixels exactly 0 and 1 are accepted', (_name, f) => {
    const edges = new Float32Array(784).map((_, i) => i % 2);
    expect(f(edges)).toHaveLength(784);
  });
});
