/**
 * Conditional VAEs (the Keras guide's CVAEs): the class label joins the image features in the
 * encoder and the latent code in the decoder, either as a one-hot vector or through a learned
 * label embedding. Both networks take int32 labels as a second input.
 *
 * The learned embedding is a trainable `numClasses x embeddingDim` table applied to the one-hot
 * label (`label_embedding`, a bias-free dense layer): mathematically an Embedding lookup, but its
 * gradient is a matrix product, which every backend (wasm included) can train. Encoder and decoder
 * each have their own table, so that they remain independent models.
 *
 * How the label joins is a {@link Conditioning}: {@link conditionalVae} uses the library's,
 * {@link conditionalVaeFrom} a student's (notebook 14, Exercise 14.2); both build the rest of the
 * networks around it in the same order from one seeded stream.
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

/** What a {@link Conditioning} is asked to do: how the label becomes a vector, and its sizes. */
export interface ConditioningSpec {
  /** 'oneHot': the fixed one-hot vector; 'embedding': a learned `embeddingDim`-d vector per class. */
  readonly mode: LabelMode;
  /** Number of classes K (labels are 0 ... K-1). */
  readonly numClasses: number;
  /** Size of the learned label vector ('embedding' mode). */
  readonly embeddingDim: number;
}

/**
 * How the label enters a conditional network: from the symbolic `features` `[n, d]` (the encoder's
 * image features, or z in the decoder) and the int32 `labels` `[n, 1]`, the symbolic tensor the next
 * layer reads, `[n, d + width]`: the features first, then the label vector (`numClasses` wide for
 * 'oneHot', `embeddingDim` for 'embedding'). Weights are drawn from `init`, in order.
 */
export type Conditioning = (
  features: tf.SymbolicTensor,
  labels: tf.SymbolicTensor,
  label: ConditioningSpec,
  init: SeededInitializers,
) => tf.SymbolicTensor;

/** The library's conditioning, with named layers (`prefix` 'enc' or 'dec'); see {@link Conditioning}. */
function libraryConditioning(prefix: 'enc' | 'dec'): Conditioning {
  return (features, labels, label, init) => {
    // An identity "embedding" that is not trained is exactly the one-hot encoding.
    const oneHot = tf.layers
      .embedding({
        name: `${prefix}_label_onehot`,
        inputDim: label.numClasses,
        outputDim: label.numClasses,
        inputLength: 1,
        embeddingsInitializer: tf.initializers.identity({ gain: 1 }),
        trainable: false,
      })
      .apply(labels) as tf.SymbolicTensor;
    const flat = tf.layers.flatten({ name: `${prefix}_label_flat` }).apply(oneHot) as tf.SymbolicTensor;
    const vector =
      label.mode === 'oneHot'
        ? flat
        : (tf.layers
            .dense({ name: `${prefix}_label_embedding`, units: label.embeddingDim, useBias: false, kernelInitializer: init.uniform() })
            .apply(flat) as tf.SymbolicTensor);
    return tf.layers.concatenate({ name: `${prefix}_concat` }).apply([features, vector]) as tf.SymbolicTensor;
  };
}

/** The label part of `config`, as a {@link Conditioning} receives it. */
function conditioningSpec(config: ConditionalVaeConfig): ConditioningSpec {
  return { mode: config.labelMode, numClasses: config.numClasses, embeddingDim: config.embeddingDim };
}

/** True when the symbolic tensor `out` is computed from `input` (a walk back through the layers' inbound nodes). */
export function dependsOn(out: tf.SymbolicTensor, input: tf.SymbolicTensor): boolean {
  const seen = new Set<tf.SymbolicTensor>();
  const stack = [out];
  while (stack.length > 0) {
    const t = stack.pop() as tf.SymbolicTensor;
    if (t === input) return true;
    if (seen.has(t)) continue;
    seen.add(t);
    const node = t.sourceLayer?.inboundNodes[t.nodeIndex];
    if (node) stack.push(...node.inputTensors);
  }
  return false;
}

