/**
 * The analysis and metrics helpers on the project's real (untrained, seeded) model builders:
 * proves the AutoencoderModel contract is met on both sides for every kind of model.
 */
import * as tf from '@tensorflow/tfjs';
import {
  conditionalGrid,
  decoderGrid,
  encodeDataset,
  interpolate,
  latentBounds,
  mapDenoise,
  reconstructionErrors,
  samplePrior,
} from '../src/analysis';
import { importanceWeightedLogLikelihood, testElbo } from '../src/metrics';
import { conditionalVae, convAutoencoder5lsl0, convVae, denseVae } from '../src/models';
import { Rng } from '../src/rng';
import type { ImageDataset } from '../src/types';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const P = 784;
function dataset(count: number): ImageDataset {
  const rng = new Rng('real-models');
  return {
    images: rng.uniformArray(count * P),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    rows: 28,
    cols: 28,
  };
}

test.each([
  ['dense VAE (logVar)', () => denseVae({ latentDim: 3, hidden: [32], seed: 1 })],
  ['conv VAE (logStd)', () => convVae({ latentDim: 2, parameterization: 'logStd', filters: [4, 8], denseUnits: 16, seed: 2 })],
])('%s: encode, generate, ELBO, IWAE, MAP', (_, make) => {
  const model = make();
  const ds = dataset(6);
  const codes = encodeDataset(model, ds, { batchSize: 4 });
  expect(codes.codes.length).toBe(6 * model.latentDim);
  const sampled = encodeDataset(model, ds, { mode: 'sample', rng: new Rng(1) });
  expect(sampled.codes).not.toEqual(codes.codes);
  const grid = decoderGrid(model, { n: 3, bounds: latentBounds(codes) });
  expect(grid.images.length).toBe(9 * P);
  expect(samplePrior(model, 2, new Rng(2)).images.length).toBe(2 * P);
  expect(interpolate(model, ds.images.subarray(0, P), ds.images.subarray(P, 2 * P), 3).images.length).toBe(3 * P);
  const e = testElbo(model, ds, { rng: new Rng(3) });
  expect(e.kl).toBeGreaterThanOrEqual(0);
  expect(e.elbo).toBeCloseTo(e.reconstruction - e.kl, 3);
  const iw = importanceWeightedLogLikelihood(model, ds, { k: 5, rng: new Rng(4) });
  expect(Number.isFinite(iw.logLikelihood)).toBe(true);
  const map = mapDenoise(model, ds.images.subarray(0, 2 * P), { init: 'encoderMean', iterations: 5 });
  expect(map.estimates.length).toBe(2 * P);
  expect(map.lossHistory[4]).toBeLessThan(map.lossHistory[0]);
  model.dispose();
});

test('conditional VAE: labels from the dataset, conditional grid, MAP with labels', () => {
  const model = conditionalVae({ latentDim: 2, filters: [4, 8], denseUnits: 16, seed: 3 });
  const ds = dataset(4);
  expect(encodeDataset(model, ds).count).toBe(4);
  expect(() => encodeDataset(model, ds.images)).toThrow(/conditional/);
  const grid = conditionalGrid(model, { classes: [0, 1], samplesPerClass: 2, rng: new Rng(5) });
  expect(grid.images.length).toBe(4 * P);
  expect(decoderGrid(model, { n: 2, label: 3 }).images.length).toBe(4 * P);
  expect(testElbo(model, ds, { rng: new Rng(6) }).kl).toBeGreaterThanOrEqual(0);
  const map = mapDenoise(model, ds.images.subarray(0, P), { labels: [7], iterations: 3 });
  expect(map.z.length).toBe(2);
  model.dispose();
});

test('5LSL0 conv autoencoder: codes, grid and anomaly scores', () => {
  const model = convAutoencoder5lsl0({ seed: 4 });
  const ds = dataset(3);
  const codes = encodeDataset(model, ds);
  expect(codes.dims).toBe(model.latentDim);
  if (model.latentDim >= 2) expect(decoderGrid(model, { n: 2, bounds: { min: [-1, -1], max: [1, 1] } }).gridRows).toBe(2);
  const scores = reconstructionErrors(model, ds);
  expect(scores.length).toBe(3);
  expect(() => testElbo(model, ds, { rng: new Rng(1) })).toThrow(/variational/);
  model.dispose();
});
