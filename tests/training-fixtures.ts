/**
 * Small models and data for the training tests: tiny networks that meet the AutoencoderModel
 * contract (so the engine is tested without the real builders) and a seeded MNIST subset.
 */
import * as tf from '@tensorflow/tfjs';
import { loadMnist } from '../src/data';
import type { AutoencoderModel } from '../src/models/types';
import type { DatasetSplits } from '../src/types';

let cached: DatasetSplits | undefined;

/** 512 training and 128 test MNIST images (seeded subset, loaded once per test file). */
export function smallMnist(): DatasetSplits {
  cached ??= loadMnist({ trainCount: 512, testCount: 128, seed: 7 });
  return cached;
}

function wrap(kind: 'ae' | 'vae', name: string, latentDim: number, encoder: tf.LayersModel, decoder: tf.LayersModel): AutoencoderModel {
  return {
    kind,
    name,
    latentDim,
    imageShape: [28, 28],
    encoder,
    decoder,
    parameterization: kind === 'vae' ? 'logVar' : undefined,
    encodeMean: (x) =>
      tf.tidy(() => {
        const out = encoder.predict(x);
        return (Array.isArray(out) ? out[0] : out) as tf.Tensor2D;
      }),
    decode: (z) => decoder.predict(z) as tf.Tensor2D,
    trainableWeights: () => [...encoder.trainableWeights, ...decoder.trainableWeights].map((w) => w.read() as tf.Variable),
    dispose: () => {
      encoder.dispose();
      decoder.dispose();
    },
  };
}

/** A tiny dense autoencoder 784-hidden-latent-hidden-784 with seeded weights. */
export function tinyAe(seed: number, hidden = 32, latentDim = 8): AutoencoderModel {
  const init = (k: number): tf.serialization.Serializable => tf.initializers.glorotUniform({ seed: seed * 10 + k });
  const encoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: hidden, activation: 'relu', kernelInitializer: init(1) as never }),
      tf.layers.dense({ units: latentDim, kernelInitializer: init(2) as never }),
    ],
  });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [latentDim], units: hidden, activation: 'relu', kernelInitializer: init(3) as never }),
      tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: init(4) as never }),
    ],
  });
  return wrap('ae', 'tiny-ae', latentDim, encoder, decoder);
}

/** A tiny dense VAE (log-variance) 784-hidden-[mu, logVar], latent-hidden-784, seeded. */
export function tinyVae(seed: number, hidden = 32, latentDim = 2): AutoencoderModel {
  const init = (k: number): never => tf.initializers.glorotUniform({ seed: seed * 10 + k }) as never;
  const x = tf.input({ shape: [784] });
  const h = tf.layers.dense({ units: hidden, activation: 'relu', kernelInitializer: init(1) }).apply(x) as tf.SymbolicTensor;
  const mu = tf.layers.dense({ units: latentDim, kernelInitializer: init(2) }).apply(h) as tf.SymbolicTensor;
  const logVar = tf.layers.dense({ units: latentDim, kernelInitializer: init(3) }).apply(h) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: x, outputs: [mu, logVar] });
  const decoder = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [latentDim], units: hidden, activation: 'relu', kernelInitializer: init(4) }),
      tf.layers.dense({ units: 784, activation: 'sigmoid', kernelInitializer: init(5) }),
    ],
  });
  return wrap('vae', 'tiny-vae', latentDim, encoder, decoder);
}

/** A tiny softmax classifier 784-hidden-10, seeded. */
export function tinyClassifier(seed: number, hidden = 32): tf.LayersModel {
  const init = (k: number): never => tf.initializers.glorotUniform({ seed: seed * 10 + k }) as never;
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: hidden, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2) }),
    ],
  });
}

/** A sink for progress output that records what was written. */
export function recordingOutput(isTTY = false): { write(s: string): boolean; isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  return { write: (s: string) => (chunks.push(s), true), isTTY, text: () => chunks.join('') };
}
