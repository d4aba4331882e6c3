/**
 * The convolutional VAE of 5LSL0 Exercise 7, built on the networks of Exercise 1
 * ({@link conv5lsl0Encoder} / {@link conv5lsl0Decoder}) under the exercise's only rules: the
 * networks are convolutional, and a linear (Dense) layer may appear only at the end of the encoder
 * and as the first layer of the decoder ({@link checkConvVaeConstraints} checks exactly that).
 *
 * Like the Exercise 1 model it works on 32x32 images: the 2-pixel zero border is added before the
 * encoder network and cropped off the decoder network's output as data steps without weights, so
 * the model takes and returns flat 28x28 images like every vaelab autoencoder.
 *   encoder 32x32 -conv 16,pool 2-> 16x16 -conv 16,pool 2-> 8x8 -conv 16,pool 2-> 4x4x16 (Exercise 1's
 *           trunk, the layers Exercise 4's classifier keeps) -flatten 256-> linear mu, linear logStd
 *   decoder z -linear 256 (ReLU), reshape 4x4x16-> convT 16,upsample 2-> 8x8 -convT 16,upsample 2->
 *           16x16 -convT 16,upsample 2-> 32x32 -convT 1 (ReLU)  (Exercise 1's decoder after its 2x1->4x4 upsampling)
 * The encoder's second output is the log standard deviation (`parameterization: 'logStd'`), so
 * z = mu + n * exp(logStd) as the assignment writes it.
 */
import * as tf from '@tensorflow/tfjs';
import { LayersAutoencoder } from './autoencoder';
import type { Conv5lsl0VaeConfig } from './config';
import { CONV_5LSL0_BORDER, CONV_5LSL0_FILTERS, CONV_5LSL0_SIDE, cropAfter, padBefore, type BorderedNetworks } from './conv-5lsl0';
import { SeededInitializers } from './init';
import { checkInt, checkSeed } from './validate';

/** Options of {@link conv5lsl0Vae}. */
export interface Conv5lsl0VaeOptions {
  /** Size of z: mu and logStd have `latentDim` values each (default 2, the assignment's two [2x1] vectors). */
  readonly latentDim?: number;
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
  /** Default 'conv-vae-5lsl0'. */
  readonly name?: string;
}

/** Fills in the defaults of {@link conv5lsl0Vae} and checks every field. */
export function resolveConv5lsl0VaeConfig(options: Conv5lsl0VaeOptions = {}): Conv5lsl0VaeConfig {
  const where = 'conv5lsl0Vae';
  const config: Conv5lsl0VaeConfig = {
    type: 'conv5lsl0Vae',
    name: options.name ?? 'conv-vae-5lsl0',
    latentDim: options.latentDim ?? 2,
    seed: options.seed ?? 0,
  };
  checkInt(where, 'latentDim', config.latentDim);
  checkSeed(where, config.seed);
  return config;
}

/** Side of the feature map at the end of the Exercise 1 trunk (32 / 2 / 2 / 2). */
const TRUNK_SIDE = CONV_5LSL0_SIDE / 8;
/** Values per image at the end of the trunk: 4 x 4 x 16 = 256. */
const TRUNK_UNITS = TRUNK_SIDE * TRUNK_SIDE * CONV_5LSL0_FILTERS;

/**
 * A VAE whose networks work on bordered images (see {@link BorderedAutoencoder} for the data
 * steps). `network` holds the networks without the data steps: what `checkConvVaeConstraints` checks.
 */
export class BorderedVae extends LayersAutoencoder {
  /** The networks themselves, without the data steps. */
  readonly network: BorderedNetworks;

  /** Wraps `network` (encoder outputs [mu, logStd]) with the data steps. */
  constructor(network: BorderedNetworks, config: Conv5lsl0VaeConfig) {
    super({
      kind: 'vae',
      name: config.name,
      latentDim: config.latentDim,
      encoder: padBefore(network.encoder, network.border, `${config.name}-encoder-data-steps`),
      decoder: cropAfter(network.decoder, network.border, `${config.name}-decoder-data-steps`),
      parameterization: 'logStd',
      config,
    });
    this.network = network;
  }
}

