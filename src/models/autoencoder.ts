/**
 * `LayersAutoencoder`: the {@link AutoencoderModel} every vaelab builder returns, and
 * {@link autoencoderFromLayers} to wrap hand-made encoder/decoder LayersModels the same way.
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderConfig } from './config';
import { autoencoderForward, checkFlatImages, checkLatentCodes, labelInput, networkInputs } from './forward';
import { layersModelSummary } from './summary';
import type { AutoencoderKind, AutoencoderModel, ForwardOptions, ForwardResult, ScaleParameterization } from './types';

/** What {@link autoencoderFromLayers} needs to make an {@link AutoencoderModel}. */
export interface AutoencoderParts {
  /** `ae`, `vae` or `cvae`. */
  readonly kind: AutoencoderKind;
  /** Short name for logs, figures and checkpoints. */
  readonly name: string;
  /** Size of the latent code z. */
  readonly latentDim: number;
  /** Default [28, 28]. */
  readonly imageShape?: readonly [number, number];
  /** Takes flat images `[n, rows*cols]` (and int32 labels `[n, 1]` for `cvae`). */
  readonly encoder: tf.LayersModel;
  /** Takes codes `[n, latentDim]` (and labels for `cvae`), outputs flat images. */
  readonly decoder: tf.LayersModel;
  /** VAEs: what the encoder's second output is (default 'logVar'). */
  readonly parameterization?: ScaleParameterization;
  /** Conditional models: number of classes. */
  readonly numClasses?: number;
  /** The builder config, when built by a vaelab builder. */
  readonly config?: AutoencoderConfig;
}

/** An autoencoder made of two tfjs LayersModels; see {@link AutoencoderModel}. */
export class LayersAutoencoder implements AutoencoderModel {
  readonly kind: AutoencoderKind;
  readonly name: string;
  readonly latentDim: number;
  readonly imageShape: readonly [number, number];
  readonly encoder: tf.LayersModel;
  readonly decoder: tf.LayersModel;
  readonly parameterization?: ScaleParameterization;
  readonly numClasses?: number;
  readonly config?: AutoencoderConfig;
  private disposed = false;

  /** Wraps `parts`; checks that the encoder input and decoder output are flat images. */
  constructor(parts: AutoencoderParts) {
    this.kind = parts.kind;
    this.name = parts.name;
    this.latentDim = parts.latentDim;
    this.imageShape = parts.imageShape ?? [28, 28];
    this.encoder = parts.encoder;
    this.decoder = parts.decoder;
    if (parts.kind !== 'ae') this.parameterization = parts.parameterization ?? 'logVar';
    if (parts.numClasses !== undefined) this.numClasses = parts.numClasses;
    if (parts.kind === 'cvae' && parts.numClasses === undefined) {
      throw new TypeError(`autoencoderFromLayers: conditional model '${parts.name}' needs numClasses`);
    }
    if (parts.config !== undefined) this.config = parts.config;
    const pixels = this.imageShape[0] * this.imageShape[1];
    const inShape = this.encoder.inputs[0].shape;
    if (inShape.length !== 2 || inShape[1] !== pixels) {
      throw new RangeError(
        `autoencoderFromLayers: '${parts.name}' encoder's first input must be flat [null, ${pixels}], got [${inShape.map(String).join(',')}]`,
      );
    }
    const outShape = this.decoder.outputs[0].shape;
    if (outShape.length !== 2 || outShape[1] !== pixels) {
      throw new RangeError(
        `autoencoderFromLayers: '${parts.name}' decoder output must be flat [null, ${pixels}], got [${outShape.map(String).join(',')}]`,
      );
    }
  }

  /** The code of each image: z for an AE, the posterior mean mu for a VAE; `[n, latentDim]`. */
  encodeMean(x: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor2D {
    this.checkAlive();
    checkFlatImages('encodeMean', this, x);
    return tf.tidy(() => {
      const lab = labelInput('encodeMean', this, labels, x.shape[0]);
      const out = this.encoder.apply(networkInputs(this.encoder, x, lab), { training: false }) as tf.Tensor | tf.Tensor[];
      return (Array.isArray(out) ? out[0] : out) as tf.Tensor2D;
    });
  }

  /** Flat images `[n, rows*cols]` decoded from codes `[n, latentDim]`. */
  decode(z: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor2D {
    this.checkAlive();
    checkLatentCodes('decode', this, z);
    return tf.tidy(() => {
      const lab = labelInput('decode', this, labels, z.shape[0]);
      return this.decoder.apply(networkInputs(this.decoder, z, lab), { training: false }) as tf.Tensor2D;
    });
  }

  /** One pass through the model; see {@link autoencoderForward}. */
  forward(x: tf.Tensor2D, options?: ForwardOptions): ForwardResult {
    this.checkAlive();
    return autoencoderForward(this, x, options);
  }

  /** Trainable variables of encoder then decoder, each once. */
  trainableWeights(): tf.Variable[] {
    this.checkAlive();
    const seen = new Set<number>();
    const out: tf.Variable[] = [];
    for (const w of [...this.encoder.trainableWeights, ...this.decoder.trainableWeights]) {
      const v = w.read();
      if (!(v instanceof tf.Variable)) throw new Error(`model '${this.name}': weight ${w.name} is not a tf.Variable`);
      if (!seen.has(v.id)) {
        seen.add(v.id);
        out.push(v);
      }
    }
    return out;
  }

  /** Number of trainable parameters (encoder plus decoder). */
  parameterCount(): number {
    return this.trainableWeights().reduce((s, v) => s + v.size, 0);
  }

  /** Layer-by-layer text of encoder and decoder with output shapes and parameter counts. */
  summary(): string {
    this.checkAlive();
    const head = `${this.name} (${this.kind}, latent ${this.latentDim}${this.parameterization ? `, ${this.parameterization}` : ''}): ${this.parameterCount().toLocaleString('en-US')} trainable parameters`;
    return [head, layersModelSummary(this.encoder), layersModelSummary(this.decoder)].join('\n');
  }

  /** Frees the weights of encoder and decoder; the model cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.encoder.dispose();
    this.decoder.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new Error(`model '${this.name}' has been disposed`);
  }
}

/** Wraps an encoder and a decoder LayersModel as an {@link AutoencoderModel} (checks the flat boundaries). */
export function autoencoderFromLayers(parts: AutoencoderParts): LayersAutoencoder {
  return new LayersAutoencoder(parts);
}
