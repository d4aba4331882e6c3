import * as tf from '@tensorflow/tfjs';
import { elbo, importanceWeightedLogLikelihood, testElbo } from '../src/metrics';
import { Rng } from '../src/rng';
import type { AutoencoderModel } from '../src/models/types';
import { constantVae, linearAutoencoder, PIXELS, wrapModel } from './analysis-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// constantVae: q(z|x) = N(mu, exp(logVar)) for every x, decoder outputs 0.5 everywhere, so
// log p(x|z) = 784 log 0.5 for ANY x in [0, 1] and the true log p(x) is 784 log 0.5.
const LOG_PX = PIXELS * Math.log(0.5);

function images(count: number, seed: number): Float32Array {
  return new Rng(seed).uniformArray(count * PIXELS);
}

describe('testElbo', () => {
  test('splits into reconstruction and the closed-form KL', () => {
    const mu = [1, -0.5];
    const logVar = [Math.log(0.5), 0.2];
    const model = constantVae(mu, logVar);
    const res = testElbo(model, images(30, 1), { rng: new Rng(1), batchSize: 8 });
    const kl = 0.5 * mu.reduce((s, m, j) => s + m * m + Math.exp(logVar[j]) - 1 - logVar[j], 0);
    // every image: reconstruction exactly 784 log 0.5 (the decoder ignores z), KL the closed form;
    // float32 sums of 784 terms leave ~1e-4 nats, hence relative 1e-6
    expect(Math.abs(res.kl - kl)).toBeLessThan(1e-6 * kl);
    expect(Math.abs(res.reconstruction - LOG_PX)).toBeLessThan(1e-6 * -LOG_PX);
    expect(Math.abs(res.elbo - (LOG_PX - kl))).toBeLessThan(1e-6 * -LOG_PX);
    expect(res.perImage.length).toBe(30);
    for (const v of res.perImage) expect(Math.abs(v - (LOG_PX - kl))).toBeLessThan(1e-6 * -LOG_PX);
    // `elbo` (the API plan's name) gives the same numbers from the same random stream
    const viaAlias = elbo(model, images(30, 1), { rng: new Rng(1), batchSize: 8 });
    expect(Array.from(viaAlias.perImage)).toEqual(Array.from(res.perImage));
    model.dispose();
  });

  test('refuses deterministic models and pixels outside [0, 1]', () => {
    const ae = linearAutoencoder(2);
    expect(() => testElbo(ae, images(2, 1), { rng: new Rng(1) })).toThrow(/variational/);
    const vae = constantVae([0], [0]);
    const bad = images(1, 2);
    bad[5] = 1.5;
    expect(() => testElbo(vae, bad, { rng: new Rng(1) })).toThrow(/outside the expected range \[0, 1\]/);
    ae.dispose();
    vae.dispose();
  });
});

describe('importanceWeightedLogLikelihood', () => {
  test('is exact when q equals the prior, whatever k', () => {
    const model = constantVae([0, 0], [0, 0]);
    const res = importanceWeightedLogLikelihood(model, images(5, 3), { k: 3, rng: new Rng(2) });
    for (const v of res.perImage) expect(v).toBeCloseTo(LOG_PX, 2);
    model.dispose();
  });

  test('tightens from the ELBO towards log p(x) as k grows, reproducibly', () => {
    const model = constantVae([1, 0.5], [Math.log(0.6), Math.log(1.5)]);
    const x = images(4, 4);
    const bound = testElbo(model, x, { rng: new Rng(5) }).elbo;
    const iw = importanceWeightedLogLikelihood(model, x, { k: 300, rng: new Rng(5), batchSize: 3 });
    const again = importanceWeightedLogLikelihood(model, x, { k: 300, rng: new Rng(5), batchSize: 3 });
    expect(iw.logLikelihood).toBe(again.logLikelihood);
    expect(iw.logLikelihood).toBeGreaterThan(bound + 0.4);
    // KL is 0.73 nats; with k = 300 the estimate is within about 0.1 of log p(x)
    expect(Math.abs(iw.logLikelihood - LOG_PX)).toBeLessThan(0.2);
    expect(iw.k).toBe(300);
    model.dispose();
  });
});

/**
 * A tiny VAE whose encoder outputs (mu, log sigma) — the log-std parameterisation of 5LSL0 Ex. 7 —
 * as affine functions of the image, and whose decoder is sigmoid(z Wd + bd); every weight is known,
 * so the test recomputes everything in double precision.
 */
function logStdVae(
  d: number,
  seed: number,
): { model: AutoencoderModel; wMu: Float32Array; bMu: Float32Array; wS: Float32Array; bS: Float32Array; wD: Float32Array; bD: Float32Array } {
  const rng = new Rng(seed);
  const wMu = rng.normalArray(PIXELS * d, 0, 0.01);
  const bMu = rng.normalArray(d, 0, 0.5);
  const wS = rng.normalArray(PIXELS * d, 0, 0.005);
  const bS = rng.normalArray(d, -0.3, 0.3);
  const wD = rng.normalArray(d * PIXELS, 0, 0.5);
  const bD = rng.normalArray(PIXELS, 0, 0.5);
  const input = tf.input({ shape: [PIXELS] });
  const muLayer = tf.layers.dense({ units: d });
  const sLayer = tf.layers.dense({ units: d });
  const encoder = tf.model({ inputs: input, outputs: [muLayer.apply(input) as tf.SymbolicTensor, sLayer.apply(input) as tf.SymbolicTensor] });
  muLayer.setWeights([tf.tensor2d(wMu, [PIXELS, d]), tf.tensor1d(bMu)]);
  sLayer.setWeights([tf.tensor2d(wS, [PIXELS, d]), tf.tensor1d(bS)]);
  const decLayer = tf.layers.dense({ inputShape: [d], units: PIXELS, activation: 'sigmoid' });
  const decoder = tf.sequential({ layers: [decLayer] });
  decLayer.setWeights([tf.tensor2d(wD, [d, PIXELS]), tf.tensor1d(bD)]);
  const model: AutoencoderModel = { ...wrapModel('vae', encoder, decoder, d), parameterization: 'logStd' };
  return { model, wMu, bMu, wS, bS, wD, bD };
}

