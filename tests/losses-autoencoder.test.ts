import * as tf from '@tensorflow/tfjs';
import { autoencoderLoss, bceLoss, defaultReconstructionLoss, klDivergence, mseLoss } from '../src/losses';
import { autoencoderFromLayers, denseVae } from '../src/models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A linear AE/VAE whose outputs are easy to compute by hand: encoder and decoder of known weights. */
function tinyVae() {
  const x = tf.input({ shape: [4] });
  const mu = tf.layers.dense({ units: 1, useBias: false, kernelInitializer: tf.initializers.constant({ value: 0.5 }) }).apply(x) as tf.SymbolicTensor;
  const ls = tf.layers.dense({ units: 1, useBias: false, kernelInitializer: tf.initializers.zeros() }).apply(x) as tf.SymbolicTensor;
  const z = tf.input({ shape: [1] });
  const out = tf.layers
    .dense({ units: 4, activation: 'sigmoid', useBias: false, kernelInitializer: tf.initializers.ones() })
    .apply(z) as tf.SymbolicTensor;
  return autoencoderFromLayers({
    kind: 'vae',
    name: 'tiny-vae',
    latentDim: 1,
    imageShape: [2, 2],
    encoder: tf.model({ inputs: x, outputs: [mu, ls] }),
    decoder: tf.model({ inputs: z, outputs: out }),
    parameterization: 'logStd',
  });
}

test('VAE loss = BCE(target, decode(mu + exp(logStd) * eps)) + beta * KL, by hand', () => {
  const m = tinyVae();
  const input = tf.tensor2d([[1, 1, 0, 0]]);
  const target = tf.tensor2d([[1, 0, 1, 0]]);
  const eps = tf.tensor2d([[2]]);
  // mu = 0.5 * (1 + 1) = 1, logStd = 0, z = 1 + 1 * 2 = 3, every pixel sigmoid(3)
  const p = 1 / (1 + Math.exp(-3));
  const rec = -2 * Math.log(p) - 2 * Math.log(1 - p);
  const kl = -0.5 * (1 + 0 - 1 - 1);
  const out = autoencoderLoss(m, { input, target, eps, beta: 0.5 });
  expect(out.reconstruction.dataSync()[0]).toBeCloseTo(rec, 4);
  expect(out.kl.dataSync()[0]).toBeCloseTo(kl, 5);
  expect(out.total.dataSync()[0]).toBeCloseTo(rec + 0.5 * kl, 4);
  const mse = autoencoderLoss(m, { input, target, eps, reconstruction: 'mse' });
  expect(mse.reconstruction.dataSync()[0]).toBeCloseTo((2 * (1 - p) ** 2 + 2 * p ** 2) / 4, 5);
  m.dispose();
});

test('AE loss: reconstruction only, KL reported as 0, default MSE', () => {
  const x = tf.input({ shape: [4] });
  const code = tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor;
  const z = tf.input({ shape: [2] });
  const out = tf.layers.dense({ units: 4, activation: 'sigmoid' }).apply(z) as tf.SymbolicTensor;
  const ae = autoencoderFromLayers({
    kind: 'ae',
    name: 'tiny-ae',
    latentDim: 2,
    imageShape: [2, 2],
    encoder: tf.model({ inputs: x, outputs: code }),
    decoder: tf.model({ inputs: z, outputs: out }),
  });
  expect(defaultReconstructionLoss(ae)).toBe('mse');
  const input = tf.tensor2d([[0.2, 0.4, 0.6, 0.8]]);
  const r = autoencoderLoss(ae, { input });
  const recon = ae.decode(ae.encodeMean(input));
  expect(r.reconstruction.dataSync()[0]).toBeCloseTo(mseLoss(input, recon).dataSync()[0], 6);
  expect(r.kl.dataSync()[0]).toBe(0);
  expect(r.total.dataSync()[0]).toBeCloseTo(r.reconstruction.dataSync()[0], 6);
  ae.dispose();
});

test('a VAE loss without eps is refused; with eps = 0 it is the mean decoding', () => {
  const m = denseVae({ latentDim: 2, hidden: [8] });
  expect(defaultReconstructionLoss(m)).toBe('bce');
  const input = tf.randomUniform([3, 784], 0, 1, 'float32', 1) as tf.Tensor2D;
  expect(() => autoencoderLoss(m, { input })).toThrow(/variational: pass eps \[n, 2\]/);
  const r = autoencoderLoss(m, { input, eps: tf.zeros([3, 2]) as tf.Tensor2D });
  const mu = m.encodeMean(input);
  const [, logVar] = m.encoder.predict(input) as tf.Tensor2D[];
  expect(r.reconstruction.dataSync()[0]).toBeCloseTo(bceLoss(input, m.decode(mu)).dataSync()[0], 3);
  expect(r.kl.dataSync()[0]).toBeCloseTo(klDivergence(mu, logVar, 'logVar').dataSync()[0], 5);
  m.dispose();
});

test('autoencoderFromLayers refuses non-flat boundaries', () => {
  const x = tf.input({ shape: [28, 28, 1] });
  const code = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
  const z = tf.input({ shape: [784] });
  expect(() =>
    autoencoderFromLayers({
      kind: 'ae',
      name: 'image-in',
      latentDim: 784,
      encoder: tf.model({ inputs: x, outputs: code }),
      decoder: tf.model({ inputs: z, outputs: z }),
    }),
  ).toThrow(/first input must be flat \[null, 784\], got \[null,28,28,1\]/);
});
