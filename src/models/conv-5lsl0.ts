/**
 * The convolutional autoencoder of 5LSL0 Exercise 1, built only from the layers the assignment
 * lists: Conv2D (encoder) and Conv2DTranspose (decoder), 16 filters 3x3, 'same' padding (PyTorch
 * padding=1), ReLU after every convolution, MaxPooling2D and UpSampling2D (by a scale factor),
 * and a latent of 1x2x1 per image. The only other layers of the network are the Reshapes at its
 * flat boundaries (flat 32x32 images in and out, the code `[n, 2]`).
 *
 * The design decision. With size-preserving 3x3 padding-1 convolutions and resampling by 2, a
 * decoder cannot reach 28x28 from a 2x1 code without producing 7x7 somewhere (28 = 7 x 4 and 7 is
 * odd), and the list has no cropping layer. So the network works on 32x32 images: the MNIST digit
 * with a 2-pixel border of zeros, added as a data step outside the network, and the reconstruction
 * is read back as the central 28x28 (also a data step). Every pooling but the last halves and
 * every upsampling but the first doubles exactly:
 *   encoder 32x32 -conv,pool 2-> 16x16 -conv,pool 2-> 8x8 -conv,pool 2-> 4x4 -conv(1 filter),pool 2x4-> 2x1
 *   decoder 2x1 -upsample 2x4-> 4x4 -convT,upsample 2-> 8x8 -convT,upsample 2-> 16x16 -convT,upsample 2-> 32x32 -convT(1 filter)
 * The last pooling is the one the assignment asks to be designed to give 2x1, and the decoder's
 * first upsampling is its mirror; the decoder's last transposed conv gives the image, so no
 * upsampling follows it.
 *
 * Encoder and decoder networks are two `tf.sequential` models built by two functions,
 * {@link conv5lsl0Encoder} and {@link conv5lsl0Decoder}, in that order from one
 * {@link conv5lsl0Initializers} stream; {@link conv5lsl0FromLayers} puts the data steps around
 * them, so the model takes and returns flat 28x28 images like every vaelab autoencoder. Students
 * who build the same layers in the same order with `...init.layer()` get the same network and
 * initial weights (hence the same training-cache entry).
 */
import * as tf from '@tensorflow/tfjs';
import { LayersAutoencoder } from './autoencoder';
import type { ConvAutoencoder5lsl0Config } from './config';
import { SeededInitializers } from './init';
import { checkSeed } from './validate';

/** Filters of every 5LSL0 convolution except the last of encoder and decoder. */
export const CONV_5LSL0_FILTERS = 16;

/** Options of {@link convAutoencoder5lsl0}. */
export interface ConvAutoencoder5lsl0Options {
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
  /** Default 'conv-ae-5lsl0'. */
  readonly name?: string;
}

/** Fills in the defaults of {@link convAutoencoder5lsl0}. */
export function resolveConvAutoencoder5lsl0Config(options: ConvAutoencoder5lsl0Options = {}): ConvAutoencoder5lsl0Config {
  const config: ConvAutoencoder5lsl0Config = {
    type: 'convAutoencoder5lsl0',
    name: options.name ?? 'conv-ae-5lsl0',
    seed: options.seed ?? 0,
  };
  checkSeed('convAutoencoder5lsl0', config.seed);
  return config;
}

/**
 * The seeded initialisers of the 5LSL0 networks: build the encoder first, then the decoder (or
 * the classifier of Exercise 4) from the one object this returns.
 */
export function conv5lsl0Initializers(seed = 0): SeededInitializers {
  checkSeed('conv5lsl0Initializers', seed);
  return new SeededInitializers(seed, 'convAutoencoder5lsl0');
}

/** Zero border added around each 28x28 image before the network (and cropped off its output). */
export const CONV_5LSL0_BORDER = 2;

/** Side of the images the 5LSL0 network works on: 28 + 2 x {@link CONV_5LSL0_BORDER} = 32. */
export const CONV_5LSL0_SIDE = 28 + 2 * CONV_5LSL0_BORDER;

/**
 * The 5LSL0 encoder network: flat 32x32 images `[n, 1024]` to codes `[n, 2]`. Its layers in order:
 * Reshape to 32x32x1, then conv 16 + pool 2 three times (16x16, 8x8, 4x4), conv 1 + pool 2x4 (2x1),
 * Reshape to 2. The layers before the last conv are the trunk that Exercise 4's classifier keeps.
 */
