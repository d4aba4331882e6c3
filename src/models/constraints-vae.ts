/**
 * `checkConvVaeConstraints`: the rules 5LSL0 Exercise 7 puts on a VAE, and nothing more. The
 * restrictions of Exercise 1 no longer apply; what remains:
 * - the networks are convolutional: each has at least one (transposed) convolution, and its layers
 *   are convolutional building blocks (Conv2D, Conv2DTranspose, pooling, UpSampling2D, padding or
 *   cropping, batch normalisation, activations, Reshape/Flatten) or linear (Dense) layers where allowed;
 * - a linear (Dense) layer only at the end of the encoder: once a Dense layer appears, only Dense
 *   layers (and activations) follow it (the heads mu and log std are such layers);
 * - a linear layer only as the first layer of the decoder: at most one Dense, right after the input;
 * - the model is a VAE: the encoder outputs the mean and the log scale, `latentDim` values each,
 *   and the decoder takes `[n, latentDim]`.
 * A bordered model ({@link BorderedVae}) is checked on its `network` (the zero border and the crop
 * are data steps without weights).
 */
import type * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from './types';

/** Which Exercise 7 rule a violation breaks. */
export type ConvVaeConstraintRule = 'kind' | 'layer-type' | 'convolutional' | 'linear-position' | 'latent';

/** One broken Exercise 7 rule, with a message saying what was found and what is allowed. */
export interface ConvVaeConstraintViolation {
  /** Where: the encoder, the decoder or the model as a whole. */
  readonly network: 'encoder' | 'decoder' | 'model';
  /** Name of the offending layer, when one is to blame. */
  readonly layer?: string;
  /** The rule broken. */
  readonly rule: ConvVaeConstraintRule;
  /** Human-readable explanation. */
  readonly message: string;
}

/** Layer classes of a convolutional network (Dense is allowed only where the rules say). */
const CONV_BLOCKS = [
  'InputLayer',
  'Reshape',
  'Flatten',
  'Conv2D',
  'Conv2DTranspose',
  'MaxPooling2D',
  'AveragePooling2D',
  'UpSampling2D',
  'ZeroPadding2D',
  'Cropping2D',
  'BatchNormalization',
  'ReLU',
  'LeakyReLU',
  'Activation',
];
const CONVS = ['Conv2D', 'Conv2DTranspose'];
const ACTIVATIONS = ['ReLU', 'LeakyReLU', 'Activation'];

function networksOf(model: AutoencoderModel): { encoder: tf.LayersModel; decoder: tf.LayersModel } {
  const bordered = (model as { network?: { encoder?: tf.LayersModel; decoder?: tf.LayersModel } }).network;
  return bordered && bordered.encoder && bordered.decoder ? { encoder: bordered.encoder, decoder: bordered.decoder } : model;
}

function shapeText(s: readonly (number | null)[]): string {
  return `[${s.map((d) => (d === null ? 'n' : String(d))).join(',')}]`;
}

function checkTypes(network: 'encoder' | 'decoder', layers: readonly tf.layers.Layer[], out: ConvVaeConstraintViolation[]): void {
  for (const l of layers) {
    const cls = l.getClassName();
    if (cls !== 'Dense' && !CONV_BLOCKS.includes(cls)) {
      out.push({
        network,
        layer: l.name,
        rule: 'layer-type',
        message: `${network} layer '${l.name}' is a ${cls}; a convolutional ${network} uses convolutions, pooling/upsampling, activations and reshapes, with linear (Dense) layers only ${network === 'encoder' ? 'at its end' : 'as its first layer'}`,
      });
    }
  }
  if (!layers.some((l) => CONVS.includes(l.getClassName()))) {
    out.push({
      network,
      rule: 'convolutional',
      message: `the ${network} has no Conv2D or Conv2DTranspose layer; Exercise 7's networks must be convolutional`,
    });
  }
}

function checkEncoder(model: AutoencoderModel, encoder: tf.LayersModel, out: ConvVaeConstraintViolation[]): void {
  const network = 'encoder';
  const layers = encoder.layers;
  checkTypes(network, layers, out);
  const firstDense = layers.findIndex((l) => l.getClassName() === 'Dense');
  if (firstDense >= 0) {
    for (const l of layers.slice(firstDense + 1)) {
      const cls = l.getClassName();
      if (cls !== 'Dense' && !ACTIVATIONS.includes(cls)) {
        out.push({
          network,
          layer: l.name,
          rule: 'linear-position',
          message: `encoder layer '${l.name}' (${cls}) comes after the linear layer '${layers[firstDense].name}'; linear layers are allowed only at the end of the encoder, so nothing but linear layers may follow one`,
        });
      }
    }
  }
  const shapes = encoder.outputs.map((t) => t.shape);
  if (shapes.length !== 2 || shapes.some((s) => s.length !== 2 || s[1] !== model.latentDim)) {
    out.push({
      network,
      rule: 'latent',
      message: `the encoder outputs ${shapes.map(shapeText).join(' and ')}; a VAE encoder outputs the mean and the log scale, [n,${model.latentDim}] each (latentDim ${model.latentDim})`,
    });
  }
}

function checkDecoder(model: AutoencoderModel, decoder: tf.LayersModel, out: ConvVaeConstraintViolation[]): void {
  const network = 'decoder';
  const layers = decoder.layers;
  checkTypes(network, layers, out);
  const first = layers.findIndex((l) => l.getClassName() !== 'InputLayer');
  layers.forEach((l, i) => {
    if (l.getClassName() === 'Dense' && i !== first) {
      out.push({
        network,
        layer: l.name,
        rule: 'linear-position',
        message: `decoder layer '${l.name}' is linear (Dense) but is not the decoder's first layer; only the first layer of the decoder may be linear`,
      });
    }
  });
  const inShape = decoder.inputs[0].shape;
  if (inShape.length !== 2 || inShape[1] !== model.latentDim) {
    out.push({
      network,
      rule: 'latent',
      message: `the decoder takes ${shapeText(inShape)}, expected [n,${model.latentDim}] (latentDim ${model.latentDim})`,
    });
  }
}

/**
 * Every broken 5LSL0 Exercise 7 rule of `model` (an empty list when it complies): convolutional
 * networks, linear layers only at the end of the encoder and as the first layer of the decoder,
 * a VAE. See the module comment.
 */
export function checkConvVaeConstraints(model: AutoencoderModel): ConvVaeConstraintViolation[] {
  const out: ConvVaeConstraintViolation[] = [];
  if (model.kind !== 'vae') {
    out.push({
      network: 'model',
      rule: 'kind',
      message: `model '${model.name}' is a ${model.kind}; Exercise 7 asks for a variational autoencoder (kind 'vae')`,
    });
  }
  const nets = networksOf(model);
  checkEncoder(model, nets.encoder, out);
  checkDecoder(model, nets.decoder, out);
  return out;
}
