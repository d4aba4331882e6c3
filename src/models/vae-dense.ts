/**
 * Fully connected VAEs: the Keras tutorial's 784-512-256-latent VAE and the one-hidden-layer
 * VAE of the PyTorch report (fc1 / fc21 / fc22 / fc3 / fc4). The encoder outputs
 * `[mu, logScale]`; sampling happens outside (`reparameterize` with a seeded eps).
 */
import * as tf from '@tensorflow/tfjs';
import { LayersAutoencoder } from './autoencoder';
import type { DenseActivation, DenseVaeConfig } from './config';
import { SeededInitializers } from './init';
import type { ScaleParameterization } from './types';
import { checkActivation, checkImageShape, checkParameterizationName, checkInt, checkSeed, checkUnits } from './validate';

/** Options of {@link denseVae}. */
export interface DenseVaeOptions {
  /** Size of z (default 2). */
  readonly latentDim?: number;
  /** Encoder hidden widths, input side first; the decoder mirrors them (default [512, 256]). */
  readonly hidden?: readonly number[];
  /** Hidden activation (default 'relu'). */
  readonly activation?: DenseActivation;
  /** What the encoder's second output is (default 'logVar'). */
  readonly parameterization?: ScaleParameterization;
  /** Default [28, 28]. */
  readonly imageShape?: readonly [number, number];
  /** Default 'dense-vae'. */
  readonly name?: string;
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
}

/** Fills in the defaults of {@link denseVae} and checks every field. */
export function resolveDenseVaeConfig(options: DenseVaeOptions = {}): DenseVaeConfig {
  const where = 'denseVae';
  const config: DenseVaeConfig = {
    type: 'denseVae',
    name: options.name ?? 'dense-vae',
    imageShape: [...(options.imageShape ?? [28, 28])] as unknown as readonly [number, number],
    hidden: [...(options.hidden ?? [512, 256])],
    activation: options.activation ?? 'relu',
    latentDim: options.latentDim ?? 2,
    parameterization: options.parameterization ?? 'logVar',
    seed: options.seed ?? 0,
  };
  checkImageShape(where, config.imageShape);
  checkUnits(where, 'hidden', config.hidden);
  checkActivation(where, 'activation', config.activation);
  checkInt(where, 'latentDim', config.latentDim);
  checkParameterizationName(where, config.parameterization);
  checkSeed(where, config.seed);
  return config;
}

/** Builds the model a resolved {@link DenseVaeConfig} describes. */
export function buildDenseVae(config: DenseVaeConfig): LayersAutoencoder {
  const init = new SeededInitializers(config.seed, 'denseVae');
  const pixels = config.imageShape[0] * config.imageShape[1];
  const dense = (name: string, units: number, activation: DenseActivation): tf.layers.Layer =>
    tf.layers.dense({ name, units, activation, ...init.layer() });

  const x = tf.input({ shape: [pixels], name: 'enc_input' });
  let h: tf.SymbolicTensor = x;
  config.hidden.forEach((units, i) => {
    h = dense(`enc_dense${i + 1}`, units, config.activation).apply(h) as tf.SymbolicTensor;
  });
  const mu = dense('enc_mu', config.latentDim, 'linear').apply(h) as tf.SymbolicTensor;
  const logScale = dense(`enc_${config.parameterization}`, config.latentDim, 'linear').apply(h) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: x, outputs: [mu, logScale], name: `${config.name}-encoder` });

  const z = tf.input({ shape: [config.latentDim], name: 'dec_input' });
  let g: tf.SymbolicTensor = z;
  [...config.hidden].reverse().forEach((units, i) => {
    g = dense(`dec_dense${i + 1}`, units, config.activation).apply(g) as tf.SymbolicTensor;
  });
  const out = dense('dec_output', pixels, 'sigmoid').apply(g) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: z, outputs: out, name: `${config.name}-decoder` });

  return new LayersAutoencoder({
    kind: 'vae',
    name: config.name,
    latentDim: config.latentDim,
    imageShape: config.imageShape,
    encoder,
    decoder,
    parameterization: config.parameterization,
    config,
  });
}

/**
 * The Keras tutorial's dense VAE: encoder 784-512-256 (ReLU) to mu and logVar, decoder
 * latent-256-512-784 with a sigmoid output. Train with BCE summed over pixels + beta * KL.
 */
export function denseVae(options: DenseVaeOptions = {}): LayersAutoencoder {
  return buildDenseVae(resolveDenseVaeConfig(options));
}

/** Options of {@link pytorchReportVae}. */
export interface PytorchReportVaeOptions {
  /** Width of fc1 and fc3 (default 400, as pytorch/examples). */
  readonly hidden?: number;
  /** Size of z (default 20). */
  readonly latentDim?: number;
  /** Seed of the initial weights. */
  readonly seed?: number;
  /** Model name (default from the builder). */
  readonly name?: string;
}

/**
 * The PyTorch report's VAE: fc1 (784 -> hidden, ReLU), fc21 / fc22 (hidden -> latent: mu and
 * logVar), fc3 (latent -> hidden, ReLU), fc4 (hidden -> 784, sigmoid). In the built model these
 * are `enc_dense1`, `enc_mu`, `enc_logVar`, `dec_dense1` and `dec_output`. The defaults (hidden 400,
 * latent 20) are the report's; train it with `PYTORCH_REPORT_VAE_TRAINING` (presets.ts).
 */
export function pytorchReportVae(options: PytorchReportVaeOptions = {}): LayersAutoencoder {
  const hidden = options.hidden ?? 400;
  checkInt('pytorchReportVae', 'hidden', hidden);
  return denseVae({
    name: options.name ?? 'pytorch-report-vae',
    hidden: [hidden],
    latentDim: options.latentDim ?? 20,
    parameterization: 'logVar',
    seed: options.seed,
  });
}
