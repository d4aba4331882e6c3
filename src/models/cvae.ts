/**
 * Conditional VAEs (the Keras guide's CVAEs): the class label joins the image features in the
 * encoder and the latent code in the decoder, either as a one-hot vector or through a learned
 * label embedding. Both networks take int32 labels as a second input.
 *
 * The learned embedding is a trainable `numClasses x embeddingDim` table applied to the one-hot
 * label (`label_embedding`, a bias-free dense layer): mathematically an Embedding lookup, but its
 * gradient is a matrix product, which every backend (wasm included) can train. Encoder and decoder
 * each have their own table, so that they remain independent models.
 */
import * as tf from '@tensorflow/tfjs';
import { LayersAutoencoder } from './autoencoder';
import type { ConditionalVaeConfig, LabelMode } from './config';
import { SeededInitializers } from './init';
import type { ScaleParameterization } from './types';
import { checkLabelMode, checkParameterizationName, checkInt, checkSeed, checkUnits } from './validate';
import { convVaeDecoderBody, convVaeEncoderTrunk, vaeEncoderHead } from './vae-conv';

/** Options of {@link conditionalVae}. */
export interface ConditionalVaeOptions {
  /** Size of z (default 2). */
  readonly latentDim?: number;
  /** 'oneHot' (default) or 'embedding' (learned `embeddingDim`-d label vectors). */
  readonly labelMode?: LabelMode;
  /** Size of the learned embedding (default 8; used by 'embedding'). */
  readonly embeddingDim?: number;
  /** Number of classes (default 10). */
  readonly numClasses?: number;
  /** What the encoder's second output is (default 'logVar'). */
  readonly parameterization?: ScaleParameterization;
  /** Default [32, 64]. */
  readonly filters?: readonly [number, number];
  /** Default 128. */
  readonly denseUnits?: number;
  /** Default 'cvae-onehot' / 'cvae-embedding'. */
  readonly name?: string;
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
}

/** Fills in the defaults of {@link conditionalVae} and checks every field. */
export function resolveConditionalVaeConfig(options: ConditionalVaeOptions = {}): ConditionalVaeConfig {
  const where = 'conditionalVae';
  const labelMode = options.labelMode ?? 'oneHot';
  checkLabelMode(where, labelMode);
  const config: ConditionalVaeConfig = {
    type: 'conditionalVae',
    name: options.name ?? (labelMode === 'oneHot' ? 'cvae-onehot' : 'cvae-embedding'),
    latentDim: options.latentDim ?? 2,
    labelMode,
    embeddingDim: options.embeddingDim ?? 8,
    numClasses: options.numClasses ?? 10,
    parameterization: options.parameterization ?? 'logVar',
    filters: [...(options.filters ?? [32, 64])] as unknown as readonly [number, number],
    denseUnits: options.denseUnits ?? 128,
    seed: options.seed ?? 0,
  };
  checkInt(where, 'latentDim', config.latentDim);
  checkInt(where, 'embeddingDim', config.embeddingDim);
  checkInt(where, 'numClasses', config.numClasses, 2);
  checkParameterizationName(where, config.parameterization);
  checkUnits(where, 'filters', config.filters);
  if (config.filters.length !== 2) throw new RangeError(`${where}: filters must be two numbers [f1, f2], got ${JSON.stringify(config.filters)}`);
  checkInt(where, 'denseUnits', config.denseUnits);
  checkSeed(where, config.seed);
  return config;
}

/** The label as a vector: one-hot `[n, numClasses]` or a learned embedding `[n, embeddingDim]`. */
function labelVector(prefix: 'enc' | 'dec', labels: tf.SymbolicTensor, config: ConditionalVaeConfig, init: SeededInitializers): tf.SymbolicTensor {
  // An identity "embedding" that is not trained is exactly the one-hot encoding.
  const oneHot = tf.layers
    .embedding({
      name: `${prefix}_label_onehot`,
      inputDim: config.numClasses,
      outputDim: config.numClasses,
      inputLength: 1,
      embeddingsInitializer: tf.initializers.identity({ gain: 1 }),
      trainable: false,
    })
    .apply(labels) as tf.SymbolicTensor;
  const flat = tf.layers.flatten({ name: `${prefix}_label_flat` }).apply(oneHot) as tf.SymbolicTensor;
  if (config.labelMode === 'oneHot') return flat;
  return tf.layers
    .dense({ name: `${prefix}_label_embedding`, units: config.embeddingDim, useBias: false, kernelInitializer: init.uniform() })
    .apply(flat) as tf.SymbolicTensor;
}

/** Builds the model a resolved {@link ConditionalVaeConfig} describes. */
export function buildConditionalVae(config: ConditionalVaeConfig): LayersAutoencoder {
  const init = new SeededInitializers(config.seed, 'conditionalVae');

  const x = tf.input({ shape: [784], name: 'enc_input' });
  const encLabels = tf.input({ shape: [1], dtype: 'int32', name: 'enc_labels' });
  const features = convVaeEncoderTrunk(x, config.filters, init);
  const joint = tf.layers.concatenate({ name: 'enc_concat' }).apply([features, labelVector('enc', encLabels, config, init)]) as tf.SymbolicTensor;
  const [mu, logScale] = vaeEncoderHead(joint, config.denseUnits, config.latentDim, config.parameterization, init);
  const encoder = tf.model({ inputs: [x, encLabels], outputs: [mu, logScale], name: `${config.name}-encoder` });

  const z = tf.input({ shape: [config.latentDim], name: 'dec_input' });
  const decLabels = tf.input({ shape: [1], dtype: 'int32', name: 'dec_labels' });
  const zl = tf.layers.concatenate({ name: 'dec_concat' }).apply([z, labelVector('dec', decLabels, config, init)]) as tf.SymbolicTensor;
  const out = convVaeDecoderBody(zl, config.filters, init);
  const decoder = tf.model({ inputs: [z, decLabels], outputs: out, name: `${config.name}-decoder` });

  return new LayersAutoencoder({
    kind: 'cvae',
    name: config.name,
    latentDim: config.latentDim,
    encoder,
    decoder,
    parameterization: config.parameterization,
    numClasses: config.numClasses,
    config,
  });
}

/**
 * A conditional VAE with a 2-d latent (default): conv encoder (32/64 stride 2) whose features
 * are joined with the label before the dense 128 layer; decoder on [z, label]. `labelMode`
 * 'oneHot' feeds the 10-d one-hot label, 'embedding' a learned 8-d label vector.
 */
export function conditionalVae(options: ConditionalVaeOptions = {}): LayersAutoencoder {
  return buildConditionalVae(resolveConditionalVaeConfig(options));
}
