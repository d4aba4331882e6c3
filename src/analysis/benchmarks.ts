/**
 * Timings of the analysis helpers that can be slow, for `npm run bench` and for choosing
 * defaults: exact 1-NN search on MNIST-sized latent sets, and MAP denoising iterations per second.
 * Synthetic data (seeded) stands in for real codes and images; only the sizes matter here.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../rng';
import { mapDenoise } from './map-denoise';
import { nearestNeighbourIndices, type NearestNeighbourMethod } from './nearest-neighbour';
import { checkInt } from '../util/validate';

/** One timing. */
export interface AnalysisTiming {
  /** What was timed. */
  readonly name: string;
  /** Wall-clock milliseconds. */
  readonly ms: number;
  /** Throughput or other detail, e.g. `12.3 iterations/s`. */
  readonly detail: string;
}

/**
 * Times exact 1-NN search of `testCount` queries among `trainCount` points in `dims` dimensions
 * (10 Gaussian clusters) with each method. `mlKnn` is far slower (about 0.3 s per query at
 * 60,000 points); it is timed on `mlKnnQueries` queries and extrapolated.
 */
export function benchmarkNearestNeighbour(
  options: {
    readonly trainCount?: number;
    readonly testCount?: number;
    readonly dims?: number;
    readonly methods?: readonly NearestNeighbourMethod[];
    readonly mlKnnQueries?: number;
  } = {},
): AnalysisTiming[] {
  const { trainCount = 60000, testCount = 10000, dims = 2, methods = ['scan'], mlKnnQueries = 20 } = options;
  checkInt('benchmarkNearestNeighbour', 'trainCount', trainCount);
  checkInt('benchmarkNearestNeighbour', 'testCount', testCount);
  const rng = new Rng('bench-nn');
  const points = (n: number): Float32Array => {
    const a = new Float32Array(n * dims);
    for (let i = 0; i < n; i++) {
      const c = rng.int(10);
      for (let j = 0; j < dims; j++) a[i * dims + j] = Math.sin(c * (j + 1)) * 1.5 + rng.normal();
    }
    return a;
  };
  const ref = points(trainCount);
  const queries = points(testCount);
  return methods.map((method) => {
    const q = method === 'mlKnn' ? queries.subarray(0, Math.min(testCount, mlKnnQueries) * dims) : queries;
    const t0 = Date.now();
    nearestNeighbourIndices(ref, q, dims, { method });
    const ms = Date.now() - t0;
    const nq = q.length / dims;
    const full = (ms * testCount) / nq;
    return {
      name: `1-NN ${method} ${trainCount} x ${testCount} in ${dims}-D`,
      ms: full,
      detail: nq < testCount ? `extrapolated from ${nq} queries (${ms} ms)` : `${((testCount / ms) * 1000).toFixed(0)} queries/s`,
    };
  });
}

/**
 * Times MAP denoising through a dense decoder latent -> 256 -> 512 -> 784 (random weights) for
 * each batch size in `imageCounts`, `iterations` Adam steps each.
 */
export function benchmarkMapDenoise(
  options: { readonly latentDim?: number; readonly imageCounts?: readonly number[]; readonly iterations?: number } = {},
): AnalysisTiming[] {
  const { latentDim = 16, imageCounts = [10, 100], iterations = 50 } = options;
  const rng = new Rng('bench-map');
  const init = (): ReturnType<typeof tf.initializers.zeros> => tf.initializers.glorotNormal({ seed: rng.nextSeed() });
  const bias = (): ReturnType<typeof tf.initializers.zeros> => tf.initializers.randomNormal({ stddev: 0.1, seed: rng.nextSeed() });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [latentDim], units: 256, activation: 'relu', kernelInitializer: init(), biasInitializer: bias() }),
      tf.layers.dense({ units: 512, activation: 'relu', kernelInitializer: init(), biasInitializer: bias() }),
      tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: init(), biasInitializer: bias() }),
    ],
  });
  const out = imageCounts.map((count) => {
    const noisy = rng.uniformArray(count * 784);
    mapDenoise(decoder, noisy, { iterations: 2, batchSize: count }); // warm-up
    const t0 = Date.now();
    mapDenoise(decoder, noisy, { iterations, batchSize: count });
    const ms = Date.now() - t0;
    return {
      name: `MAP denoise ${count} images, ${latentDim}-D latent, dense 256-512-784 decoder`,
      ms,
      detail: `${((iterations / ms) * 1000).toFixed(1)} iterations/s (${(((iterations * count) / ms) * 1000).toFixed(0)} image-iterations/s)`,
    };
  });
  decoder.dispose();
  return out;
}
