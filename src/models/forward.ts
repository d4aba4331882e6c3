/**
 * The forward pass of any {@link AutoencoderModel}: encode, (VAE) reparameterise, decode.
 * Works from the contract alone, so hand-made models train and analyse like built ones.
 */
import * as tf from '@tensorflow/tfjs';
import { reparameterize } from './reparameterize';
import type { AutoencoderModel, ForwardOptions, ForwardResult } from './types';

/** Pixels per image of a model. */
export function modelPixelCount(model: Pick<AutoencoderModel, 'imageShape'>): number {
  return model.imageShape[0] * model.imageShape[1];
}

/** Throws a RangeError unless `x` is flat images `[n, rows*cols]` for this model. */
export function checkFlatImages(where: string, model: AutoencoderModel, x: tf.Tensor): void {
  const p = modelPixelCount(model);
  if (x.rank !== 2 || x.shape[1] !== p) {
    throw new RangeError(`${where}: model '${model.name}' expects flat images [n, ${p}], got shape [${x.shape.join(',')}]`);
  }
}

/** Throws a RangeError unless `z` is latent codes `[n, latentDim]` for this model. */
export function checkLatentCodes(where: string, model: AutoencoderModel, z: tf.Tensor): void {
  if (z.rank !== 2 || z.shape[1] !== model.latentDim) {
    throw new RangeError(`${where}: model '${model.name}' expects latent codes [n, ${model.latentDim}], got shape [${z.shape.join(',')}]`);
  }
}

/**
 * The labels of a batch for a conditional model, checked and as int32 `[n]`, or undefined for an
 * unconditional model. Throws a TypeError if a conditional model gets no labels and a RangeError
 * if their count differs from the batch.
 */
export function labelInput(where: string, model: AutoencoderModel, labels: tf.Tensor1D | undefined, n: number): tf.Tensor1D | undefined {
  if (model.kind !== 'cvae') return undefined;
  if (labels === undefined) {
    throw new TypeError(`${where}: model '${model.name}' is conditional: pass int32 labels [n] as well`);
  }
  if (labels.rank !== 1 || labels.shape[0] !== n) {
    throw new RangeError(`${where}: expected labels of shape [${n}], got [${labels.shape.join(',')}]`);
  }
  return labels.dtype === 'int32' ? labels : tf.tidy(() => labels.toInt());
}

/**
 * The one way labels reach a conditional model's encoder or decoder network: `first` alone without
 * labels, else `[first, labels]` with the int32 labels `[n]` shaped as the network declares its label
 * input (`[n, 1]` when it declares two dimensions, as the built models do, else `[n]`). A reshaped
 * label tensor is new: dispose it (or call inside `tf.tidy`).
 */
export function networkInputs(net: tf.LayersModel, first: tf.Tensor2D, labels?: tf.Tensor1D): tf.Tensor | tf.Tensor[] {
  if (!labels) return first;
  const declared = net.inputs[1]?.shape;
  const asDeclared = declared && declared.length === 2 ? labels.reshape([labels.shape[0], 1]) : labels;
  return [first, asDeclared];
}

/**
 * Encodes `x` `[n, rows*cols]`, samples z = reparameterize(mu, logScale, eps) for a VAE (z = mu
 * when `eps` is omitted; z = code for an AE), decodes z. Suitable inside `tf.variableGrads`:
 * the returned tensors belong to the caller.
 */
export function autoencoderForward(model: AutoencoderModel, x: tf.Tensor2D, options: ForwardOptions = {}): ForwardResult {
  const where = 'autoencoderForward';
  checkFlatImages(where, model, x);
  const n = x.shape[0];
  const training = options.training ?? true;
  return tf.tidy(() => {
    const labels = labelInput(where, model, options.labels, n);
    const encoded = model.encoder.apply(networkInputs(model.encoder, x, labels), { training }) as tf.Tensor | tf.Tensor[];
    if (model.kind === 'ae') {
      const z = (Array.isArray(encoded) ? encoded[0] : encoded) as tf.Tensor2D;
      const reconstruction = model.decoder.apply(networkInputs(model.decoder, z, labels), { training }) as tf.Tensor2D;
      return { reconstruction, z };
    }
    if (!Array.isArray(encoded) || encoded.length < 2) {
      throw new Error(`${where}: VAE '${model.name}' encoder must output [mu, logScale], got one tensor`);
    }
    const mu = encoded[0] as tf.Tensor2D;
    const logScale = encoded[1] as tf.Tensor2D;
    const parameterization = model.parameterization ?? 'logVar';
    let z: tf.Tensor2D = mu;
    if (options.eps !== undefined) {
      if (options.eps.rank !== 2 || options.eps.shape[0] !== n || options.eps.shape[1] !== model.latentDim) {
        throw new RangeError(`${where}: eps must be [${n}, ${model.latentDim}] standard-normal noise, got [${options.eps.shape.join(',')}]`);
      }
      z = options.reparameterize ? options.reparameterize(mu, logScale, options.eps) : reparameterize(mu, logScale, parameterization, options.eps);
    }
    const reconstruction = model.decoder.apply(networkInputs(model.decoder, z, labels), { training }) as tf.Tensor2D;
    return { reconstruction, z, mu, logScale };
  });
}
