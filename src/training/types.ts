/**
 * Types of the training engine: what `train` accepts (models, data, options) and what it
 * returns (a per-epoch history).
 */
import type * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from '../models/types';
import type { NoiseSpec } from '../noise';
import type { ReconstructionLossName } from '../losses';
import type { ImageDataset } from '../types';

/**
 * A classifier network the engine can train with cross-entropy: a LayersModel taking flat
 * `[n, rows*cols]` images and returning `[n, numClasses]` softmax probabilities, either bare or
 * wrapped in an object with a `model` (e.g. `encoderClassifier()`), `network` or `classifier` field.
 */
export type ClassifierLike =
  | tf.LayersModel
  | { readonly kind?: string; readonly name?: string; readonly model: tf.LayersModel }
  | { readonly kind?: string; readonly name?: string; readonly network: tf.LayersModel }
  | { readonly kind?: string; readonly name?: string; readonly classifier: tf.LayersModel };

/** Anything `train` can train: an autoencoder of any kind, or a classifier. */
export type TrainableModel = AutoencoderModel | ClassifierLike;

/**
 * Explicit (input, target) image pairs, e.g. (corrupted, clean) for denoising: the model sees
 * `inputs` and is scored against `targets`. Both are flat `count * rows * cols` pixels in [0, 1].
 */
export interface ImagePairs {
  /** What the model is fed (e.g. noisy images). */
  readonly inputs: Float32Array;
  /** What the output is compared with (e.g. the clean images). */
  readonly targets: Float32Array;
  /** Labels (needed by conditional models and classifiers). */
  readonly labels?: Uint8Array;
  /** Number of image pairs. */
  readonly count: number;
  /** Image height. */
  readonly rows: number;
  /** Image width. */
  readonly cols: number;
}

/** Training or validation data: a dataset (target = input, optionally corrupted by `noise`) or explicit pairs. */
export type TrainingData = ImageDataset | ImagePairs;

/** Early stopping: stop when the monitored loss has not improved by `minDelta` for `patience` epochs. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping (>= 1). */
  readonly patience: number;
  /** Smallest decrease that counts as an improvement (default 0). */
  readonly minDelta?: number;
  /** Loss watched: `valLoss` (default when validation data is given) or `loss` (training). */
  readonly monitor?: 'loss' | 'valLoss';
  /** Put back the weights of the best epoch when training ends (default true). */
  readonly restoreBestWeights?: boolean;
}

/** Where progress lines go: a stream-like sink (process.stdout by default). */
export interface ProgressOutput {
  /** Writes text (no newline added). */
  write(text: string): unknown;
  /** True for an interactive terminal: an updating bar is drawn with carriage returns. */
  readonly isTTY?: boolean;
}

/** What `onEpochEnd` receives after each epoch. */
export interface EpochEndInfo {
  /** The metrics of the epoch just finished. */
  readonly metrics: EpochMetrics;
  /** The history so far (including this epoch). */
  readonly history: TrainHistory;
  /** The model being trained (e.g. to decode a preview image). */
  readonly model: TrainableModel;
}

/** A user reparameterisation trick (option `reparameterize` of `train`): `(mu, logScale, eps) => z`. */
export type ReparameterizeFn = (mu: tf.Tensor2D, logScale: tf.Tensor2D, eps: tf.Tensor2D) => tf.Tensor2D;

/** A user VAE loss (option `vaeLoss` of `train`): `(target, pred, mu, logScale, beta) => scalar` for one batch. */
export type VaeLossFn = (target: tf.Tensor2D, pred: tf.Tensor2D, mu: tf.Tensor2D, logScale: tf.Tensor2D, beta: number) => tf.Scalar;

