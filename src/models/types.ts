/**
 * The contract every autoencoder of vaelab meets, so that training, analysis and
 * figures work the same for dense and convolutional, deterministic and variational,
 * plain and conditional models.
 *
 * Convention: every encoder LayersModel takes flat `[n, rows*cols]` images as its (first) input and
 * every decoder LayersModel outputs flat `[n, rows*cols]` images (convolutional models reshape inside
 * with Reshape layers). At this boundary images are always flat `[n, rows * cols]` float32
 * tensors in [0, 1]; models reshape to `[n, rows, cols, 1]` inside when they are
 * convolutional. Labels (for conditional models) are int32 `[n]` tensors.
 */
import type * as tf from '@tensorflow/tfjs';
import type { AutoencoderConfig, ScaleParameterization } from './config';

export type { ScaleParameterization } from './config';

/** What kind of autoencoder a model is. */
export type AutoencoderKind = 'ae' | 'vae' | 'cvae';

/** A trained-or-not autoencoder with its encoder and decoder halves. */
export interface AutoencoderModel {
  /** `ae` (deterministic), `vae`, or `cvae` (conditional VAE). */
  readonly kind: AutoencoderKind;
  /** A short name for logs, figures and checkpoints (e.g. `dense-vae`). */
  readonly name: string;
  /** Size of the latent code z. */
  readonly latentDim: number;
  /** Image height and width, e.g. [28, 28]. */
  readonly imageShape: readonly [number, number];
  /** The encoder network (for a VAE its outputs are [mu, logVar] or [mu, logStd]). */
  readonly encoder: tf.LayersModel;
  /** The decoder network. */
  readonly decoder: tf.LayersModel;
  /** For VAEs: which scale the encoder's second output is. */
  readonly parameterization?: ScaleParameterization;
  /** For conditional models: number of classes. */
  readonly numClasses?: number;
  /**
   * The latent code of each image: z for an AE, the posterior mean mu for a VAE.
   * `x` is `[n, rows*cols]`; returns `[n, latentDim]`.
   */
  encodeMean(x: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor2D;
  /** Images `[n, rows*cols]` in [0, 1] decoded from latent codes `[n, latentDim]`. */
  decode(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor2D;
  /** All trainable weights of encoder and decoder. */
  trainableWeights(): tf.Variable[];
  /** Frees every tensor the model holds. */
  dispose(): void;
  /**
   * How the model was built, as plain JSON (builder name, sizes, seed): enough for
   * `buildAutoencoder(config)` to rebuild the same architecture, and a stable key for caches
   * and checkpoints. Set by every vaelab builder; optional for hand-made models.
   */
  readonly config?: AutoencoderConfig;
  /**
   * One training/inference pass: encode, sample (VAE, with the caller's `eps`), decode.
   * Set by every vaelab builder; `autoencoderForward(model, x, options)` does the same for any model.
   */
  forward?(x: tf.Tensor2D, options?: ForwardOptions): ForwardResult;
  /** A readable layer-by-layer description of encoder and decoder with parameter counts. */
  summary?(): string;
}

/** Options of one forward pass ({@link AutoencoderModel.forward}). */
export interface ForwardOptions {
  /** Class labels int32 `[n]`: required by conditional models, ignored by the others. */
  readonly labels?: tf.Tensor1D;
  /**
   * Standard-normal noise `[n, latentDim]` for the reparameterisation trick (VAEs), drawn by the
   * caller from an `Rng` so that training is seeded. Without it a VAE decodes its mean (z = mu).
   */
  readonly eps?: tf.Tensor2D;
  /** Whether layers run in training mode (default true). */
  readonly training?: boolean;
  /**
   * VAEs given `eps`: the sample z = reparameterize(mu, logScale, eps) comes from this function
   * instead of the library's (e.g. a student's own, for the parameterisation the model states).
   */
  readonly reparameterize?: (mu: tf.Tensor2D, logScale: tf.Tensor2D, eps: tf.Tensor2D) => tf.Tensor2D;
}

/** Tensors of one forward pass; the caller disposes them. */
export interface ForwardResult {
  /** Decoded images `[n, rows*cols]`. */
  readonly reconstruction: tf.Tensor2D;
  /** The latent code that was decoded `[n, latentDim]` (a sample for a VAE given `eps`). */
  readonly z: tf.Tensor2D;
  /** VAEs: posterior means `[n, latentDim]`. */
  readonly mu?: tf.Tensor2D;
  /** VAEs: posterior log-scales `[n, latentDim]` (log-variance or log-std, see `parameterization`). */
  readonly logScale?: tf.Tensor2D;
}
