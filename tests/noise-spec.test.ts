/** NoiseSpec checks (every RangeError), describeNoise labels, and the parameter checkers. */
import { Rng } from '../src/rng';
import {
  applyNoise,
  describeNoise,
  gaussianNoise,
  MNIST_IMAGE_SHAPE,
  NOISE_TYPES,
  saltPepperNoise,
  speckleNoise,
  validateNoiseSpec,
  type NoiseSpec,
} from '../src/noise';
import { checkNoiseProbability, checkNoiseStd, checkSaltPepper } from '../src/noise/spec';

const x = new Float32Array(4).fill(0.5);
const rng = (): Rng => new Rng(0);

test('describeNoise gives short labels', () => {
  expect(describeNoise({ type: 'gaussian', std: 0.3 })).toBe('Gaussian σ=0.3');
  expect(describeNoise({ type: 'saltPepper', salt: 0.1, pepper: 0.05 })).toBe('Salt & pepper s=0.1 p=0.05');
  expect(describeNoise({ type: 'speckle', std: 0.123456 })).toBe('Speckle σ=0.123');
  expect(describeNoise({ type: 'blur' })).toBe('Blur ↓2 bilinear ↑');
  expect(() => describeNoise({ type: 'gaussian', std: -1 })).toThrow(RangeError);
});

test('NOISE_TYPES lists exactly the types applyNoise handles; MNIST_IMAGE_SHAPE', () => {
  expect(NOISE_TYPES).toEqual(['gaussian', 'saltPepper', 'speckle', 'blur']);
  const specs: Record<NoiseSpec['type'], NoiseSpec> = {
    gaussian: { type: 'gaussian', std: 0.2 },
    saltPepper: { type: 'saltPepper', salt: 0.2, pepper: 0.2 },
    speckle: { type: 'speckle', std: 0.2 },
    blur: { type: 'blur' },
  };
  // a 28x28 image with structure, so that every noise changes some pixel
  const image = Float32Array.from({ length: 784 }, (_, i) => (((i % 28) + Math.floor(i / 28)) % 2 === 0 ? 0.25 : 0.75));
  for (const type of NOISE_TYPES) {
    expect(() => validateNoiseSpec(specs[type])).not.toThrow();
    const out = applyNoise(image, specs[type], rng(), MNIST_IMAGE_SHAPE);
    expect(out).not.toBe(image);
    expect(out.length).toBe(image.length);
    expect(out.some((v, i) => v !== image[i])).toBe(true);
    expect(describeNoise(specs[type]).length).toBeGreaterThan(0);
  }
  expect(MNIST_IMAGE_SHAPE).toEqual({ rows: 28, cols: 28 });
});

describe('RangeErrors name the parameter and why', () => {
  test.each([
    [{ type: 'gaussian', std: -0.1 }, /std must be >= 0 \(a standard deviation cannot be negative\), got -0.1/],
    [{ type: 'gaussian', std: NaN }, /std must be a finite number, got NaN/],
    [{ type: 'speckle', std: -2 }, /std must be >= 0/],
    [{ type: 'speckle', std: Infinity }, /std must be a finite number, got Infinity/],
    [{ type: 'saltPepper', salt: 1.5, pepper: 0 }, /salt is a probability and must be in \[0, 1\], got 1.5/],
    [{ type: 'saltPepper', salt: 0, pepper: -0.1 }, /pepper is a probability and must be in \[0, 1\], got -0.1/],
    [{ type: 'saltPepper', salt: NaN, pepper: 0 }, /salt must be a finite number/],
    [{ type: 'saltPepper', salt: 0.7, pepper: 0.6 }, /salt \+ pepper must be <= 1 .*0.7 \+ 0.6/],
    [{ type: 'blur', factor: 1.5 }, /factor must be an integer >= 1, got 1.5/],
  ] as [NoiseSpec, RegExp][])('%o', (spec, message) => {
    expect(() => validateNoiseSpec(spec)).toThrow(RangeError);
    expect(() => validateNoiseSpec(spec)).toThrow(message);
    expect(() => applyNoise(x, spec, rng())).toThrow(message);
  });

  test('the per-type functions check too', () => {
    expect(() => gaussianNoise(x, -1, rng())).toThrow(/gaussianNoise: std must be >= 0/);
    expect(() => speckleNoise(x, Number.POSITIVE_INFINITY, rng())).toThrow(/speckleNoise: std must be a finite number/);
    expect(() => saltPepperNoise(x, 0.5, 0.6, rng())).toThrow(/saltPepperNoise: salt \+ pepper must be <= 1/);
    expect(() => saltPepperNoise(x, 2, 0, rng())).toThrow(RangeError);
  });

  test('the checkers accept valid values and reject bad ones', () => {
    expect(() => checkNoiseStd('f', 'std', 0)).not.toThrow();
    expect(() => checkNoiseStd('f', 'sigma', -1)).toThrow(/f: sigma must be >= 0/);
    expect(() => checkNoiseProbability('f', 'p', 1)).not.toThrow();
    expect(() => checkNoiseProbability('f', 'p', 1.01)).toThrow(/f: p is a probability/);
    expect(() => checkSaltPepper('f', 0.5, 0.5)).not.toThrow();
    expect(() => checkSaltPepper('f', 0.5, 0.51)).toThrow(/salt \+ pepper must be <= 1/);
  });
});

test('unknown noise type is a TypeError listing the known ones', () => {
  const bad = { type: 'poisson' } as unknown as NoiseSpec;
  expect(() => validateNoiseSpec(bad)).toThrow(TypeError);
  expect(() => applyNoise(x, bad, rng())).toThrow(/Unknown noise type 'poisson'; expected one of gaussian, saltPepper, speckle, blur/);
});
