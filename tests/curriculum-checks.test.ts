import * as tf from '@tensorflow/tfjs';
import {
  AutograderError,
  checkBce,
  checkDecoderShape,
  checkDenseStack,
  checkVaeLoss,
  checkEncoderShape,
  checkKlDivergence,
  checkMse,
  checkReparameterize,
} from '../src/curriculum/checks';
import { notImplementedMessage } from '../src/curriculum/solution-markers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

let log: jest.SpyInstance;
beforeEach(() => {
  log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterEach(() => log.mockRestore());

function expectPass(run: () => void, check: string): void {
  run();
  expect(log).toHaveBeenCalledWith(expect.stringContaining(`${check} passed`));
}

function expectFail(run: () => void, message: RegExp): void {
  let error: unknown;
  try {
    run();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(AutograderError);
  expect((error as Error).message).toMatch(message);
  expect(log).not.toHaveBeenCalledWith(expect.stringContaining('passed'));
}

type T2 = tf.Tensor2D;

describe('checkMse', () => {
  const reference = (t: T2, p: T2) => tf.mean(tf.squaredDifference(t, p)) as tf.Scalar;
  test('passes the reference (as tensor or number)', () => {
    expectPass(() => checkMse(reference), 'checkMse');
    expectPass(() => checkMse((t, p) => reference(t, p).dataSync()[0]), 'checkMse');
  });
  test('names summing instead of averaging', () => {
    expectFail(() => checkMse((t, p) => tf.sum(tf.squaredDifference(t, p)) as tf.Scalar), /summed instead of averaging/);
  });
  test('rejects a loss that is not reduced to a scalar', () => {
    expectFail(() => checkMse((t, p) => tf.squaredDifference(t, p)), /single number.*tf\.sum \/ tf\.mean/);
  });
});

describe('checkBce', () => {
  const reference = (t: T2, p: T2) =>
    tf.tidy(() => {
      const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
      const ll = tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q))));
      return tf.mean(tf.neg(tf.sum(ll, 1))) as tf.Scalar;
    });
  test('passes the reference', () => expectPass(() => checkBce(reference), 'checkBce'));
  test('names averaging over pixels', () => {
    expectFail(() => checkBce((t, p) => tf.div(reference(t, p), t.shape[1]) as tf.Scalar), /averaged over pixels/);
  });
  test('catches a missing clip (log(0) for saturated predictions)', () => {
    const unclipped = (t: T2, p: T2) =>
      tf.mean(tf.neg(tf.sum(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))), 1))) as tf.Scalar;
    expectFail(() => checkBce(unclipped), /Clip pred/);
  });
});

describe('checkReparameterize', () => {
  const reference = (mu: T2, logVar: T2, eps: T2) => tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as T2;
  test('passes the reference for logVar and logStd', () => {
    expectPass(() => checkReparameterize(reference), 'checkReparameterize');
    const logStdRef = (mu: T2, logStd: T2, eps: T2) => tf.add(mu, tf.mul(tf.exp(logStd), eps)) as T2;
    expectPass(() => checkReparameterize(logStdRef, { parameterization: 'logStd' }), 'checkReparameterize');
  });
  test('names exp(logVar) used as the standard deviation', () => {
    const wrong = (mu: T2, logVar: T2, eps: T2) => tf.add(mu, tf.mul(tf.exp(logVar), eps)) as T2;
    expectFail(() => checkReparameterize(wrong), /variance .*exp\(logVar\) as the standard deviation/);
  });
  test('catches ignoring eps and drawing unseeded noise', () => {
    const own = (mu: T2, logVar: T2) => tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mu.shape))) as T2;
    expectFail(() => checkReparameterize(own), /eps = 0 .*Use the eps you are given/);
  });
  test('catches a sample not centred on mu', () => {
    const offset = (mu: T2, logVar: T2, eps: T2) => tf.add(tf.mul(mu, 0.5), tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) as T2;
    expectFail(() => checkReparameterize(offset), /equal mu exactly/);
  });
  test('lets a "not implemented yet" stub error through unchanged', () => {
    const message = notImplementedMessage('reparameterize', ['z = mu + sigma * eps']);
    expect(() =>
      checkReparameterize(() => {
        throw new Error(message);
      }),
    ).toThrow(message);
  });
});

