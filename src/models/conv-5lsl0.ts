/**
 * The convolutional autoencoder of 5LSL0 Exercise 1, built only from the layers the assignment
 * lists: Conv2D (encoder) and Conv2DTranspose (decoder), 16 filters 3x3, 'same' padding (PyTorch
 * padding=1), ReLU after every convolution, MaxPooling2D and UpSampling2D (by a scale factor),
 * and a latent of 1x2x1 per image. The only other layers are the Reshapes at the flat boundaries
 * (images go in and come out as 784 pixels; the code is `[n, 2]`).
 *
 * Spatial sizes:
 *   encoder 28x28 -conv,pool 2-> 14x14 -conv,pool 2-> 7x7 -conv(1 filter),pool 4x7-> 2x1
 *   decoder 2x1 -upsample 3.5x7-> 7x7 -convT,upsample 2-> 14x14 -convT,upsample 2-> 28x28 -convT(1 filter)-> 28x28
 *
 * The design decision. A pooling that "decreases the size by a factor 2" and a 2x1 code per image
 * cannot both hold for every pooling: the assignment itself asks the last pooling to be designed
 * to give 2x1. Here the last pooling takes the 7x7 map to 2x1 (a 4x7 window, stride 4x7, the
 * missing eighth row padded at the bottom as PyTorch's `MaxPool2d((4, 7), ceil_mode=True)` does:
 * rows 0-3 and 4-6), and the decoder's first upsampling is its mirror, nearest-neighbour by the
 * scale factor 3.5 x 7 (PyTorch `Upsample(scale_factor=(3.5, 7))`): rows 0-3 copy the first code
 * number, rows 4-6 the second. Every other pooling halves and every other upsampling doubles
 * exactly. Why not 28 -> 14 -> 7 -> 4 -> 2x1: the decoder would then have to grow 4 -> 8 -> 16 ->
 * 32 and could only reach 28 by cropping (28 = 7 x 4 and 7 is odd), a layer the assignment does
 * not allow. The decoder's last transposed conv outputs the image, so no upsampling follows it.
 *
 * Encoder and decoder are two `tf.sequential` models built by two functions,
 * {@link conv5lsl0Encoder} and {@link conv5lsl0Decoder}, in that order from one
 * {@link conv5lsl0Initializers} stream: students who build the same layers in the same order
 * with `...init.layer()` get the same network and initial weights (hence the same training cache
 * entry, see {@link conv5lsl0FromLayers}).
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

/**
 * The 5LSL0 encoder: flat images `[n, 784]` to codes `[n, 2]`. Its layers in order: Reshape to
 * 28x28x1, then conv 16 + pool 2 (14x14), conv 16 + pool 2 (7x7), conv 1 + pool 4x7 (2x1), Reshape
 * to 2. The conv+pool pairs before the last conv are the trunk that Exercise 4's classifier keeps.
 */
export function conv5lsl0Encoder(init: SeededInitializers, name = 'conv-ae-5lsl0-encoder'): tf.Sequential {
  return tf.sequential({
    name,
    layers: [
      tf.layers.reshape({ name: 'enc_to_image', inputShape: [784], targetShape: [28, 28, 1] }),
      conv('enc_conv1', CONV_5LSL0_FILTERS, init),
      tf.layers.maxPooling2d({ name: 'enc_pool1', poolSize: 2, strides: 2 }), // 14x14
      conv('enc_conv2', CONV_5LSL0_FILTERS, init),
      tf.layers.maxPooling2d({ name: 'enc_pool2', poolSize: 2, strides: 2 }), // 7x7
      conv('enc_conv3', 1, init),
      // 7x7 -> 2x1: rows 0-3 and 4-6 (one padding row at the bottom), all 7 columns
      tf.layers.maxPooling2d({ name: 'enc_pool3', poolSize: [4, 7], strides: [4, 7], padding: 'same' }),
      tf.layers.reshape({ name: 'enc_to_code', targetShape: [2] }),
    ],
  });
}

/**
 * The 5LSL0 decoder: codes `[n, 2]` to flat images `[n, 784]`. Its layers in order: Reshape to
 * 2x1x1, upsample 3.5x7 (7x7, the mirror of the encoder's last pool), transposed conv 16 +
 * upsample 2 (14x14), transposed conv 16 + upsample 2 (28x28), transposed conv 1, Reshape to 784.
 */
export function conv5lsl0Decoder(init: SeededInitializers, name = 'conv-ae-5lsl0-decoder'): tf.Sequential {
  return tf.sequential({
    name,
    layers: [
      tf.layers.reshape({ name: 'dec_to_map', inputShape: [2], targetShape: [2, 1, 1] }),
      tf.layers.upSampling2d({ name: 'dec_up1', size: [3.5, 7] }), // 7x7
      convT('dec_convT1', CONV_5LSL0_FILTERS, init),
      tf.layers.upSampling2d({ name: 'dec_up2', size: [2, 2] }), // 14x14
      convT('dec_convT2', CONV_5LSL0_FILTERS, init),
      tf.layers.upSampling2d({ name: 'dec_up3', size: [2, 2] }), // 28x28
      convT('dec_convT3', 1, init),
      tf.layers.reshape({ name: 'dec_to_flat', targetShape: [784] }),
    ],
  });
}

/**
 * Joins a 5LSL0 encoder and decoder (built by your own functions, in that order, from
 * `conv5lsl0Initializers(seed)`) into the autoencoder {@link convAutoencoder5lsl0} describes: the
 * same name and builder config, so when your layers and initial weights equal the library's,
 * `cachedTrain` finds the same cache entry. Run `checkConvConstraints` on the result to check the
 * layers.
 */
export function conv5lsl0FromLayers(encoder: tf.LayersModel, decoder: tf.LayersModel, options: ConvAutoencoder5lsl0Options = {}): LayersAutoencoder {
  const config = resolveConvAutoencoder5lsl0Config(options);
  return new LayersAutoencoder({ kind: 'ae', name: config.name, latentDim: 2, encoder, decoder, config });
}

/** Builds the model a resolved {@link ConvAutoencoder5lsl0Config} describes. */
export function buildConvAutoencoder5lsl0(config: ConvAutoencoder5lsl0Config): LayersAutoencoder {
  const init = conv5lsl0Initializers(config.seed);
  const encoder = conv5lsl0Encoder(init, `${config.name}-encoder`);
  const decoder = conv5lsl0Decoder(init, `${config.name}-decoder`);
  return new LayersAutoencoder({ kind: 'ae', name: config.name, latentDim: 2, encoder, decoder, config });
}

/**
 * The 5LSL0 Exercise 1 convolutional autoencoder (latent 2 = 1x2x1 per image; train with MSE).
 * Its output comes from a ReLU, as the exercise demands, so it is >= 0 but not capped at 1.
 * `checkConvConstraints(model)` returns no violation for it.
 */
export function convAutoencoder5lsl0(options: ConvAutoencoder5lsl0Options = {}): LayersAutoencoder {
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
