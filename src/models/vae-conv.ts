/**
 * The convolutional VAE of the course documents: encoder conv 32 (stride 2) - conv 64
 * (stride 2) - dense 128 - (mu, logScale); decoder dense 7x7x64 - transposed conv 64 and 32
 * (stride 2) - transposed conv 1 with a sigmoid. Both scale parameterisations are explicit:
 * 'logVar' (Keras / PyTorch examples) and 'logStd' (5LSL0 Exercise 7: z = mu + n * exp(logStd)).
 */
import * as tf from '@tensorflow/tfjs';
import { LayersAutoencoder } from './autoencoder';
import type { ConvVaeConfig } from './config';
import { SeededInitializers } from './init';
import type { ScaleParameterization } from './types';
import { checkParameterizationName, checkInt, checkSeed, checkUnits } from './validate';

/** Options of {@link convVae}. */
export interface ConvVaeOptions {
  /** Size of z (default 2). */
  readonly latentDim?: number;
  /** What the encoder's second output is (default 'logVar'). */
  readonly parameterization?: ScaleParameterization;
  /** Filters of the two stride-2 convolutions (default [32, 64]). */
  readonly filters?: readonly [number, number];
  /** Width of the encoder's dense layer (default 128). */
  readonly denseUnits?: number;
  /** Default 'conv-vae' (with '-logstd' for the logStd variant). */
  readonly name?: string;
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
}

/** Fills in the defaults of {@link convVae} and checks every field. */
export function resolveConvVaeConfig(options: ConvVaeOptions = {}): ConvVaeConfig {
  const where = 'convVae';
  const parameterization = options.parameterization ?? 'logVar';
  checkParameterizationName(where, parameterization);
  const config: ConvVaeConfig = {
    type: 'convVae',
    name: options.name ?? (parameterization === 'logStd' ? 'conv-vae-logstd' : 'conv-vae'),
    latentDim: options.latentDim ?? 2,
    parameterization,
    filters: [...(options.filters ?? [32, 64])] as unknown as readonly [number, number],
    denseUnits: options.denseUnits ?? 128,
    seed: options.seed ?? 0,
  };
  checkInt(where, 'latentDim', config.latentDim);
  checkUnits(where, 'filters', config.filters);
  if (config.filters.length !== 2) throw new RangeError(`${where}: filters must be two numbers [f1, f2], got ${JSON.stringify(config.filters)}`);
  checkInt(where, 'denseUnits', config.denseUnits);
  checkSeed(where, config.seed);
  return config;
}

/** Encoder trunk on flat images `[n, 784]`: reshape, two stride-2 3x3 ReLU convs, flatten (7*7*f2). */
export function convVaeEncoderTrunk(x: tf.SymbolicTensor, filters: readonly [number, number], init: SeededInitializers): tf.SymbolicTensor {
  let h = tf.layers.reshape({ name: 'enc_to_image', targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  filters.forEach((f, i) => {
    h = tf.layers
      .conv2d({ name: `enc_conv${i + 1}`, filters: f, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...init.layer() })
      .apply(h) as tf.SymbolicTensor;
  });
  return tf.layers.flatten({ name: 'enc_flatten' }).apply(h) as tf.SymbolicTensor;
}

/** Encoder head: dense (ReLU) then the linear `mu` and `logScale` layers. */
export function vaeEncoderHead(
  h: tf.SymbolicTensor,
  denseUnits: number,
  latentDim: number,
  parameterization: ScaleParameterization,
  init: SeededInitializers,
): [tf.SymbolicTensor, tf.SymbolicTensor] {
  const hidden = tf.layers.dense({ name: 'enc_dense', units: denseUnits, activation: 'relu', ...init.layer() }).apply(h) as tf.SymbolicTensor;
  const mu = tf.layers.dense({ name: 'enc_mu', units: latentDim, ...init.layer() }).apply(hidden) as tf.SymbolicTensor;
  const logScale = tf.layers.dense({ name: `enc_${parameterization}`, units: latentDim, ...init.layer() }).apply(hidden) as tf.SymbolicTensor;
  return [mu, logScale];
}

/** Decoder body from a latent-side vector: dense 7x7xf2 (ReLU), transposed convs f2 and f1 (stride 2), 1 (sigmoid), flat 784. */
export function convVaeDecoderBody(h: tf.SymbolicTensor, filters: readonly [number, number], init: SeededInitializers): tf.SymbolicTensor {
  const [f1, f2] = filters;
  let g = tf.layers.dense({ name: 'dec_dense', units: 7 * 7 * f2, activation: 'relu', ...init.layer() }).apply(h) as tf.SymbolicTensor;
  g = tf.layers.reshape({ name: 'dec_to_map', targetShape: [7, 7, f2] }).apply(g) as tf.SymbolicTensor;
  [f2, f1].forEach((f, i) => {
    g = tf.layers
      .conv2dTranspose({ name: `dec_convT${i + 1}`, filters: f, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', ...init.layer() })
      .apply(g) as tf.SymbolicTensor;
  });
  g = tf.layers
    .conv2dTranspose({ name: 'dec_output', filters: 1, kernelSize: 3, strides: 1, padding: 'same', activation: 'sigmoid', ...init.layer() })
    .apply(g) as tf.SymbolicTensor;
  return tf.layers.reshape({ name: 'dec_to_flat', targetShape: [784] }).apply(g) as tf.SymbolicTensor;
}

/** Builds the model a resolved {@link ConvVaeConfig} describes. */
export function buildConvVae(config: ConvVaeConfig): LayersAutoencoder {
  const init = new SeededInitializers(config.seed, 'convVae');
  const x = tf.input({ shape: [784], name: 'enc_input' });
  const h = convVaeEncoderTrunk(x, config.filters, init);
  const [mu, logScale] = vaeEncoderHead(h, config.denseUnits, config.latentDim, config.parameterization, init);
  const encoder = tf.model({ inputs: x, outputs: [mu, logScale], name: `${config.name}-encoder` });

  const z = tf.input({ shape: [config.latentDim], name: 'dec_input' });
  const out = convVaeDecoderBody(z, config.filters, init);
  const decoder = tf.model({ inputs: z, outputs: out, name: `${config.name}-decoder` });

  return new LayersAutoencoder({
    kind: 'vae',
    name: config.name,
    latentDim: config.latentDim,
    encoder,
    decoder,
    parameterization: config.parameterization,
    config,
  });
}

/**
 * The convolutional VAE (28x28 images). `parameterization: 'logStd'` gives the 5LSL0 Exercise 7
 * model (its KL term is `klDivergence(mu, logStd, 'logStd')`); latentDim 16 the denoising VAE.
 */
export function convVae(options: ConvVaeOptions = {}): LayersAutoencoder {
  return buildConvVae(resolveConvVaeConfig(options));
}