describe('checkKlDivergence', () => {
  const reference = (mu: T2, logVar: T2) =>
    tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar))), 1))) as tf.Scalar;
  test('passes the reference for logVar and logStd', () => {
    expectPass(() => checkKlDivergence(reference), 'checkKlDivergence');
    const logStdRef = (mu: T2, logStd: T2) => reference(mu, tf.mul(logStd, 2) as T2);
    expectPass(() => checkKlDivergence(logStdRef, { parameterization: 'logStd' }), 'checkKlDivergence');
  });
  test('names summing over the batch', () => {
    const summed = (mu: T2, logVar: T2) => tf.mul(reference(mu, logVar), mu.shape[0]) as tf.Scalar;
    expectFail(() => checkKlDivergence(summed), /summed over the batch/);
  });
  test('names a flipped sign', () => {
    expectFail(() => checkKlDivergence((mu, lv) => tf.neg(reference(mu, lv)) as tf.Scalar), /sign is flipped/);
  });
  test('names the wrong parameterisation', () => {
    expectFail(() => checkKlDivergence(reference, { parameterization: 'logStd' }), /treated the input as logVar/);
  });
  test('catches a KL that is not 0 for the prior itself', () => {
    expectFail(() => checkKlDivergence((mu, lv) => tf.add(reference(mu, lv), 1) as tf.Scalar), /must be 0/);
  });
});

describe('checkEncoderShape / checkDecoderShape', () => {
  test('pass a dense VAE encoder and decoder', () => {
    const input = tf.input({ shape: [784] });
    const h = tf.layers.dense({ units: 8, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const mu = tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor;
    const logVar = tf.layers.dense({ units: 2 }).apply(h) as tf.SymbolicTensor;
    const encoder = tf.model({ inputs: input, outputs: [mu, logVar] });
    expectPass(() => checkEncoderShape(encoder, { latentDim: 2, outputs: 2 }), 'checkEncoderShape');
    const decoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 784, activation: 'sigmoid' })] });
    expectPass(() => checkDecoderShape(decoder, { latentDim: 2 }), 'checkDecoderShape');
  });
  test('catch a wrong latent size, a missing output, and an unbounded decoder', () => {
    const encoder = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 3 })] });
    expectFail(() => checkEncoderShape(encoder, { latentDim: 2 }), /shape \[n, 2\].*got \[3, 3\]/);
    expectFail(() => checkEncoderShape(encoder, { latentDim: 3, outputs: 2 }), /expected 2 output/);
    const unflattened = tf.sequential({ layers: [tf.layers.dense({ inputShape: [28, 28], units: 2 })] });
    expectFail(() => checkEncoderShape(unflattened, { latentDim: 2 }), /flat images of shape \[n, 784\]/);
    const linear = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 784 })] });
    expectFail(() => checkDecoderShape(linear, { latentDim: 2 }), /sigmoid/);
  });
});

describe('checkDenseStack', () => {
  const stack = (layers: Array<[number, string]>) =>
    tf.sequential({
      layers: layers.map(([units, activation], i) =>
        tf.layers.dense({ units, activation: activation as 'relu', ...(i === 0 ? { inputShape: [784] } : {}) }),
      ),
    });
  const fcn = [{ units: 144, activation: 'relu' }, { units: 72, activation: 'relu' }, { units: 48, activation: 'tanh' }];
  test('passes the FCN encoder', () => {
    expectPass(() => checkDenseStack(stack([[144, 'relu'], [72, 'relu'], [48, 'tanh']]), fcn, 'encoder'), 'checkDenseStack');
  });
  test('names the first wrong layer, a missing layer and an extra one', () => {
    expectFail(() => checkDenseStack(stack([[144, 'relu'], [72, 'relu'], [48, 'relu']]), fcn, 'encoder'), /dense layer 3 is 48 relu, expected 48 tanh/);
    expectFail(() => checkDenseStack(stack([[144, 'relu'], [72, 'relu']]), fcn, 'encoder'), /stops after 2 dense layer/);
    expectFail(() => checkDenseStack(stack([[144, 'relu'], [72, 'relu'], [48, 'tanh'], [2, 'linear']]), fcn), /extra dense layer 4/);
  });
});

describe('checkVaeLoss', () => {
  const bce = (t: T2, p: T2) =>
    tf.tidy(() => {
      const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
      return tf.mean(tf.neg(tf.sum(tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q)))), 1))) as tf.Scalar;
    });
  const kl = (mu: T2, lv: T2) =>
    tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, lv), tf.add(tf.square(mu), tf.exp(lv))), 1))) as tf.Scalar;
  test('passes the reference', () => {
    expectPass(() => checkVaeLoss((t, p, mu, lv, beta) => tf.add(bce(t, p), tf.mul(beta, kl(mu, lv))) as tf.Scalar), 'checkVaeLoss');
  });
  test('names beta on the wrong term and a missing KL', () => {
    expectFail(() => checkVaeLoss((t, p, mu, lv, beta) => tf.add(tf.mul(beta, bce(t, p)), kl(mu, lv)) as tf.Scalar), /beta multiplies the reconstruction/);
    expectFail(() => checkVaeLoss((t, p) => bce(t, p)), /KL term is missing/);
  });
});
