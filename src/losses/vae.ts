/** The VAE objective (reconstruction + beta * KL) and the KL-annealing schedule. */
import * as tf from '@tensorflow/tfjs';
import type { ScaleParameterization } from '../models/types';
import { klDivergence } from './kl';
import { bceLoss, mseLoss, sseLoss } from './reconstruction';

/**
 * Which reconstruction term a loss uses: `bce` (summed over pixels, mean over batch),
 * `mse` (mean over everything) or `sse` (squared error summed over pixels, mean over batch).
 */
export type ReconstructionLossName = 'bce' | 'mse' | 'sse';

/** The reconstruction loss function called `name`. */
export function reconstructionLoss(name: ReconstructionLossName): (target: tf.Tensor, pred: tf.Tensor) => tf.Scalar {
  switch (name) {
    case 'bce':
      return bceLoss;
    case 'mse':
      return mseLoss;
    case 'sse':
      return sseLoss;
    default:
      throw new TypeError(`reconstructionLoss: expected 'bce', 'mse' or 'sse', got '${String(name)}'`);
  }
}

/** Inputs of {@link vaeLoss}. */
export interface VaeLossInputs {
  /** Clean target images `[n, 784]` in [0, 1]. */
  readonly target: tf.Tensor;
  /** Decoder output `[n, 784]` in [0, 1]. */
  readonly pred: tf.Tensor;
  /** Posterior means `[n, latentDim]`. */
  readonly mu: tf.Tensor;
  /** Posterior scales `[n, latentDim]` (log-variance or log-std, see `parameterization`). */
  readonly logScale: tf.Tensor;
  /** What `logScale` holds. */
  readonly parameterization: ScaleParameterization;
  /** Weight of the KL term (default 1; see {@link klAnnealing}). */
  readonly beta?: number;
  /** Reconstruction term (default `bce`). */
  readonly reconstruction?: ReconstructionLossName;
}

/** The three numbers a VAE reports per batch, as scalars. */
export interface VaeLossTerms {
  /** `reconstruction + beta * kl`: what the optimiser minimises. */
  readonly total: tf.Scalar;
  /** The reconstruction term. */
  readonly reconstruction: tf.Scalar;
  /** The KL term (before multiplying by beta). */
  readonly kl: tf.Scalar;
}

/** The VAE loss: `total = reconstruction + beta * KL`, with each term returned separately. */
export function vaeLoss(inputs: VaeLossInputs): VaeLossTerms {
  const beta = inputs.beta ?? 1;
  if (!Number.isFinite(beta) || beta < 0) {
    throw new RangeError(`vaeLoss: beta must be a finite number >= 0, got ${beta}`);
  }
  const recFn = reconstructionLoss(inputs.reconstruction ?? 'bce');
  const reconstruction = recFn(inputs.target, inputs.pred);
  const kl = klDivergence(inputs.mu, inputs.logScale, inputs.parameterization);
  const total = tf.tidy(() => tf.add(reconstruction, tf.mul(kl, beta)) as tf.Scalar);
  return { total, reconstruction, kl };
}

/** Settings of {@link klAnnealing}. */
export interface KlAnnealingOptions {
  /** 0-based epoch index. */
  readonly epoch: number;
  /** Epochs over which beta rises linearly from `betaStart` to `betaMax` (0 = no warm-up). */
  readonly warmupEpochs: number;
  /** Final beta (default 1). */
  readonly betaMax?: number;
  /** Beta at epoch 0 (default 0). */
  readonly betaStart?: number;
}

/**
 * KL annealing: beta rises linearly from `betaStart` at epoch 0 to `betaMax` at epoch
 * `warmupEpochs` and stays there: `betaStart + (betaMax - betaStart) * min(1, epoch / warmupEpochs)`.
 */
export function klAnnealing(options: KlAnnealingOptions): number {
  const { epoch, warmupEpochs } = options;
  const betaMax = options.betaMax ?? 1;
  const betaStart = options.betaStart ?? 0;
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new RangeError(`klAnnealing: epoch must be an integer >= 0, got ${epoch}`);
  }
  if (!Number.isFinite(warmupEpochs) || warmupEpochs < 0) {
    throw new RangeError(`klAnnealing: warmupEpochs must be >= 0, got ${warmupEpochs}`);
  }
  if (!Number.isFinite(betaMax) || betaMax < 0 || !Number.isFinite(betaStart) || betaStart < 0) {
    throw new RangeError(`klAnnealing: betaMax and betaStart must be finite and >= 0, got ${betaMax}, ${betaStart}`);
  }
  if (warmupEpochs === 0) return betaMax;
  return betaStart + (betaMax - betaStart) * Math.min(1, epoch / warmupEpochs);
}
