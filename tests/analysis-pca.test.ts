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

  test('leaves no tensor behind: fitting, and every transform', () => {
    const rng = new Rng(3);
    const p = 5;
    const data = rng.normalArray(40 * p);
    const before = tf.memory().numTensors;
    const pca = pcaProject(data, { pixels: p, components: 2, batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);
    pca.transform(data.subarray(0, 7 * p));
    pca.transform(data);
    expect(tf.memory().numTensors).toBe(before);
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

  /** Mean silhouette and Fisher ratio straight from their definitions, in double precision. */
  function reference(codes: ArrayLike<number>, dims: number, labels: ArrayLike<number>): { silhouette: number; fisher: number } {
    const n = labels.length;
    const point = (i: number): number[] => Array.from({ length: dims }, (_, j) => codes[i * dims + j]);
    const dist = (i: number, k: number): number => Math.sqrt(point(i).reduce((s, v, j) => s + (v - point(k)[j]) ** 2, 0));
    const classes = [...new Set(Array.from(labels))];
    const members = (c: number): number[] => Array.from({ length: n }, (_, i) => i).filter((i) => labels[i] === c);
    let sil = 0;
    for (let i = 0; i < n; i++) {
      const own = members(labels[i]).filter((k) => k !== i);
      if (own.length === 0) continue; // a point alone in its class scores 0 (Rousseeuw 1987)
      const a = own.reduce((s, k) => s + dist(i, k), 0) / own.length;
      const b = Math.min(...classes.filter((c) => c !== labels[i]).map((c) => members(c).reduce((s, k) => s + dist(i, k), 0) / members(c).length));
      sil += (b - a) / Math.max(a, b);
    }
    const mean = (idx: number[]): number[] => Array.from({ length: dims }, (_, j) => idx.reduce((s, i) => s + codes[i * dims + j], 0) / idx.length);
    const all = mean(Array.from({ length: n }, (_, i) => i));
    let between = 0;
    let within = 0;
    for (const c of classes) {
      const idx = members(c);
      const m = mean(idx);
      between += idx.length * m.reduce((s, v, j) => s + (v - all[j]) ** 2, 0);
      for (const i of idx) within += point(i).reduce((s, v, j) => s + (v - m[j]) ** 2, 0);
    }
    return { silhouette: sil / n, fisher: between / within };
  }

  test('a case worked by hand: 1-d points 0, 2 (class 0) and 6, 9 (class 1)', () => {
    // silhouette (b - a) / max(a, b) per point:
    //   0: a = 2, b = (6 + 9) / 2 = 7.5 -> 11/15     2: a = 2, b = (4 + 7) / 2 = 5.5 -> 7/11
    //   6: a = 3, b = (6 + 4) / 2 = 5   -> 2/5       9: a = 3, b = (9 + 7) / 2 = 8   -> 5/8
    //   mean = (968 + 840 + 528 + 825) / 1320 / 4 = 3161 / 5280
    // Fisher: overall mean 4.25, class means 1 and 7.5; between = 2 * 3.25^2 + 2 * 3.25^2 = 42.25,
    //   within = 1 + 1 + 1.5^2 + 1.5^2 = 6.5, ratio 6.5. Leave-one-out 1-NN: every nearest point is of its class.
    const scores = representationScores({ codes: new Float32Array([0, 2, 6, 9]), dims: 1, labels: [0, 0, 1, 1] });
    expect(scores.silhouette).toBeCloseTo(3161 / 5280, 12);
    expect(scores.fisherRatio).toBeCloseTo(6.5, 12);
    expect(scores.oneNnAccuracy).toBe(1);
    expect(scores.silhouetteCount).toBe(4);
  });

  test.each([
    { what: '3 classes in 3-d', n: 30, dims: 3, labelOf: (i: number): number => i % 3, seed: 21 },
    { what: 'labels 0, 2, 5 (gaps) in 2-d, overlapping', n: 25, dims: 2, labelOf: (i: number): number => [0, 2, 5][i % 3], seed: 22 },
    { what: 'a class with a single point', n: 12, dims: 4, labelOf: (i: number): number => (i === 0 ? 0 : 1 + (i % 2)), seed: 23 },
  ])('silhouette and Fisher ratio equal a direct computation from their definitions: $what', ({ n, dims, labelOf, seed }) => {
    const rng = new Rng(seed);
    const labels = Int32Array.from({ length: n }, (_, i) => labelOf(i));
    const codes = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) codes[i * dims + j] = labels[i] * (j === 0 ? 1 : 0.3) + rng.normal();
    const got = representationScores({ codes, dims, labels });
    const want = reference(codes, dims, labels);
    expect(got.silhouetteCount).toBe(n);
    expect(Math.abs(got.silhouette - want.silhouette)).toBeLessThan(1e-12);
    expect(Math.abs(got.fisherRatio - want.fisher) / want.fisher).toBeLessThan(1e-12);
  });

  test('the silhouette sample is reproducible and needs an rng when subsampling', () => {
    const c = clusters(1, 4);
    const a = representationScores(c, { subsample: 200, rng: new Rng(9) });
    const b = representationScores(c, { subsample: 200, rng: new Rng(9) });
    expect(a.silhouette).toBe(b.silhouette);
    expect(() => representationScores(c, { subsample: 200 })).toThrow(/rng/);
  });
});
