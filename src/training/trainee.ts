/**
 * One shape for everything the engine trains (internal): each autoencoder kind and the
 * classifier become a `Trainee` with its variables, its networks and a forward pass that
 * returns the loss terms of one batch.
 */
import * as tf from '@tensorflow/tfjs';
import { accuracy, crossEntropyLoss, reconstructionLoss, vaeLoss } from '../losses';
import { autoencoderForward } from '../models/forward';
import type { ReconstructionLossName } from '../losses';
import type { AutoencoderModel, ScaleParameterization } from '../models/types';
import type { TrainableModel } from './types';
import { userLoss, userSample } from './user-vae';
import type { UserVaeFunctions } from './user-vae';

/** The tensors of one batch. */
export interface BatchTensors {
  /** Model input `[n, pixels]`. */
  readonly inputs: tf.Tensor2D;
  /** Target images `[n, pixels]` (autoencoders). */
  readonly targets?: tf.Tensor2D;
  /** int32 labels `[n]` (conditional models, classifiers). */
  readonly labels?: tf.Tensor1D;
  /** Standard-normal epsilon `[n, latentDim]` of the reparameterisation (VAEs). */
  readonly eps?: tf.Tensor2D;
}

/** Scalar loss terms of one batch. */
export interface LossTerms {
  readonly total: tf.Scalar;
  readonly reconstruction?: tf.Scalar;
  readonly kl?: tf.Scalar;
  readonly accuracy?: tf.Scalar;
}

/** Names of the numbers a trainee reports, in the order `lossVector` stacks them. */
export type TermName = 'total' | 'reconstruction' | 'kl' | 'accuracy';

/** How each batch is scored. */
export interface LossSettings {
  readonly loss: ReconstructionLossName;
  readonly beta: number;
  /** VAEs: the user's reparameterisation and/or loss (options of `train`). */
  readonly user?: UserVaeFunctions;
}

/** The engine's view of a model (internal). */
export interface Trainee {
  readonly kind: 'ae' | 'vae' | 'cvae' | 'classifier';
  readonly name: string;
  /** Pixels per input image, from the network's input shape. */
  readonly pixels: number;
  /** Latent size (VAEs; for epsilon). */
  readonly latentDim: number;
  /** True when batches need labels. */
  readonly needsLabels: boolean;
  /** The terms this trainee reports. */
  readonly terms: readonly TermName[];
  /** The LayersModels that hold the weights, with a stable part name (checkpoints). */
  readonly networks: ReadonlyArray<{ readonly part: string; readonly model: tf.LayersModel }>;
  /** The variables to optimise. */
  variables(): tf.Variable[];
  /** The loss terms of a batch (`training` selects training behaviour of layers). */
  forward(batch: BatchTensors, settings: LossSettings, training: boolean): LossTerms;
}

function isLayersModel(x: unknown): x is tf.LayersModel {
  return x instanceof tf.LayersModel;
}

/** True for an object meeting the {@link AutoencoderModel} contract. */
export function isAutoencoderModel(m: unknown): m is AutoencoderModel {
  if (m == null || typeof m !== 'object') return false;
  const a = m as Partial<AutoencoderModel>;
  return (
    (a.kind === 'ae' || a.kind === 'vae' || a.kind === 'cvae') &&
    isLayersModel(a.encoder) &&
    isLayersModel(a.decoder) &&
    typeof a.trainableWeights === 'function'
  );
}

/** The classifier network inside a {@link ClassifierLike}, or undefined when `m` is not one. */
export function classifierNetwork(m: unknown): tf.LayersModel | undefined {
  if (isLayersModel(m)) return m;
  if (m != null && typeof m === 'object') {
    const o = m as { model?: unknown; network?: unknown; classifier?: unknown };
    if (isLayersModel(o.model)) return o.model;
    if (isLayersModel(o.network)) return o.network;
    if (isLayersModel(o.classifier)) return o.classifier;
  }
  return undefined;
}

function inputPixels(model: tf.LayersModel, where: string): number {
  const shape = model.inputs[0].shape;
  const dims = shape.slice(1);
  if (dims.some((d) => d == null)) throw new TypeError(`${where}: the network's input shape [${shape.join(',')}] must be fully known`);
  return dims.reduce<number>((a, d) => a * (d as number), 1);
}

function layerVariables(model: tf.LayersModel): tf.Variable[] {
  return model.trainableWeights.map((w) => w.read() as tf.Variable);
}