/** Options of `train`. */
export interface TrainOptions {
  /** Training data. Images must match the model's image size. */
  readonly data: TrainingData;
  /** Validation data, scored after every epoch (no weight updates). */
  readonly validationData?: TrainingData;
  /** Number of passes over the training data (>= 1). */
  readonly epochs: number;
  /** Images per mini-batch (default 128; the last batch of an epoch may be smaller). */
  readonly batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  readonly learningRate?: number;
  /**
   * Reconstruction term: `bce` (summed over pixels), `mse` (mean over everything) or `sse`
   * (squared error summed over pixels). Default: `mse` for plain autoencoders, `bce` for VAEs.
   * Ignored by classifiers (always cross-entropy).
   */
  readonly loss?: ReconstructionLossName;
  /** Weight of the KL term of a VAE (default 1); the final value when KL annealing is on. */
  readonly beta?: number;
  /** KL annealing: beta rises linearly from 0 to `beta` over this many epochs (default 0 = off). */
  readonly klWarmupEpochs?: number;
  /** Any schedule of beta per 0-based epoch; overrides `beta` and `klWarmupEpochs`. */
  readonly betaSchedule?: (epoch: number) => number;
  /**
   * VAEs: your own reparameterisation trick, used instead of the library's for every training and
   * validation batch: `(mu, logScale, eps) => z`, all `[n, latentDim]`; `logScale` is what the
   * encoder outputs (the model's `parameterization`, e.g. log std for `conv5lsl0Vae`) and `eps` the
   * engine's seeded standard-normal noise. It must return a tensor `[n, latentDim]` built from them
   * with tf ops (so gradients reach the encoder). Its source text is part of the cache key.
   */
  readonly reparameterize?: ReparameterizeFn;
  /**
   * VAEs: your own loss, minimised instead of the library's `reconstruction + beta * KL`:
   * `(target, pred, mu, logScale, beta) => scalar`, with target and pred `[n, pixels]`, mu and
   * logScale `[n, latentDim]` and beta the epoch's KL weight (from `beta`, `klWarmupEpochs` or
   * `betaSchedule`). It must return one number for the batch (a rank-0 tensor). The history's
   * `loss`/`valLoss` are its values; `reconstruction` and `kl` stay the library's measures of the
   * same batch (`loss` option and the model's parameterisation), for comparison. Its source text
   * and its values on a fixed probe batch are part of the cache key.
   */
  readonly vaeLoss?: VaeLossFn;
  /**
   * Corrupt the inputs with this noise (fresh, seeded noise every epoch; the validation inputs get
   * the same noise every epoch) and score against the clean images: denoising training.
   * Only with dataset inputs, not with explicit `ImagePairs`.
   */
  readonly noise?: NoiseSpec;
  /** Seed of the shuffling, the noise and the reparameterisation epsilon (default 0). */
  readonly seed?: number;
  /** 1 (default): progress bar and one line per epoch; 0: silent. */
  readonly verbose?: 0 | 1;
  /** Where progress goes (default process.stdout). */
  readonly output?: ProgressOutput;
  /** Early stopping (off when absent). */
  readonly earlyStopping?: EarlyStoppingOptions;
  /**
   * Batches between reads of the loss values from the backend (default 10). Losses are checked for
   * NaN/infinity at each read; a smaller value costs more syncs but keeps weights closer to the failure.
   */
  readonly syncEvery?: number;
  /** Called after every epoch (awaited), e.g. to show a preview image. */
  readonly onEpochEnd?: (info: EpochEndInfo) => void | Promise<void>;
  /** An optimizer to use instead of a fresh Adam (it is not disposed at the end). */
  readonly optimizer?: tf.Optimizer;
}

/** Losses (and accuracy) of one epoch, averaged over its images. */
export interface EpochMetrics {
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Total training loss (reconstruction + beta * KL; cross-entropy for a classifier). */
  readonly loss: number;
  /** Training reconstruction term (autoencoders). */
  readonly reconstruction?: number;
  /** Training KL term, before the beta weight (VAEs). */
  readonly kl?: number;
  /** Training accuracy (classifiers). */
  readonly accuracy?: number;
  /** Validation total loss. */
  readonly valLoss?: number;
  /** Validation reconstruction term. */
  readonly valReconstruction?: number;
  /** Validation KL term. */
  readonly valKl?: number;
  /** Validation accuracy (classifiers). */
  readonly valAccuracy?: number;
  /** Beta used this epoch (VAEs). */
  readonly beta?: number;
  /** Wall-clock seconds of the epoch (training and validation). */
  readonly seconds: number;
  /** Training images per second (training batches only, validation excluded). */
  readonly imagesPerSecond: number;
}

/** Everything `train` reports: one entry per finished epoch plus how training ended. */
export interface TrainHistory {
  /** The model's name. */
  readonly modelName: string;
  /** `ae`, `vae`, `cvae` or `classifier`. */
  readonly kind: string;
  /** One entry per finished epoch, in order. */
  readonly epochs: EpochMetrics[];
  /** 1-based epoch with the best monitored loss (undefined before the first epoch). */
  bestEpoch?: number;
  /** True when early stopping ended training before `epochs`. */
  stoppedEarly: boolean;
  /** True when the best epoch's weights were put back at the end. */
  restoredBestWeights: boolean;
}
