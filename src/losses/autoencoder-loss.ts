/**
 * The loss of one batch for any {@link AutoencoderModel}: forward pass, then the reconstruction
 * term (AE) or reconstruction + beta * KL (VAE, conditional VAE). One function for every model,
 * so a training loop needs no per-model code; works inside `tf.variableGrads`.
 */
import * as tf from '@tensorflow/tfjs';
import { autoencoderForward } from '../models/forward';
import type { AutoencoderModel } from '../models/types';
import { klDivergence } from './kl';
import { reconstructionLoss, type ReconstructionLossName, type VaeLossTerms } from './vae';

/** The reconstruction loss the course documents use for a model kind: MSE for AEs, BCE for VAEs. */
export function defaultReconstructionLoss(model: Pick<AutoencoderModel, 'kind'>): ReconstructionLossName {
  return model.kind === 'ae' ? 'mse' : 'bce';
}

/** One batch of {@link autoencoderLoss}. */
export interface AutoencoderLossBatch {
  /** Model input `[n, rows*cols]` (corrupted images when training a denoiser). */
  readonly input: tf.Tensor2D;
  /** What the output should be (default: `input`); the clean images for denoising. */
  readonly target?: tf.Tensor2D;
  /** Int32 labels `[n]` (conditional models). */
  readonly labels?: tf.Tensor1D;
  /** Standard-normal noise `[n, latentDim]` for the VAE sample (drawn from an Rng); VAEs need it to train. */
  readonly eps?: tf.Tensor2D;
  /** KL weight (default 1; ignored for AEs). */
  readonly beta?: number;
  /** Reconstruction term (default `'mse'` for a plain autoencoder, `'bce'` for a VAE or conditional VAE). */
  readonly reconstruction?: ReconstructionLossName;
}

/**
 * `{ total, reconstruction, kl }` of a batch. For an AE, `kl` is 0 and `total = reconstruction`;
 * for a VAE, `total = reconstruction + beta * KL` with the KL of the model's parameterisation.
 * Throws a TypeError when a VAE gets no `eps` (training on z = mu would silently skip sampling).
 */
export function autoencoderLoss(model: AutoencoderModel, batch: AutoencoderLossBatch): VaeLossTerms {
  const beta = batch.beta ?? 1;
  if (!Number.isFinite(beta) || beta < 0) {
    throw new RangeError(`autoencoderLoss: beta must be a finite number >= 0, got ${beta}`);
  }
  if (model.kind !== 'ae' && batch.eps === undefined) {
    throw new TypeError(`autoencoderLoss: model '${model.name}' is variational: pass eps [n, ${model.latentDim}] (standard normal, from an Rng)`);
  }
  const recFn = reconstructionLoss(batch.reconstruction ?? defaultReconstructionLoss(model));
  const target = batch.target ?? batch.input;
  const out = autoencoderForward(model, batch.input, { labels: batch.labels, eps: batch.eps, training: true });
  try {
    const reconstruction = recFn(target, out.reconstruction);
    if (model.kind === 'ae' || out.mu === undefined || out.logScale === undefined) {
      return { total: reconstruction.clone(), reconstruction, kl: tf.scalar(0) };
    }
    const kl = klDivergence(out.mu, out.logScale, model.parameterization ?? 'logVar');
    const total = tf.tidy(() => tf.add(reconstruction, tf.mul(kl, beta)) as tf.Scalar);
    return { total, reconstruction, kl };
  } finally {
    tf.dispose([out.reconstruction, out.z, out.mu, out.logScale].filter((t): t is tf.Tensor2D => t !== undefined));
  }
}
