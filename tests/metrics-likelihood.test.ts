import * as tf from '@tensorflow/tfjs';
import { elbo, importanceWeightedLogLikelihood, testElbo } from '../src/metrics';
import { Rng } from '../src/rng';
import { constantVae, linearAutoencoder, PIXELS } from './analysis-fixtures';

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
    expect(res.kl).toBeCloseTo(kl, 4);
    expect(res.reconstruction).toBeCloseTo(LOG_PX, 1);
    expect(res.elbo).toBeCloseTo(LOG_PX - kl, 1);
    expect(res.perImage.length).toBe(30);
    expect(elbo).toBe(testElbo);
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