function conv(name: string, filters: number, init: SeededInitializers): tf.layers.Layer {
  return tf.layers.conv2d({ name, filters, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', ...init.layer() });
}

function convT(name: string, filters: number, init: SeededInitializers): tf.layers.Layer {
  return tf.layers.conv2dTranspose({ name, filters, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', ...init.layer() });
}

/**
 * The encoder network on flat 32x32 images `[n, 1024]`: Exercise 1's trunk (three conv 16 +
 * pool 2 blocks, 4x4x16), flatten, then the two linear heads `enc_mu` and `enc_logStd`
 * (`latentDim` each). Outputs `[mu, logStd]`.
 */
export function conv5lsl0VaeEncoder(init: SeededInitializers, latentDim: number, name = 'conv-vae-5lsl0-encoder'): tf.LayersModel {
  const side = CONV_5LSL0_SIDE;
  const x = tf.input({ shape: [side * side], name: 'enc_input' });
  let h = tf.layers.reshape({ name: 'enc_to_image', targetShape: [side, side, 1] }).apply(x) as tf.SymbolicTensor;
  for (let i = 1; i <= 3; i += 1) {
    h = conv(`enc_conv${i}`, CONV_5LSL0_FILTERS, init).apply(h) as tf.SymbolicTensor;
    h = tf.layers.maxPooling2d({ name: `enc_pool${i}`, poolSize: 2, strides: 2 }).apply(h) as tf.SymbolicTensor;
  }
  h = tf.layers.flatten({ name: 'enc_flatten' }).apply(h) as tf.SymbolicTensor;
  const mu = tf.layers.dense({ name: 'enc_mu', units: latentDim, ...init.layer() }).apply(h) as tf.SymbolicTensor;
  const logStd = tf.layers.dense({ name: 'enc_logStd', units: latentDim, ...init.layer() }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: [mu, logStd], name });
}

/**
 * The decoder network: codes `[n, latentDim]` to flat 32x32 images `[n, 1024]`. One linear layer
 * `dec_linear` (to 4x4x16, ReLU), then Exercise 1's decoder from its first transposed conv on:
 * transposed conv 16 + upsample 2 three times (8x8, 16x16, 32x32), transposed conv 1 (ReLU).
 */
export function conv5lsl0VaeDecoder(init: SeededInitializers, latentDim: number, name = 'conv-vae-5lsl0-decoder'): tf.LayersModel {
  const side = CONV_5LSL0_SIDE;
  const z = tf.input({ shape: [latentDim], name: 'dec_input' });
  let g = tf.layers.dense({ name: 'dec_linear', units: TRUNK_UNITS, activation: 'relu', ...init.layer() }).apply(z) as tf.SymbolicTensor;
  g = tf.layers.reshape({ name: 'dec_to_map', targetShape: [TRUNK_SIDE, TRUNK_SIDE, CONV_5LSL0_FILTERS] }).apply(g) as tf.SymbolicTensor;
  for (let i = 1; i <= 3; i += 1) {
    g = convT(`dec_convT${i}`, CONV_5LSL0_FILTERS, init).apply(g) as tf.SymbolicTensor;
    g = tf.layers.upSampling2d({ name: `dec_up${i + 1}`, size: [2, 2] }).apply(g) as tf.SymbolicTensor;
  }
  g = convT('dec_convT4', 1, init).apply(g) as tf.SymbolicTensor;
  g = tf.layers.reshape({ name: 'dec_to_flat', targetShape: [side * side] }).apply(g) as tf.SymbolicTensor;
  return tf.model({ inputs: z, outputs: g, name });
}

/** Builds the model a resolved {@link Conv5lsl0VaeConfig} describes. */
export function buildConv5lsl0Vae(config: Conv5lsl0VaeConfig): BorderedVae {
  const init = new SeededInitializers(config.seed, 'conv5lsl0Vae');
  const encoder = conv5lsl0VaeEncoder(init, config.latentDim, `${config.name}-encoder`);
  const decoder = conv5lsl0VaeDecoder(init, config.latentDim, `${config.name}-decoder`);
  return new BorderedVae({ encoder, decoder, border: CONV_5LSL0_BORDER }, config);
}

/**
 * The 5LSL0 Exercise 7 VAE (mean and log standard deviation, `latentDim` each; default 2) on the
 * networks of Exercise 1: see the module comment for the layers. Train it with a summed squared
 * error plus beta x KL ({@link CONV_VAE_5LSL0_TRAINING}); `checkConvVaeConstraints(model)` returns
 * no violation for it.
 */
export function conv5lsl0Vae(options: Conv5lsl0VaeOptions = {}): BorderedVae {
  return buildConv5lsl0Vae(resolveConv5lsl0VaeConfig(options));
}
