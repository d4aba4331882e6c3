import * as tf from '@tensorflow/tfjs';
import { accuracy, bceLoss, crossEntropyLoss, klAnnealing, klDivergence, mseLoss, sseLoss, vaeLoss } from '../src/losses';
import { reparameterize } from '../src/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const close = (t: tf.Tensor, expected: number, digits = 5): void => {
  expect(t.rank).toBe(0);
  expect(t.dataSync()[0]).toBeCloseTo(expected, digits);
};

describe('bceLoss', () => {
  test('sums over pixels and averages over the batch', () => {
    // image 1: t=[1,0], p=[0.8,0.3] -> -ln0.8 - ln0.7 ; image 2: t=[0.5,1], p=[0.5,0.9] -> ln2 - ln0.9
    const t = tf.tensor2d([
      [1, 0],
      [0.5, 1],
    ]);
    const p = tf.tensor2d([
      [0.8, 0.3],
      [0.5, 0.9],
    ]);
    const img1 = -Math.log(0.8) - Math.log(0.7);
    const img2 = Math.log(2) - Math.log(0.9);
    close(bceLoss(t, p), (img1 + img2) / 2);
  });

  test('stays finite when predictions are exactly 0 or 1', () => {
    const t = tf.tensor2d([[1, 0]]);
    const p = tf.tensor2d([[0, 1]]);
    const v = bceLoss(t, p).dataSync()[0];
    expect(Number.isFinite(v)).toBe(true);
    // clipped into [1e-7, 1 - 1e-7] (1 - 1e-7 rounds to float32): -ln(1e-7) - ln(1 - fround(1 - 1e-7))
    expect(v).toBeCloseTo(-Math.log(1e-7) - Math.log(1 - Math.fround(1 - 1e-7)), 2);
  });

  test('rejects shape mismatch with a clear message', () => {
    expect(() => bceLoss(tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow(/same shape.*\[2,3\].*\[2,4\]/);
  });
});

describe('mseLoss and sseLoss', () => {
  test('mse averages over every element, sse sums pixels then averages images', () => {
    const t = tf.tensor2d([
      [0, 1, 0],
      [1, 1, 1],
    ]);
    const p = tf.tensor2d([
      [0.5, 1, 0],
      [1, 0, 0.5],
    ]);
    // squared errors: [0.25, 0, 0] and [0, 1, 0.25]
    close(mseLoss(t, p), 1.5 / 6);
    close(sseLoss(t, p), (0.25 + 1.25) / 2);
  });
});

describe('klDivergence', () => {
  test('logVar closed form summed over dims and averaged over batch', () => {
    const mu = tf.tensor2d([
      [0, 1],
      [2, -1],
    ]);
    const lv = tf.tensor2d([
      [0, Math.log(2)],
      [0, -1],
    ]);
    // -0.5 * (1 + lv - mu^2 - e^lv) per element
    const kl1 = 0 + -0.5 * (1 + Math.log(2) - 1 - 2);
    const kl2 = -0.5 * (1 - 4 - 1) + -0.5 * (1 - 1 - 1 - Math.exp(-1));
    close(klDivergence(mu, lv, 'logVar'), (kl1 + kl2) / 2);
  });

  test('logStd gives the same KL as logVar = 2 * logStd', () => {
    const mu = tf.tensor2d([[0.3, -0.7]]);
    const ls = tf.tensor2d([[-0.5, 0.25]]);
    const hand = [0, 1].reduce((s, i) => {
      const m = [0.3, -0.7][i];
      const l = [-0.5, 0.25][i];
      return s - 0.5 * (1 + 2 * l - m * m - Math.exp(2 * l));
    }, 0);
    close(klDivergence(mu, ls, 'logStd'), hand);
    close(klDivergence(mu, tf.mul(ls, 2), 'logVar'), hand);
  });

  test('is zero when q equals the prior', () => {
    close(klDivergence(tf.zeros([3, 4]), tf.zeros([3, 4]), 'logStd'), 0);
  });

  test('rejects an unknown parameterisation', () => {
    // @ts-expect-error deliberately wrong value
    expect(() => klDivergence(tf.zeros([1, 2]), tf.zeros([1, 2]), 'std')).toThrow(/'logVar' or 'logStd'/);
  });
});

describe('reparameterize', () => {
  test('mu + exp(0.5 logVar) * eps and mu + exp(logStd) * eps', () => {
    const mu = tf.tensor2d([[1, -2]]);
    const s = tf.tensor2d([[Math.log(4), 0]]);
    const eps = tf.tensor2d([[0.5, -1]]);
    const zv = Array.from(reparameterize(mu, s, 'logVar', eps).dataSync());
    expect(zv[0]).toBeCloseTo(1 + 2 * 0.5, 5);
    expect(zv[1]).toBeCloseTo(-2 - 1, 5);
    const zs = Array.from(reparameterize(mu, s, 'logStd', eps).dataSync());
    expect(zs[0]).toBeCloseTo(1 + 4 * 0.5, 5);
    expect(zs[1]).toBeCloseTo(-3, 5);
  });

  test('rejects eps of the wrong shape', () => {
    expect(() => reparameterize(tf.zeros([2, 2]), tf.zeros([2, 2]), 'logVar', tf.zeros([2, 3]))).toThrow(/eps/);
  });
});

describe('vaeLoss', () => {
  test('total = reconstruction + beta * KL, terms reported separately', () => {
    const target = tf.tensor2d([[1, 0]]);
    const pred = tf.tensor2d([[0.8, 0.3]]);
    const mu = tf.tensor2d([[1, 0]]);
    const logScale = tf.tensor2d([[0, 0]]);
    const rec = -Math.log(0.8) - Math.log(0.7);
    const kl = 0.5; // -0.5 * (1 + 0 - 1 - 1)
    const out = vaeLoss({ target, pred, mu, logScale, parameterization: 'logVar', beta: 4 });
    close(out.reconstruction, rec);
    close(out.kl, kl);
    close(out.total, rec + 4 * kl);
    const mse = vaeLoss({ target, pred, mu, logScale, parameterization: 'logStd', reconstruction: 'mse' });
    close(mse.total, (0.04 + 0.09) / 2 + kl);
  });

  test('rejects a negative beta', () => {
    const z = tf.zeros([1, 2]);
    expect(() => vaeLoss({ target: z, pred: z, mu: z, logScale: z, parameterization: 'logVar', beta: -1 })).toThrow(/beta/);
  });
});

describe('klAnnealing', () => {
  test('rises linearly over the warm-up then stays at betaMax', () => {
    const betas = [0, 1, 2, 3, 4, 5, 9].map((epoch) => klAnnealing({ epoch, warmupEpochs: 4, betaMax: 2 }));
    expect(betas).toEqual([0, 0.5, 1, 1.5, 2, 2, 2]);
    expect(klAnnealing({ epoch: 0, warmupEpochs: 2, betaStart: 0.5 })).toBe(0.5);
    expect(klAnnealing({ epoch: 1, warmupEpochs: 2, betaStart: 0.5 })).toBe(0.75);
    expect(klAnnealing({ epoch: 0, warmupEpochs: 0, betaMax: 3 })).toBe(3);
  });

  test('rejects a negative or fractional epoch', () => {
    expect(() => klAnnealing({ epoch: -1, warmupEpochs: 2 })).toThrow(RangeError);
    expect(() => klAnnealing({ epoch: 1.5, warmupEpochs: 2 })).toThrow(/integer/);
  });
});

describe('crossEntropyLoss and accuracy', () => {
  test('mean negative log-probability of the true class; fraction of correct argmax', () => {
    const labels = tf.tensor1d([0, 2, 1], 'int32');
    const probs = tf.tensor2d([
      [0.7, 0.2, 0.1],
      [0.1, 0.1, 0.8],
      [0.5, 0.4, 0.1],
    ]);
    close(crossEntropyLoss(labels, probs), -(Math.log(0.7) + Math.log(0.8) + Math.log(0.4)) / 3);
    close(accuracy(labels, probs), 2 / 3);
  });

  test('rejects a label count that does not match the rows', () => {
    expect(() => crossEntropyLoss(tf.tensor1d([0], 'int32'), tf.ones([2, 3]))).toThrow(/1 entries.*2 rows/);
  });
});

test('losses do not leak tensors', () => {
  const t = tf.tensor2d([[1, 0]]);
  const p = tf.tensor2d([[0.6, 0.2]]);
  const before = tf.memory().numTensors;
  const out = vaeLoss({ target: t, pred: p, mu: t, logScale: p, parameterization: 'logStd' });
  tf.dispose([out.total, out.reconstruction, out.kl]);
  expect(tf.memory().numTensors).toBe(before);
});
