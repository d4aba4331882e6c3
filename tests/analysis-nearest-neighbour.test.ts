import * as tf from '@tensorflow/tfjs';
import { classificationReport, nearestNeighbourClassify, nearestNeighbourIndices } from '../src/analysis';
import { Rng } from '../src/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function bruteForce(ref: Float32Array, q: Float32Array, d: number, excludeSelf = false): Int32Array {
  const n = ref.length / d;
  const m = q.length / d;
  const out = new Int32Array(m);
  for (let t = 0; t < m; t++) {
    let best = Infinity;
    for (let i = 0; i < n; i++) {
      if (excludeSelf && i === t) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += (ref[i * d + j] - q[t * d + j]) ** 2;
      if (s < best) {
        best = s;
        out[t] = i;
      }
    }
  }
  return out;
}

describe('nearestNeighbourIndices', () => {
  test.each([2, 3, 12])('scan, matmul and ml-knn agree with brute force in %i dims', (d) => {
    const rng = new Rng(d);
    const ref = rng.normalArray(400 * d);
    const q = rng.normalArray(150 * d);
    const want = Array.from(bruteForce(ref, q, d));
    expect(Array.from(nearestNeighbourIndices(ref, q, d, { method: 'scan' }))).toEqual(want);
    expect(Array.from(nearestNeighbourIndices(ref, q, d, { method: 'matmul', batchSize: 64 }))).toEqual(want);
    expect(Array.from(nearestNeighbourIndices(ref, q, d, { method: 'mlKnn' }))).toEqual(want);
  });

  test('excludeSelf gives leave-one-out neighbours', () => {
    const rng = new Rng(5);
    const pts = rng.normalArray(300 * 2);
    const want = Array.from(bruteForce(pts, pts, 2, true));
    expect(Array.from(nearestNeighbourIndices(pts, pts, 2, { excludeSelf: true, method: 'scan' }))).toEqual(want);
    expect(Array.from(nearestNeighbourIndices(pts, pts, 2, { excludeSelf: true, method: 'matmul' }))).toEqual(want);
    // without exclusion each point finds itself
    expect(Array.from(nearestNeighbourIndices(pts, pts, 2))).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  test('rejects mismatched sizes', () => {
    expect(() => nearestNeighbourIndices(new Float32Array(5), new Float32Array(4), 2)).toThrow(/multiple of dims = 2/);
    expect(() => nearestNeighbourIndices(new Float32Array(4), new Float32Array(6), 2, { excludeSelf: true })).toThrow(/excludeSelf/);
    expect(() => nearestNeighbourIndices(new Float32Array([NaN, 1]), new Float32Array(2), 2)).toThrow(/finite/);
  });
});

describe('nearestNeighbourClassify', () => {
  test('is perfect on separable clusters and reports per-class accuracy and chance levels', () => {
    const rng = new Rng(11);
    const make = (count: number) => {
      const codes = new Float32Array(count * 2);
      const labels = new Uint8Array(count);
      for (let i = 0; i < count; i++) {
        const c = i % 4 === 3 ? 2 : i % 2; // classes 0,1,0,2: class 0 is the most frequent
        labels[i] = c;
        codes[i * 2] = c * 10 + rng.normal() * 0.5;
        codes[i * 2 + 1] = -c * 10 + rng.normal() * 0.5;
      }
      return { codes, dims: 2, labels };
    };
    const train = make(400);
    const test = make(200);
    const report = nearestNeighbourClassify(train, test);
    expect(report.accuracy).toBe(1);
    expect(report.perClassAccuracy).toEqual([1, 1, 1]);
    expect(report.perClassCount).toEqual([100, 50, 50]);
    expect(report.confusion).toEqual([
      [100, 0, 0],
      [0, 50, 0],
      [0, 0, 50],
    ]);
    expect(report.chance.uniform).toBeCloseTo(1 / 3);
    expect(report.chance.majority).toBeCloseTo(0.5);
    expect(report.chance.labelFrequency).toBeCloseTo(0.5 * 0.5 + 0.25 * 0.25 + 0.25 * 0.25);
  });

  test('classificationReport counts a known confusion', () => {
    const r = classificationReport([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], undefined, 3);
    expect(r.accuracy).toBeCloseTo(3 / 5);
    expect(r.confusion).toEqual([
      [1, 1, 0],
      [1, 2, 0],
      [0, 0, 0],
    ]);
    expect(r.perClassAccuracy[0]).toBeCloseTo(0.5);
    expect(r.perClassAccuracy[1]).toBeCloseTo(2 / 3);
    expect(r.perClassAccuracy[2]).toBeNaN();
    expect(() => classificationReport([0, 3], [0, 1], undefined, 3)).toThrow(/numClasses/);
  });

  test('needs labels and matching dims', () => {
    const a = { codes: new Float32Array(4), dims: 2 };
    const b = { codes: new Float32Array(6), dims: 3, labels: [0, 1] };
    expect(() => nearestNeighbourClassify({ ...a, labels: [0, 1] }, b)).toThrow(/dims/);
    expect(() => nearestNeighbourClassify(a, { ...a, labels: [0, 1] })).toThrow(/labels/);
  });
});
