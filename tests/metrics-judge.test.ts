/**
 * The MNIST judge on real data (wasm): trained once for this file into a temporary cache, reused
 * from the cache on the second call, at least 97% accurate on the test images, and its measures
 * discriminate: real test images are closer (FID-like) to other real images than blurred or noise
 * images are, and the judge is more confident on them than on noise. The old "realism" score of
 * notebook 09 (RMS distance to the nearest training image) is computed alongside: it ranks the
 * blurred images as *more* realistic than the real ones.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { nearestNeighbourIndices } from '../src/analysis';
import { initBackend } from '../src/backend';
import { loadMnist, selectDataset } from '../src/data';
import { judgeReference, judgeScores, mnistJudge, type GaussianFit, type JudgeScores, type MnistJudge } from '../src/metrics';
import { blurImages } from '../src/noise';
import { Rng } from '../src/rng';
import type { DatasetSplits, ImageDataset } from '../src/types';

const PIXELS = 784;
const N = 1000;
let cacheDir: string;
let data: DatasetSplits;
let judge: MnistJudge;
let reference: GaussianFit;
let real: ImageDataset;
const rows: Record<string, JudgeScores & { realism: number }> = {};

const range = (ds: ImageDataset, from: number, to: number): ImageDataset =>
  selectDataset(
    ds,
    Int32Array.from({ length: to - from }, (_, i) => from + i),
  );

/** Notebook 09's realism score: mean RMS pixel distance to the nearest of `train` images. */
function oldRealism(images: Float32Array, train: Float32Array): number {
  const nn = nearestNeighbourIndices(train, images, PIXELS, { method: 'matmul' });
  const n = images.length / PIXELS;
  let r = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < PIXELS; k++) s += (images[i * PIXELS + k] - train[nn[i] * PIXELS + k]) ** 2;
    r += Math.sqrt(s / PIXELS) / n;
  }
  return r;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-judge-'));
  data = loadMnist();
  judge = await mnistJudge({ data, cacheDir, verbose: 0 });
  // reference: the first N test images; the images scored: the next N real ones, and corruptions of them
  reference = judgeReference(judge, range(data.test, 0, N));
  real = range(data.test, N, 2 * N);
  const trainForRealism = range(data.train, 0, 10000).images;
  const sets: Record<string, Float32Array> = {
    real: real.images,
    blurred: blurImages(real.images, undefined, 2),
    noise: new Rng(5).uniformArray(N * PIXELS),
  };
  for (const [name, images] of Object.entries(sets)) {
    rows[name] = { ...judgeScores(judge, images, { reference }), realism: oldRealism(images, trainForRealism) };
  }
  const fmt = (name: string): string => {
    const r = rows[name];
    return `${name.padEnd(8)} FID ${(r.frechet ?? NaN).toFixed(2).padStart(7)}  confidence ${r.confidence.toFixed(3)}  entropy ${r.entropy.toFixed(3)}  IS ${r.inceptionScore.toFixed(2)}  old realism ${r.realism.toFixed(3)}  classes ${Array.from(r.classHistogram).join(',')}`;
  };
  process.stdout.write(
    `judge: test accuracy ${judge.testAccuracy.toFixed(4)} (${judge.testCount} images)\n${Object.keys(rows).map(fmt).join('\n')}\n`,
  );
}, 600_000);

afterAll(() => {
  judge?.dispose();
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
});

test('classifies at least 97% of the MNIST test images correctly (accuracy recomputed from its probabilities)', () => {
  expect(judge.testCount).toBe(10000);
  expect(judge.testAccuracy).toBeGreaterThanOrEqual(0.97);
  const p = judge.probabilities(data.test);
  expect(p.count).toBe(10000);
  expect(p.dims).toBe(10);
  let correct = 0;
  for (let i = 0; i < p.count; i++) {
    const row = Array.from(p.values.subarray(i * 10, (i + 1) * 10));
    expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    if (row.indexOf(Math.max(...row)) === data.test.labels[i]) correct++;
  }
  expect(correct / p.count).toBeCloseTo(judge.testAccuracy, 12);
});

test('features: one non-negative (ReLU) row of featureDim per image; the same images give the same rows', () => {
  const f = judge.features(real);
  expect(judge.featureDim).toBe(64);
  expect(f.dims).toBe(64);
  expect(f.count).toBe(N);
  expect(Math.min(...f.values)).toBeGreaterThanOrEqual(0);
  const again = judge.features(tf.tensor2d(real.images.subarray(0, 3 * PIXELS), [3, PIXELS]));
  expect(Array.from(again.values)).toEqual(Array.from(f.values.subarray(0, 3 * 64)));
});

