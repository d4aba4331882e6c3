import * as tf from '@tensorflow/tfjs';
import { mapDenoise } from '../src/analysis';
import { Rng } from '../src/rng';
import { linearAutoencoder } from './analysis-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Solves (W^T W + beta I) z = W^T (x - b) by Gaussian elimination (W is p x d, row-major). */
function ridge(W: Float32Array, b: Float32Array, x: Float32Array, p: number, d: number, beta: number): number[] {
  const A = Array.from({ length: d }, (_, i) => Array.from({ length: d + 1 }, (_, j) => (i === j ? beta : 0)));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) for (let k = 0; k < p; k++) A[i][j] += W[k * d + i] * W[k * d + j];
    for (let k = 0; k < p; k++) A[i][d] += W[k * d + i] * (x[k] - b[k]);
  }
  for (let c = 0; c < d; c++) {
    for (let r = c + 1; r < d; r++) {
      const f = A[r][c] / A[c][c];
      for (let j = c; j <= d; j++) A[r][j] -= f * A[c][j];
    }
  }
  const z = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = A[r][d];
    for (let j = r + 1; j < d; j++) s -= A[r][j] * z[j];
    z[r] = s / A[r][r];
  }
  return z;
}

describe('mapDenoise', () => {
  const p = 20;
  const d = 3;
  const rng = new Rng(8);
  // g(z) = z W^T + b as a dense LayersModel (kernel [d, p] = W^T)
  const W = rng.normalArray(p * d, 0, 0.5);
  const bias = rng.normalArray(p, 0, 0.1);
  const kernel = new Float32Array(d * p);
  for (let k = 0; k < p; k++) for (let j = 0; j < d; j++) kernel[j * p + k] = W[k * d + j];

  function linearDecoder(): tf.LayersModel {
    const dec = tf.sequential({ layers: [tf.layers.dense({ inputShape: [d], units: p })] });
    dec.layers[0].setWeights([tf.tensor2d(kernel, [d, p]), tf.tensor1d(bias)]);
    return dec;
  }

  test('with a linear decoder it reaches the closed-form ridge solution', () => {
    const count = 6;
    const noisy = rng.normalArray(count * p, 0.3, 0.5);
    const beta = 0.7;
    const res = mapDenoise(linearDecoder(), noisy, { beta, iterations: 800, learningRate: 0.05, batchSize: 4 });
    for (let i = 0; i < count; i++) {
      const want = ridge(W, bias, noisy.subarray(i * p, (i + 1) * p), p, d, beta);
      for (let j = 0; j < d; j++) expect(res.z[i * d + j]).toBeCloseTo(want[j], 3);
    }
    // estimates are g(z*)
    for (let k = 0; k < p; k++) {
      let v = bias[k];
      for (let j = 0; j < d; j++) v += W[k * d + j] * res.z[j];
      expect(res.estimates[k]).toBeCloseTo(v, 4);
    }
    expect(res.lossHistory.length).toBe(800);
    expect(res.lossHistory[799]).toBeLessThan(res.lossHistory[0]);
    expect(res.finalLoss).toBeLessThanOrEqual(res.lossHistory[799] + 1e-6);
  });

  test('batching does not change the result, and a function decoder works too', () => {
    const noisy = rng.normalArray(5 * p);
    const opts = { beta: 0.1, iterations: 50, learningRate: 0.1 };
    const whole = mapDenoise(linearDecoder(), noisy, { ...opts, batchSize: 5 });
    const split = mapDenoise(linearDecoder(), noisy, { ...opts, batchSize: 2 });
    for (let i = 0; i < whole.z.length; i++) expect(split.z[i]).toBeCloseTo(whole.z[i], 5);
    const dec = linearDecoder();
    const fn = mapDenoise((z) => dec.apply(z) as tf.Tensor2D, noisy, { ...opts, latentDim: d, pixels: p });
    for (let i = 0; i < whole.z.length; i++) expect(fn.z[i]).toBeCloseTo(whole.z[i], 5);
  });

  test('starts from the encoder mean of an AutoencoderModel when asked', () => {
    const model = linearAutoencoder(4);
    const noisy = rng.uniformArray(3 * 784);
    const res = mapDenoise(model, noisy, { init: 'encoderMean', iterations: 1, learningRate: 1e-9 });
    const mu = model.encodeMean(tf.tensor2d(noisy, [3, 784])).dataSync();
    for (let i = 0; i < mu.length; i++) expect(res.z[i]).toBeCloseTo(mu[i], 4);
    expect(() => mapDenoise(linearDecoder(), new Float32Array(p), { init: 'encoderMean' })).toThrow(/AutoencoderModel/);
    expect(() => mapDenoise(model, new Float32Array(10))).toThrow(/multiple of 784/);
    expect(() => mapDenoise(model, noisy, { beta: -1 })).toThrow(/beta/);
    model.dispose();
  });
});
