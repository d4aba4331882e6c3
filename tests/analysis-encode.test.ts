import * as tf from '@tensorflow/tfjs';
import { encodeDataset, latentBounds } from '../src/analysis';
import { Rng } from '../src/rng';
import type { ImageDataset } from '../src/types';
import { constantVae, linearAutoencoder, PIXELS } from './analysis-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function dataset(count: number, seed = 3): ImageDataset {
  const rng = new Rng(seed);
  const labels = new Uint8Array(count).map(() => rng.int(10));
  return { images: rng.uniformArray(count * PIXELS), labels, count, rows: 28, cols: 28 };
}

describe('encodeDataset', () => {
  test('batched codes equal one big encodeMean, and labels come along', () => {
    const model = linearAutoencoder(3);
    const ds = dataset(23);
    const codes = encodeDataset(model, ds, { batchSize: 5 });
    const direct = model.encodeMean(tf.tensor2d(ds.images, [23, PIXELS]));
    const want = direct.dataSync();
    expect(codes.count).toBe(23);
    expect(codes.dims).toBe(3);
    for (let i = 0; i < want.length; i++) expect(codes.codes[i]).toBeCloseTo(want[i], 5);
    expect(codes.labels).toBe(ds.labels);
    model.dispose();
  });

  test("mode 'sample' draws mu + sigma * eps reproducibly from the rng", () => {
    const model = constantVae([1, -2], [Math.log(0.25), Math.log(4)]);
    const ds = dataset(4000);
    const a = encodeDataset(model, ds, { mode: 'sample', rng: new Rng(7), batchSize: 1000 });
    const b = encodeDataset(model, ds, { mode: 'sample', rng: new Rng(7), batchSize: 1000 });
    expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
    const stats = [0, 1].map((j) => {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < a.count; i++) {
        s += a.codes[i * 2 + j];
        s2 += a.codes[i * 2 + j] ** 2;
      }
      const mean = s / a.count;
      return { mean, std: Math.sqrt(s2 / a.count - mean * mean) };
    });
    expect(stats[0].mean).toBeCloseTo(1, 1);
    expect(stats[0].std).toBeCloseTo(0.5, 1);
    expect(stats[1].mean).toBeCloseTo(-2, 1);
    expect(stats[1].std).toBeCloseTo(2, 1);
    model.dispose();
  });

  test('bad input fails with a message naming what was expected', () => {
    const model = linearAutoencoder(2);
    expect(() => encodeDataset(model, new Float32Array(100))).toThrow(/multiple of 784/);
    expect(() => encodeDataset(model, new Float32Array(PIXELS), { mode: 'sample', rng: new Rng(1) })).toThrow(/needs a VAE/);
    expect(() => encodeDataset(model, new Float32Array(PIXELS), { batchSize: 0 })).toThrow(/batchSize/);
    expect(() => encodeDataset(model, new Float32Array(PIXELS), { labels: [1, 2] })).toThrow(/labels/);
    model.dispose();
  });
});

describe('latentBounds', () => {
  test('gives min and max per dimension, or percentiles', () => {
    const codes = new Float32Array(202);
    for (let i = 0; i <= 100; i++) {
      codes[i * 2] = i; // 0..100
      codes[i * 2 + 1] = -i;
    }
    expect(latentBounds({ codes, dims: 2 })).toEqual({ min: [0, -100], max: [100, 0] });
    const clipped = latentBounds({ codes, dims: 2 }, { percentile: 5 });
    expect(clipped.min[0]).toBeCloseTo(5);
    expect(clipped.max[0]).toBeCloseTo(95);
    expect(clipped.min[1]).toBeCloseTo(-95);
    expect(() => latentBounds({ codes, dims: 3 })).toThrow(/multiple of dims/);
    expect(() => latentBounds({ codes, dims: 2 }, { percentile: 60 })).toThrow(/percentile/);
  });
});
