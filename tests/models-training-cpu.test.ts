/**
 * Loss goes down over a few Adam steps on the pure-JS `cpu` backend, and training is
 * reproducible. Dense models train at full size; the convolutional path is covered by a narrow
 * conv VAE and conditional VAE (same code, fewer filters) because the cpu backend's
 * Conv2DBackpropFilter is far too slow for full-width conv models in a unit test.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { conditionalVae, convVae, denseAutoencoder, denseVae, fcnAutoencoderPreset, pytorchReportVae, type LayersAutoencoder } from '../src/models';
import { trainBriefly } from './models-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'cpu', announce: false });
});

const narrow = { filters: [4, 8] as [number, number], denseUnits: 16 };

const cases: [string, () => LayersAutoencoder, number, number][] = [
  ['FCN autoencoder (MSE)', () => fcnAutoencoderPreset({ seed: 2 }), 0.0015, 16],
  ['Keras dense VAE (BCE + KL)', () => denseVae({ latentDim: 2, seed: 2 }), 1e-3, 16],
  ['PyTorch report VAE', () => pytorchReportVae({ hidden: 200, seed: 2 }), 1e-3, 16],
  ['narrow conv VAE, logStd', () => convVae({ ...narrow, parameterization: 'logStd', seed: 2 }), 3e-3, 4],
  ['narrow conditional VAE, embedding', () => conditionalVae({ ...narrow, labelMode: 'embedding', seed: 2 }), 3e-3, 4],
];

test.each(cases)('%s: loss goes down on cpu', (_label, make, learningRate, batchSize) => {
  expect(tf.getBackend()).toBe('cpu');
  const model = make();
  try {
    const before = tf.memory().numTensors;
    const r = trainBriefly(model, { images: 4 * batchSize, batchSize, learningRate });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.steps).toBe(4);
    expect(r.after).toBeLessThan(r.before);
  } finally {
    model.dispose();
  }
});

test('same seed, same backend: identical losses', () => {
  const run = (): [number, number] => {
    const m = denseAutoencoder({ encoderUnits: [32], latentDim: 4, decoderUnits: [32], seed: 5 });
    const r = trainBriefly(m, { images: 48, batchSize: 16, seed: 9 });
    m.dispose();
    return [r.before, r.after];
  };
  const a = run();
  expect(run()).toEqual(a);
  const m = denseAutoencoder({ encoderUnits: [32], latentDim: 4, decoderUnits: [32], seed: 5 });
  const other = trainBriefly(m, { images: 48, batchSize: 16, seed: 10 });
  m.dispose();
  expect(other.after).not.toBe(a[1]);
});
