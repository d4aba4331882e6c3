import * as tf from '@tensorflow/tfjs';
import { pcaProject, representationScores } from '../src/analysis';
import { Rng } from '../src/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('pcaProject', () => {
  test('recovers the main axis of synthetic data and its share of variance', () => {
    const rng = new Rng(2);
    const p = 6;
    const axis = [1, 2, 0, -1, 0.5, 0];
    const norm = Math.hypot(...axis);
    const n = 2000;
    const data = new Float32Array(n * p);
    for (let i = 0; i < n; i++) {
      const t = rng.normal() * 3;
      for (let j = 0; j < p; j++) data[i * p + j] = 5 + (t * axis[j]) / norm + rng.normal() * 0.1;
    }
    const pca = pcaProject(data, { pixels: p, components: 2, batchSize: 300 });
    const first = Array.from(pca.components.subarray(0, p));
    const cos = first.reduce((s, v, j) => s + (v * axis[j]) / norm, 0);
    expect(Math.abs(cos)).toBeGreaterThan(0.999);
    expect(pca.explainedVarianceRatio[0]).toBeGreaterThan(0.98);
    expect(pca.mean[0]).toBeCloseTo(5, 1);
    expect(pca.count).toBe(n);
    // the scores have the variance of t (9) on the first axis
    let s2 = 0;
    for (let i = 0; i < n; i++) s2 += pca.codes[i * 2] ** 2;
    expect(s2 / n).toBeGreaterThan(8);
    expect(s2 / n).toBeLessThan(10);
    // transform of new data uses the same axes
    const again = pca.transform(data.subarray(0, 10 * p));
    for (let i = 0; i < 20; i++) expect(again[i]).toBeCloseTo(pca.codes[i], 4);
  });

  test('rejects bad sizes', () => {
    expect(() => pcaProject(new Float32Array(10), { pixels: 4 })).toThrow(/multiple of 4/);
    expect(() => pcaProject(new Float32Array(8), { pixels: 4, components: 5 })).toThrow(/components/);
  });
});

describe('representationScores', () => {
  function clusters(spread: number, seed: number) {
    const rng = new Rng(seed);
    const n = 600;
    const codes = new Float32Array(n * 2);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      codes[i * 2] = labels[i] * 4 + rng.normal() * spread;
      codes[i * 2 + 1] = rng.normal() * spread;
    }
    return { codes, dims: 2, labels };
  }

  test('scores well-separated clusters above overlapping ones', () => {
    const good = representationScores(clusters(0.3, 1), { subsample: 300, rng: new Rng(1) });
    const bad = representationScores(clusters(3, 1), { subsample: 300, rng: new Rng(1) });
    expect(good.oneNnAccuracy).toBe(1);
    expect(good.silhouette).toBeGreaterThan(0.8);
    expect(good.fisherRatio).toBeGreaterThan(10);
    expect(bad.oneNnAccuracy).toBeLessThan(0.8);
    expect(bad.silhouette).toBeLessThan(good.silhouette);
    expect(bad.fisherRatio).toBeLessThan(1);
    expect(good.silhouetteCount).toBe(300);
  });

  test('the silhouette sample is reproducible and needs an rng when subsampling', () => {
    const c = clusters(1, 4);
    const a = representationScores(c, { subsample: 200, rng: new Rng(9) });
    const b = representationScores(c, { subsample: 200, rng: new Rng(9) });
    expect(a.silhouette).toBe(b.silhouette);
    expect(() => representationScores(c, { subsample: 200 })).toThrow(/rng/);
  });
});
