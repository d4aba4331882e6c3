/**
 * Fully connected autoencoders: a configurable builder and the preset of the course's
 * FCN autoencoder document (784-144-72-48, ReLU encoder, tanh code and decoder, sigmoid output).
 */
import * as tf from '@tensorflow/tfjs';
import { LayersAutoencoder } from './autoencoder';
import type { DenseActivation, DenseAutoencoderConfig } from './config';
import { SeededInitializers } from './init';
import { checkActivation, checkImageShape, checkInt, checkSeed, checkUnits } from './validate';

/** Options of {@link denseAutoencoder}; every field has a default (the FCN preset's values). */
export interface DenseAutoencoderOptions {
  /** Model name (default from the builder). */
  readonly name?: string;
  /** Default [28, 28]. */
  readonly imageShape?: readonly [number, number];
  /** Encoder hidden widths, input side first (default [144, 72]). */
  readonly encoderUnits?: readonly number[];
  /** Default 'relu'. */
  readonly encoderActivation?: DenseActivation;
  /** Default 48. */
  readonly latentDim?: number;
  /** Default 'tanh'. */
  readonly latentActivation?: DenseActivation;
  /** Decoder hidden widths, latent side first (default: the encoder's reversed). */
  readonly decoderUnits?: readonly number[];
  /** Default 'tanh'. */
  readonly decoderActivation?: DenseActivation;
  /** Default 'sigmoid'. */
  readonly outputActivation?: DenseActivation;
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
}

/** Fills in the defaults of {@link denseAutoencoder} and checks every field. */
export function resolveDenseAutoencoderConfig(options: DenseAutoencoderOptions = {}): DenseAutoencoderConfig {
  const where = 'denseAutoencoder';
  const encoderUnits = [...(options.encoderUnits ?? [144, 72])];
  const config: DenseAutoencoderConfig = {
    type: 'denseAutoencoder',
    name: options.name ?? 'dense-ae',
    imageShape: [...(options.imageShape ?? [28, 28])] as unknown as readonly [number, number],
    encoderUnits,
    encoderActivation: options.encoderActivation ?? 'relu',
    latentDim: options.latentDim ?? 48,
    latentActivation: options.latentActivation ?? 'tanh',
    decoderUnits: [...(options.decoderUnits ?? [...encoderUnits].reverse())],
    decoderActivation: options.decoderActivation ?? 'tanh',
    outputActivation: options.outputActivation ?? 'sigmoid',
    seed: options.seed ?? 0,
  };
  checkImageShape(where, config.imageShape);
  checkUnits(where, 'encoderUnits', config.encoderUnits, true);
  checkUnits(where, 'decoderUnits', config.decoderUnits, true);
  checkInt(where, 'latentDim', config.latentDim);
  checkActivation(where, 'encoderActivation', config.encoderActivation);
  checkActivation(where, 'latentActivation', config.latentActivation);
  checkActivation(where, 'decoderActivation', config.decoderActivation);
  checkActivation(where, 'outputActivation', config.outputActivation);
  checkSeed(where, config.seed);
  return config;
}

/** Builds the model a resolved {@link DenseAutoencoderConfig} describes. */
export function buildDenseAutoencoder(config: DenseAutoencoderConfig): LayersAutoencoder {
  const init = new SeededInitializers(config.seed, 'denseAutoencoder');
  const pixels = config.imageShape[0] * config.imageShape[1];

  const x = tf.input({ shape: [pixels], name: 'enc_input' });
  let h: tf.SymbolicTensor = x;
  config.encoderUnits.forEach((units, i) => {
    h = denseLayer(`enc_dense${i + 1}`, units, config.encoderActivation, init).apply(h) as tf.SymbolicTensor;
  });
  const code = denseLayer('enc_code', config.latentDim, config.latentActivation, init).apply(h) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: x, outputs: code, name: `${config.name}-encoder` });

  const z = tf.input({ shape: [config.latentDim], name: 'dec_input' });
  let g: tf.SymbolicTensor = z;
  config.decoderUnits.forEach((units, i) => {
    g = denseLayer(`dec_dense${i + 1}`, units, config.decoderActivation, init).apply(g) as tf.SymbolicTensor;
  });
  const out = denseLayer('dec_output', pixels, config.outputActivation, init).apply(g) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: z, outputs: out, name: `${config.name}-decoder` });

  return new LayersAutoencoder({
    kind: 'ae',
    name: config.name,
    latentDim: config.latentDim,
    imageShape: config.imageShape,
    encoder,
    decoder,
    config,
  });
}

/** A fully connected autoencoder with configurable widths and activations (defaults: the FCN preset). */
export function denseAutoencoder(options: DenseAutoencoderOptions = {}): LayersAutoencoder {
  return buildDenseAutoencoder(resolveDenseAutoencoderConfig(options));
}

/**
 * The FCN autoencoder of the course document: encoder 784-144-72 (ReLU) then a 48-unit tanh
 * code, decoder 72-144 (tanh) then 784 sigmoid. Train it with `FCN_AUTOENCODER_TRAINING`.
 */
export function fcnAutoencoderPreset(options: { readonly seed?: number; readonly name?: string } = {}): LayersAutoencoder {
  return denseAutoencoder({
    name: options.name ?? 'fcn-ae',
    encoderUnits: [144, 72],
    encoderActivation: 'relu',
    latentDim: 48,
    latentActivation: 'tanh',
    decoderUnits: [72, 144],
    decoderActivation: 'tanh',
    outputActivation: 'sigmoid',
    seed: options.seed ?? 0,
  });
}

function denseLayer(name: string, units: number, activation: DenseActivation, init: SeededInitializers): tf.layers.Layer {
  return tf.layers.dense({ name, units, activation, ...init.layer() });
}