export function conv5lsl0Encoder(init: SeededInitializers, name = 'conv-ae-5lsl0-encoder'): tf.Sequential {
  const side = CONV_5LSL0_SIDE;
  return tf.sequential({
    name,
    layers: [
      tf.layers.reshape({ name: 'enc_to_image', inputShape: [side * side], targetShape: [side, side, 1] }),
      conv('enc_conv1', CONV_5LSL0_FILTERS, init),
      tf.layers.maxPooling2d({ name: 'enc_pool1', poolSize: 2, strides: 2 }), // 16x16
      conv('enc_conv2', CONV_5LSL0_FILTERS, init),
      tf.layers.maxPooling2d({ name: 'enc_pool2', poolSize: 2, strides: 2 }), // 8x8
      conv('enc_conv3', CONV_5LSL0_FILTERS, init),
      tf.layers.maxPooling2d({ name: 'enc_pool3', poolSize: 2, strides: 2 }), // 4x4
      conv('enc_conv4', 1, init),
      tf.layers.maxPooling2d({ name: 'enc_pool4', poolSize: [2, 4], strides: [2, 4] }), // 2x1
      tf.layers.reshape({ name: 'enc_to_code', targetShape: [2] }),
    ],
  });
}

/**
 * The 5LSL0 decoder network: codes `[n, 2]` to flat 32x32 images `[n, 1024]`. Its layers in order:
 * Reshape to 2x1x1, upsample 2x4 (4x4, the mirror of the encoder's last pool), transposed conv 16
 * + upsample 2 three times (8x8, 16x16, 32x32), transposed conv 1, Reshape to 1024.
 */
export function conv5lsl0Decoder(init: SeededInitializers, name = 'conv-ae-5lsl0-decoder'): tf.Sequential {
  const side = CONV_5LSL0_SIDE;
  return tf.sequential({
    name,
    layers: [
      tf.layers.reshape({ name: 'dec_to_map', inputShape: [2], targetShape: [2, 1, 1] }),
      tf.layers.upSampling2d({ name: 'dec_up1', size: [2, 4] }), // 4x4
      convT('dec_convT1', CONV_5LSL0_FILTERS, init),
      tf.layers.upSampling2d({ name: 'dec_up2', size: [2, 2] }), // 8x8
      convT('dec_convT2', CONV_5LSL0_FILTERS, init),
      tf.layers.upSampling2d({ name: 'dec_up3', size: [2, 2] }), // 16x16
      convT('dec_convT3', CONV_5LSL0_FILTERS, init),
      tf.layers.upSampling2d({ name: 'dec_up4', size: [2, 2] }), // 32x32
      convT('dec_convT4', 1, init),
      tf.layers.reshape({ name: 'dec_to_flat', targetShape: [side * side] }),
    ],
  });
}

/** The encoder and decoder networks of a {@link BorderedAutoencoder}, and the border around them. */
export interface BorderedNetworks {
  /** Flat bordered images `[n, side*side]` to codes. */
  readonly encoder: tf.LayersModel;
  /** Codes to flat bordered images. */
  readonly decoder: tf.LayersModel;
  /** Pixels of zeros added on every side of the 28x28 image. */
  readonly border: number;
}

/**
 * An autoencoder whose networks work on bordered images: `encoder` pads each flat 28x28 image with
 * `network.border` zero pixels per side before `network.encoder`; `decoder` crops the central 28x28
 * of `network.decoder`'s output. These two data steps have no weights; `network` is what
 * `checkConvConstraints` checks.
 */
export class BorderedAutoencoder extends LayersAutoencoder {
  /** The networks themselves, without the data steps. */
  readonly network: BorderedNetworks;

  /** Wraps `network` with the data steps (see the class comment). */
  constructor(network: BorderedNetworks, name: string, config: ConvAutoencoder5lsl0Config) {
    super({
      kind: 'ae',
      name,
      latentDim: 2,
      encoder: padBefore(network.encoder, network.border, `${name}-encoder-data-steps`),
      decoder: cropAfter(network.decoder, network.border, `${name}-decoder-data-steps`),
      config,
    });
    this.network = network;
  }
}