test('the second call with the same settings reuses the cached weights: same predictions', async () => {
  expect(judge.fromCache).toBe(false);
  const again = await mnistJudge({ data, cacheDir, verbose: 0 });
  try {
    expect(again.fromCache).toBe(true);
    expect(again.cacheEntry).toBe(judge.cacheEntry);
    expect(again.testAccuracy).toBe(judge.testAccuracy);
    const probe = range(data.test, 0, 50);
    expect(Array.from(again.probabilities(probe).values)).toEqual(Array.from(judge.probabilities(probe).values));
  } finally {
    again.dispose();
  }
});

test('FID-like distance: real images are much closer to real ones than blurred or noise images', () => {
  const { real: r, blurred: b, noise: n } = rows;
  expect(r.frechet).toBeDefined();
  expect(b.frechet as number).toBeGreaterThan(3 * (r.frechet as number));
  expect(n.frechet as number).toBeGreaterThan(3 * (b.frechet as number));
});

test('the old realism score does not see the blur (it even prefers it); the judge does', () => {
  expect(rows.blurred.realism).toBeLessThan(rows.real.realism);
  expect(rows.blurred.frechet as number).toBeGreaterThan(rows.real.frechet as number);
});

test('confidence and entropy: the judge is surer of real digits than of noise; noise collapses to few classes', () => {
  expect(rows.real.confidence).toBeGreaterThan(rows.noise.confidence);
  expect(rows.real.entropy).toBeLessThan(rows.noise.entropy);
  expect(rows.real.inceptionScore).toBeGreaterThan(8);
  expect(rows.noise.inceptionScore).toBeLessThan(2);
  // the real images cover every digit; uniform noise is mostly one class
  expect(Math.min(...rows.real.classHistogram)).toBeGreaterThan(50);
  expect(Math.max(...rows.noise.classHistogram)).toBeGreaterThan(0.8 * N);
});

test('judgeScores without a reference has no frechet field; class histogram counts every image', () => {
  const s = judgeScores(judge, range(data.test, 0, 20));
  expect(s.frechet).toBeUndefined();
  expect(Array.from(s.classHistogram).reduce((a, v) => a + v, 0)).toBe(20);
});

test('scoring does not leak tensors; dispose frees the weights', async () => {
  const before = tf.memory().numTensors;
  judge.probabilities(range(data.test, 0, 10));
  judge.features(range(data.test, 0, 10));
  expect(tf.memory().numTensors).toBe(before);
  const other = await mnistJudge({ data, cacheDir, verbose: 0 });
  const withOther = tf.memory().numTensors;
  expect(withOther).toBeGreaterThan(before);
  other.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

test.each<[string, () => unknown, RegExp]>([
  ['pixels above 1', () => judge.probabilities(new Float32Array(PIXELS).fill(1.5)), /images\[0\] = 1.5 is outside the expected range \[0, 1\]/],
  ['NaN pixel', () => judge.features(new Float32Array(PIXELS).fill(NaN)), /images\[0\] = NaN is not a finite number/],
  ['wrong image size', () => judge.probabilities(new Float32Array(100)), /100 values, expected a positive multiple of 784/],
  ['wrong tensor shape', () => judge.features(tf.zeros([2, 28]) as tf.Tensor2D), /shape \[2,28\], expected \[n, 784\]/],
  ['not a judge', () => judgeScores({} as never, real), /judge must be an MnistJudge/],
  [
    'one image with a reference',
    () => judgeScores(judge, real.images.subarray(0, PIXELS), { reference }),
    /Frechet distance needs at least 2 images, got 1/,
  ],
])('bad input: %s', (_label, call, message) => {
  expect(call).toThrow(message);
});

test('bad options are refused before any training', async () => {
  await expect(mnistJudge({ data, epochs: 0, cacheDir })).rejects.toThrow(/epochs must be an integer >= 1, got 0/);
  await expect(mnistJudge({ data, hidden: [], cacheDir })).rejects.toThrow(/hidden must be a non-empty list/);
  await expect(mnistJudge({ data, learningRate: -1, cacheDir })).rejects.toThrow(/learningRate must be a finite number > 0/);
  await expect(mnistJudge({ data: { train: data.train, test: { ...data.test, rows: 14, cols: 14 } }, cacheDir })).rejects.toThrow(
    /data.test has 14x14 images, expected 28x28/,
  );
});
