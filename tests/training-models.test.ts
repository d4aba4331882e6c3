/**
 * Every model builder of the course trains one short epoch (512 MNIST images) through the one
 * training engine on the wasm backend, and its loss goes down.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import {
  conditionalVae,
  convAutoencoder5lsl0,
  convVae,
  denseAutoencoder,
  denseVae,
  encoderClassifier,
  fcnAutoencoderPreset,
  pytorchReportVae,
} from '../src/models';
import type { NoiseSpec } from '../src/noise';
import { evaluateModel, train } from '../src/training';
import type { TrainableModel } from '../src/training';
import { smallMnist } from './training-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
});

interface Case {
  readonly build: () => TrainableModel & { dispose(): void };
  readonly learningRate?: number;
  readonly noise?: NoiseSpec;
}

const cases: Record<string, Case> = {
  'dense autoencoder (FCN preset, MSE)': { build: () => fcnAutoencoderPreset({ seed: 1 }) },
  'dense autoencoder, denoising Gaussian noise': { build: () => denseAutoencoder({ seed: 2 }), noise: { type: 'gaussian', std: 0.4 } },
  'conv autoencoder 5LSL0': { build: () => convAutoencoder5lsl0({ seed: 3 }), learningRate: 3e-3 },
  'encoder classifier': { build: () => encoderClassifier({ seed: 4 }), learningRate: 3e-3 },
  'dense VAE (Keras)': { build: () => denseVae({ seed: 5 }) },
  'one-hidden-layer VAE (PyTorch report)': { build: () => pytorchReportVae({ seed: 6 }) },
  'conv VAE (logVar)': { build: () => convVae({ seed: 7 }) },
  'conv VAE (logStd), denoising blur': { build: () => convVae({ seed: 8, parameterization: 'logStd', latentDim: 16 }), noise: { type: 'blur' } },
  'conditional VAE (one-hot)': { build: () => conditionalVae({ seed: 9, labelMode: 'oneHot' }) },
  'conditional VAE (embedding)': { build: () => conditionalVae({ seed: 10, labelMode: 'embedding' }) },
};

describe.each(Object.entries(cases))('%s', (_name, c) => {
  test('trains one short epoch on wasm with the loss going down, leaking no tensors', async () => {
    expect(tf.getBackend()).toBe('wasm');
    const data = smallMnist().train;
    const model = c.build();
    const score = (): number => evaluateModel(model, { data, noise: c.noise, seed: 1 }).loss;
    const tensors = tf.memory().numTensors;
    const before = score();
    const history = await train(model, { data, epochs: 1, batchSize: 32, learningRate: c.learningRate ?? 2e-3, noise: c.noise, seed: 1, verbose: 0 });
    const after = score();
    expect(tf.memory().numTensors).toBe(tensors); // no tensor leaks in training or scoring
    expect(Number.isFinite(before)).toBe(true);
    expect(history.epochs).toHaveLength(1);
    expect(after).toBeLessThan(before);
    model.dispose();
  });
});
