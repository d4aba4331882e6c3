import * as tf from '@tensorflow/tfjs';
import { benchmarkMapDenoise, benchmarkNearestNeighbour } from '../src/analysis';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

test('the benchmark helpers run on small sizes and report one timing per case', () => {
  const nn = benchmarkNearestNeighbour({ trainCount: 300, testCount: 50, dims: 2, methods: ['scan', 'matmul', 'mlKnn'], mlKnnQueries: 5 });
  expect(nn.map((t) => t.name)).toEqual(['1-NN scan 300 x 50 in 2-D', '1-NN matmul 300 x 50 in 2-D', '1-NN mlKnn 300 x 50 in 2-D']);
  expect(nn[2].detail).toMatch(/extrapolated from 5 queries/);
  const map = benchmarkMapDenoise({ latentDim: 2, imageCounts: [3], iterations: 2 });
  expect(map).toHaveLength(1);
  expect(map[0].detail).toMatch(/iterations\/s/);
  for (const t of [...nn, ...map]) expect(Number.isFinite(t.ms)).toBe(true);
});