/** The model `[n, 784] -> pad -> network`, the padding a data step without weights. */
export function padBefore(network: tf.LayersModel, border: number, name: string): tf.LayersModel {
  const side = 28 + 2 * border;
  const inShape = network.inputs[0].shape;
  if (inShape.length !== 2 || inShape[1] !== side * side) {
    throw new RangeError(
      `padBefore: network '${network.name}' must take flat ${side}x${side} images [n, ${side * side}], got [${inShape.map(String).join(',')}]`,
    );
  }
  const x = tf.input({ shape: [784], name: 'image_28x28' });
  let h = tf.layers.reshape({ name: 'data_to_image', targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  h = tf.layers.zeroPadding2d({ name: 'data_pad', padding: border }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reshape({ name: 'data_to_flat', targetShape: [side * side] }).apply(h) as tf.SymbolicTensor;
  const out = network.apply(h) as tf.SymbolicTensor | tf.SymbolicTensor[];
  return tf.model({ inputs: x, outputs: out, name });
}

/** The model `network -> central 28x28 -> [n, 784]`, the crop a data step without weights. */
export function cropAfter(network: tf.LayersModel, border: number, name: string): tf.LayersModel {
  const side = 28 + 2 * border;
  const outShape = network.outputs[0].shape;
  if (outShape.length !== 2 || outShape[1] !== side * side) {
    throw new RangeError(
      `cropAfter: network '${network.name}' must output flat ${side}x${side} images [n, ${side * side}], got [${outShape.map(String).join(',')}]`,
    );
  }
  const z = tf.input({ shape: network.inputs[0].shape.slice(1) as number[], name: 'code' });
  let g = network.apply(z) as tf.SymbolicTensor;
  g = tf.layers.reshape({ name: 'data_to_image', targetShape: [side, side, 1] }).apply(g) as tf.SymbolicTensor;
  g = tf.layers.cropping2D({ name: 'data_crop', cropping: border }).apply(g) as tf.SymbolicTensor;
  const out = tf.layers.reshape({ name: 'data_to_flat', targetShape: [784] }).apply(g) as tf.SymbolicTensor;
  return tf.model({ inputs: z, outputs: out, name });
}

/**
 * Joins a 5LSL0 encoder and decoder network (flat 32x32 images; built by your own functions, in
 * that order, from `conv5lsl0Initializers(seed)`) into the autoencoder {@link convAutoencoder5lsl0}
 * describes: the data steps around them (2-pixel zero border in, central 28x28 out), the same name
 * and builder config, so when your layers and initial weights equal the library's, `cachedTrain`
 * finds the same cache entry. Run `checkConvConstraints` on the result to check the layers.
 */
export function conv5lsl0FromLayers(
  encoder: tf.LayersModel,
  decoder: tf.LayersModel,
  options: ConvAutoencoder5lsl0Options = {},
): BorderedAutoencoder {
  const config = resolveConvAutoencoder5lsl0Config(options);
  return new BorderedAutoencoder({ encoder, decoder, border: CONV_5LSL0_BORDER }, config.name, config);
}

/** Builds the model a resolved {@link ConvAutoencoder5lsl0Config} describes. */
export function buildConvAutoencoder5lsl0(config: ConvAutoencoder5lsl0Config): BorderedAutoencoder {
  const init = conv5lsl0Initializers(config.seed);
  const encoder = conv5lsl0Encoder(init, `${config.name}-encoder`);
  const decoder = conv5lsl0Decoder(init, `${config.name}-decoder`);
  return new BorderedAutoencoder({ encoder, decoder, border: CONV_5LSL0_BORDER }, config.name, config);
}

/**
 * The 5LSL0 Exercise 1 convolutional autoencoder (latent 2 = 1x2x1 per image; train with MSE):
 * flat 28x28 images in and out, the network on 32x32 inside (see the module comment).
 * Its output comes from a ReLU, as the exercise demands, so it is >= 0 but not capped at 1.
 * `checkConvConstraints(model)` returns no violation for it.
 */
export function convAutoencoder5lsl0(options: ConvAutoencoder5lsl0Options = {}): BorderedAutoencoder {
  return buildConvAutoencoder5lsl0(resolveConvAutoencoder5lsl0Config(options));
}

function conv(name: string, filters: number, init: SeededInitializers): tf.layers.Layer {
  return tf.layers.conv2d({ name, filters, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu', ...init.layer() });
}

function convT(name: string, filters: number, init: SeededInitializers): tf.layers.Layer {
  return tf.layers.conv2dTranspose({
    name,
    filters,
    kernelSize: 3,
    strides: 1,
    padding: 'same',
    activation: 'relu',
    ...init.layer(),
  });
}