/** `condition`'s output for one network, checked: a rank-2 symbolic tensor of the right width that depends on the labels. */
function conditioned(
  where: string,
  part: 'encoder' | 'decoder',
  condition: Conditioning,
  features: tf.SymbolicTensor,
  labels: tf.SymbolicTensor,
  config: ConditionalVaeConfig,
  init: SeededInitializers,
): tf.SymbolicTensor {
  const spec = conditioningSpec(config);
  const out: unknown = condition(features, labels, spec, init);
  const d = Number(features.shape[1]);
  const width = d + (spec.mode === 'oneHot' ? spec.numClasses : spec.embeddingDim);
  const what = part === 'encoder' ? 'image features' : 'code z';
  if (!(out instanceof tf.SymbolicTensor)) {
    throw new TypeError(
      `${where}: the conditioning must return the symbolic tensor the next layer reads (the output of a layer's apply), got ${out instanceof tf.Tensor ? 'a concrete tf.Tensor' : typeof out} in the ${part}`,
    );
  }
  if (out.shape.length !== 2 || out.shape[1] !== width) {
    throw new RangeError(
      `${where}: in the ${part} the conditioning returned shape [${out.shape.map(String).join(', ')}], expected [null, ${width}]: the ${d} numbers of the ${what} followed by the ${spec.mode === 'oneHot' ? `${spec.numClasses}-d one-hot` : `${spec.embeddingDim}-d embedded`} label`,
    );
  }
  const uses = (input: tf.SymbolicTensor) => dependsOn(out, input);
  if (!uses(labels)) {
    throw new Error(
      `${where}: in the ${part} the conditioning's output does not depend on the labels: the label vector must be computed from the labels and joined to the ${what}`,
    );
  }
  if (!uses(features)) {
    throw new Error(`${where}: in the ${part} the conditioning's output does not depend on the ${what}: join the label vector to them`);
  }
  return out;
}

/**
 * The networks of a conditional VAE around a conditioning function: `encoderCondition` joins the
 * label to the image features, `decoderCondition` to z. The encoder is built first, then the
 * decoder, from one seeded initialiser stream.
 */
function buildConditionalVaeWith(
  config: ConditionalVaeConfig,
  encoderCondition: Conditioning,
  decoderCondition: Conditioning,
  where: string,
): LayersAutoencoder {
  const init = new SeededInitializers(config.seed, 'conditionalVae');

  const x = tf.input({ shape: [784], name: 'enc_input' });
  const encLabels = tf.input({ shape: [1], dtype: 'int32', name: 'enc_labels' });
  const features = convVaeEncoderTrunk(x, config.filters, init);
  const joint = conditioned(where, 'encoder', encoderCondition, features, encLabels, config, init);
  const [mu, logScale] = vaeEncoderHead(joint, config.denseUnits, config.latentDim, config.parameterization, init);
  const encoder = tf.model({ inputs: [x, encLabels], outputs: [mu, logScale], name: `${config.name}-encoder` });

  const z = tf.input({ shape: [config.latentDim], name: 'dec_input' });
  const decLabels = tf.input({ shape: [1], dtype: 'int32', name: 'dec_labels' });
  const zl = conditioned(where, 'decoder', decoderCondition, z, decLabels, config, init);
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

/** Builds the model a resolved {@link ConditionalVaeConfig} describes. */
export function buildConditionalVae(config: ConditionalVaeConfig): LayersAutoencoder {
  return buildConditionalVaeWith(config, libraryConditioning('enc'), libraryConditioning('dec'), 'conditionalVae');
}

/**
 * The conditional VAE {@link conditionalVae} describes, with YOUR conditioning: `conditionOn` is
 * called once in the encoder (on the conv features, after the trunk's layers have drawn their
 * weights) and once in the decoder (on z, before the decoder's layers), with the label spec of
 * `options` and the builder's one seeded initialiser stream. The same name and config as
 * {@link conditionalVae}, so when your conditioning builds the library's layers in the library's
 * order (one-hot: a frozen identity embedding and a flatten; embedding: then a bias-free dense
 * layer from `init.uniform()`; then a concatenate, features first), the network, its initial
 * weights and its training-cache entry are the library's. Throws a clear error when the result has
 * the wrong shape or does not depend on the labels.
 */
export function conditionalVaeFrom(conditionOn: Conditioning, options: ConditionalVaeOptions = {}): LayersAutoencoder {
  if (typeof conditionOn !== 'function') {
    throw new TypeError(
      `conditionalVaeFrom: expected your conditioning function (features, labels, label, init) => tensor, got ${typeof conditionOn}`,
    );
  }
  return buildConditionalVaeWith(resolveConditionalVaeConfig(options), conditionOn, conditionOn, 'conditionalVaeFrom');
}

/**
 * A conditional VAE with a 2-d latent (default): conv encoder (32/64 stride 2) whose features
 * are joined with the label before the dense 128 layer; decoder on [z, label]. `labelMode`
 * 'oneHot' feeds the 10-d one-hot label, 'embedding' a learned 8-d label vector.
 */
export function conditionalVae(options: ConditionalVaeOptions = {}): LayersAutoencoder {
  return buildConditionalVae(resolveConditionalVaeConfig(options));
}