function asTensors(out: tf.Tensor | tf.Tensor[] | tf.SymbolicTensor | tf.SymbolicTensor[], where: string): tf.Tensor[] {
  const list = Array.isArray(out) ? out : [out];
  for (const t of list) if (!(t instanceof tf.Tensor)) throw new TypeError(`${where}: the network returned a symbolic tensor`);
  return list as tf.Tensor[];
}

function autoencoderTrainee(model: AutoencoderModel): Trainee {
  const conditional = model.kind === 'cvae';
  const variational = model.kind === 'vae' || model.kind === 'cvae';
  if (variational && model.parameterization !== 'logVar' && model.parameterization !== 'logStd') {
    throw new TypeError(`train: VAE '${model.name}' must state parameterization 'logVar' or 'logStd'`);
  }
  const [rows, cols] = model.imageShape;
  let userValuesChecked = false;
  return {
    kind: model.kind,
    name: model.name,
    pixels: rows * cols,
    latentDim: model.latentDim,
    needsLabels: conditional,
    terms: variational ? ['total', 'reconstruction', 'kl'] : ['total', 'reconstruction'],
    networks: [
      { part: 'encoder', model: model.encoder },
      { part: 'decoder', model: model.decoder },
    ],
    variables: () => model.trainableWeights(),
    forward(batch, settings, training) {
      const target = batch.targets ?? batch.inputs;
      if (variational && !batch.eps) throw new Error('train: internal error, a VAE batch needs epsilon');
      const user = variational ? settings.user : undefined;
      // the values of the user's functions are read once (first batch): a sync every batch would cost time
      const checkValues = user !== undefined && !userValuesChecked;
      const sample = user?.reparameterize;
      const out = autoencoderForward(model, batch.inputs, {
        labels: batch.labels,
        eps: batch.eps,
        training,
        ...(sample ? { reparameterize: (m: tf.Tensor2D, l: tf.Tensor2D, e: tf.Tensor2D) => userSample(sample, m, l, e, checkValues) } : {}),
      });
      if (!variational) {
        const rec = reconstructionLoss(settings.loss)(target, out.reconstruction);
        return { total: rec, reconstruction: rec };
      }
      if (!out.mu || !out.logScale) throw new TypeError(`train: the encoder of VAE '${model.name}' must output [mu, ${model.parameterization}]`);
      const terms = vaeLoss({
        target,
        pred: out.reconstruction,
        mu: out.mu,
        logScale: out.logScale,
        parameterization: model.parameterization as ScaleParameterization,
        beta: settings.beta,
        reconstruction: settings.loss,
      });
      const total = user?.vaeLoss
        ? userLoss(user.vaeLoss, target, out.reconstruction, out.mu, out.logScale, settings.beta, checkValues)
        : terms.total;
      if (user) userValuesChecked = true;
      return { total, reconstruction: terms.reconstruction, kl: terms.kl };
    },
  };
}

function classifierTrainee(network: tf.LayersModel, name: string): Trainee {
  return {
    kind: 'classifier',
    name,
    pixels: inputPixels(network, 'train'),
    latentDim: 0,
    needsLabels: true,
    terms: ['total', 'accuracy'],
    networks: [{ part: 'classifier', model: network }],
    variables: () => layerVariables(network),
    forward(batch, _settings, training) {
      const probs = asTensors(network.apply(batch.inputs, { training }), 'classifier')[0] as tf.Tensor2D;
      const labels = batch.labels as tf.Tensor1D;
      return { total: crossEntropyLoss(labels, probs), accuracy: accuracy(labels, probs) };
    },
  };
}

/** The trainee for any {@link TrainableModel}; TypeError (naming the caller `where`) for anything else. */
export function toTrainee(model: TrainableModel, where = 'train'): Trainee {
  if (isAutoencoderModel(model)) return autoencoderTrainee(model);
  const network = classifierNetwork(model);
  if (network) {
    const given = (model as { name?: unknown }).name;
    const name = !isLayersModel(model) && typeof given === 'string' ? given : network.name;
    return classifierTrainee(network, name);
  }
  throw new TypeError(
    `${where}: expected an AutoencoderModel (kind ae/vae/cvae with encoder and decoder) or a classifier ` +
      '(a tf.LayersModel, or an object with a `model` LayersModel such as encoderClassifier())',
  );
}
