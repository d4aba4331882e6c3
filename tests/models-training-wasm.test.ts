/**
 * Every model's loss goes down over a few Adam steps on the wasm backend (the offline default),
 * conv models included (their gradients use vaelab's wasm kernels from src/backend).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import {
  conditionalVae,
  convAutoencoder5lsl0,
  convVae,
  denseVae,
  encoderClassifier,
  fcnAutoencoderPreset,
  pytorchReportVae,
  type LayersAutoencoder,
} from '../src/models';
import { syntheticBatch, trainBriefly } from './models-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
});

// [label, builder, learning rate, images (one pass in batches of 16 / 32 for the dense models)]
const cases: [string, () => LayersAutoencoder, number, number][] = [
  ['FCN autoencoder (MSE)', () => fcnAutoencoderPreset({ seed: 1 }), 0.0015, 256],
  ['Keras dense VAE (BCE + KL)', () => denseVae({ latentDim: 2, seed: 1 }), 1e-3, 256],
  ['PyTorch report VAE', () => pytorchReportVae({ seed: 1 }), 1e-3, 256],
  ['5LSL0 conv autoencoder (MSE)', () => convAutoencoder5lsl0({ seed: 1 }), 2e-3, 96],
  ['conv VAE, logVar', () => convVae({ seed: 1 }), 1e-3, 96],
  ['conv VAE, logStd (5LSL0 Ex. 7)', () => convVae({ parameterization: 'logStd', seed: 1 }), 1e-3, 96],
  ['conditional VAE, one-hot label', () => conditionalVae({ labelMode: 'oneHot', seed: 1 }), 1e-3, 96],
  ['conditional VAE, learned embedding', () => conditionalVae({ labelMode: 'embedding', seed: 1 }), 1e-3, 96],
];

test.each(cases)('%s: loss goes down on wasm', (_label, make, learningRate, images) => {
  expect(tf.getBackend()).toBe('wasm');
  const model = make();
  try {
    const before = tf.memory().numTensors;
    const batchSize = images >= 256 ? 32 : 16;
    const r = trainBriefly(model, { images, batchSize, learningRate });
    expect(tf.memory().numTensors).toBe(before); // no tensor leaks from training steps
    expect(r.steps).toBe(images / batchSize);
    expect(Number.isFinite(r.after)).toBe(true);
    expect(r.after).toBeLessThan(r.before);
  } finally {
    model.dispose();
  }
});

test('encoder classifier: cross-entropy goes down on wasm', () => {
  const clf = encoderClassifier({ seed: 1 });
  const { x, labels } = syntheticBatch(64, 21);
  const lossOf = (): number => tf.tidy(() => clf.loss(labels, clf.predict(x)).dataSync()[0]);
  const before = lossOf();
  const opt = tf.train.adam(2e-3);
  for (let i = 0; i < 4; i++) {
    const c = opt.minimize(() => clf.loss(labels, clf.model.apply(x, { training: true }) as tf.Tensor2D), true, clf.trainableWeights());
    if (c) c.dispose();
  }
  expect(lossOf()).toBeLessThan(before);
  opt.dispose();
  tf.dispose([x, labels]);
  clf.dispose();
});