describe('log-std parameterisation (encoder outputs log sigma)', () => {
  const d = 2;
  const count = 4;
  const x = images(count, 31);

  /** mu, log sigma of image i, and log p(x_i | z) of a code z, in double precision. */
  function byHand(t: ReturnType<typeof logStdVae>, i: number) {
    const xi = x.subarray(i * PIXELS, (i + 1) * PIXELS);
    const affine = (w: Float32Array, b: Float32Array, j: number): number => xi.reduce((s, v, p) => s + v * w[p * d + j], b[j]);
    const mu = Array.from({ length: d }, (_, j) => affine(t.wMu, t.bMu, j));
    const logSigma = Array.from({ length: d }, (_, j) => affine(t.wS, t.bS, j));
    const logLik = (z: number[]): number => {
      let s = 0;
      for (let p = 0; p < PIXELS; p++) {
        const a = z.reduce((acc, zj, j) => acc + zj * t.wD[j * PIXELS + p], t.bD[p]);
        const prob = 1 / (1 + Math.exp(-a));
        s += xi[p] * Math.log(prob) + (1 - xi[p]) * Math.log(1 - prob);
      }
      return s;
    };
    return { mu, logSigma, logLik };
  }

  test('testElbo: the KL uses sigma = exp(output) and z = mu + sigma * eps, as computed by hand', () => {
    const t = logStdVae(d, 3);
    const samples = 3;
    // One image per batch: image i uses the i-th block of samples * d standard normals of the rng.
    const res = testElbo(t.model, x, { rng: new Rng(8), samples, batchSize: 1 });
    const eps = new Rng(8).normalArray(count * samples * d);
    let klMean = 0;
    let recMean = 0;
    for (let i = 0; i < count; i++) {
      const { mu, logSigma, logLik } = byHand(t, i);
      // KL(N(mu, sigma^2) || N(0, 1)) = 1/2 (mu^2 + sigma^2 - 1 - log sigma^2) per dimension
      const kl = mu.reduce((s, m, j) => s + 0.5 * (m * m + Math.exp(2 * logSigma[j]) - 1 - 2 * logSigma[j]), 0);
      let rec = 0;
      for (let s = 0; s < samples; s++) {
        const e = eps.subarray((i * samples + s) * d, (i * samples + s + 1) * d);
        rec += logLik(mu.map((m, j) => m + Math.exp(logSigma[j]) * e[j])) / samples;
      }
      expect(Math.abs(res.perImage[i] - (rec - kl)) / Math.abs(rec - kl)).toBeLessThan(1e-5);
      klMean += kl / count;
      recMean += rec / count;
    }
    expect(Math.abs(res.kl - klMean)).toBeLessThan(1e-5 * klMean);
    expect(Math.abs(res.reconstruction - recMean)).toBeLessThan(1e-5 * Math.abs(recMean));
    // the logVar reading of the same outputs would give another KL: the test tells them apart
    const klIfLogVar = Array.from({ length: count }, (_, i) => byHand(t, i)).reduce(
      (acc, { mu, logSigma }) => acc + mu.reduce((s, m, j) => s + 0.5 * (m * m + Math.exp(logSigma[j]) - 1 - logSigma[j]), 0) / count,
      0,
    );
    expect(Math.abs(klIfLogVar - klMean)).toBeGreaterThan(0.05);
    t.model.dispose();
  });

  test('importanceWeightedLogLikelihood: log mean_s p(x|z_s) N(z_s; 0, I) / N(z_s; mu, sigma^2), by hand', () => {
    const t = logStdVae(d, 4);
    const k = 5;
    const res = importanceWeightedLogLikelihood(t.model, x, { k, rng: new Rng(9), batchSize: 1 });
    const eps = new Rng(9).normalArray(count * k * d);
    const logNormal = (z: number[], mean: number[], logSd: number[]): number =>
      z.reduce((s, zj, j) => s - 0.5 * Math.log(2 * Math.PI) - logSd[j] - (zj - mean[j]) ** 2 / (2 * Math.exp(2 * logSd[j])), 0);
    for (let i = 0; i < count; i++) {
      const { mu, logSigma, logLik } = byHand(t, i);
      const logW: number[] = [];
      for (let s = 0; s < k; s++) {
        const e = eps.subarray((i * k + s) * d, (i * k + s + 1) * d);
        const z = mu.map((m, j) => m + Math.exp(logSigma[j]) * e[j]);
        logW.push(logLik(z) + logNormal(z, [0, 0], [0, 0]) - logNormal(z, mu, logSigma));
      }
      const top = Math.max(...logW);
      const want = top + Math.log(logW.reduce((acc, w) => acc + Math.exp(w - top), 0) / k);
      expect(Math.abs(res.perImage[i] - want) / Math.abs(want)).toBeLessThan(1e-5);
    }
    t.model.dispose();
  });
});
