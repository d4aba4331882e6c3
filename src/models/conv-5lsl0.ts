/**
 * The convolutional autoencoder of 5LSL0 Exercise 1, built only from Conv2D /
 * Conv2DTranspose, MaxPooling2D and UpSampling2D (plus Reshape at the flat boundaries):
 * 16 filters 3x3 'same' padding (PyTorch padding=1), ReLU after every convolution,
 * a pool / upsample by 2 with every conv block, and a latent of 1x2x1 per image.
 *
 * Spatial sizes (matching the reference PyTorch shapes):
 *   encoder 28 -conv,pool-> 14 -conv,pool-> 7 -conv,pool-> 4 -conv(1 filter),pool(2x4)-> 2x1
 *   decoder 2x1 -up(2x4)-> 4x4 conv -up 2-> 8x8 conv -up 2, trim 1 px-> 14x14 conv -up 2-> 28x28 conv(1 filter)
 *
 * Two PyTorch details have no tfjs switch and are rebuilt from tfjs layers:
 * - `MaxPool2d(2, ceil_mode=True)` on 7x7: `maxPooling2d` with `padding: 'same'` gives the same
 *   4x4 (TensorFlow pads the missing row/column at the end and max-pooling ignores the padding).
 * - `Upsample(size=(14, 14))` on 8x8: `upSampling2d` by 2 (16x16) then `cropping2d` of one pixel on
 *   every side, so every upsampling stays an exact factor 2.
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
 * The first three conv blocks of the 5LSL0 encoder (conv 16 3x3 same + ReLU, max-pool 2),
 * 28x28x1 -> 4x4x16, applied to `image` `[n, 28, 28, 1]`. Shared with `encoderClassifier`.
 */
export function conv5lsl0Trunk(image: tf.SymbolicTensor, init: SeededInitializers): tf.SymbolicTensor {
  let h = image;
  for (let i = 1; i <= 3; i++) {
    h = conv(`enc_conv${i}`, CONV_5LSL0_FILTERS, init).apply(h) as tf.SymbolicTensor;
    // the third pool is PyTorch's ceil_mode=True: 7x7 -> 4x4
    h = tf.layers.maxPooling2d({ name: `enc_pool${i}`, poolSize: 2, strides: 2, padding: i === 3 ? 'same' : 'valid' }).apply(h) as tf.SymbolicTensor;
  }
  return h;
}

/** Builds the model a resolved {@link ConvAutoencoder5lsl0Config} describes. */
export function buildConvAutoencoder5lsl0(config: ConvAutoencoder5lsl0Config): LayersAutoencoder {
  const init = new SeededInitializers(config.seed, 'convAutoencoder5lsl0');

  const x = tf.input({ shape: [784], name: 'enc_input' });
  let h = tf.layers.reshape({ name: 'enc_to_image', targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  h = conv5lsl0Trunk(h, init); // 4x4x16
  h = conv('enc_conv4', 1, init).apply(h) as tf.SymbolicTensor; // 4x4x1
  h = tf.layers.maxPooling2d({ name: 'enc_pool4', poolSize: [2, 4], strides: [2, 4] }).apply(h) as tf.SymbolicTensor; // 2x1x1
  const code = tf.layers.reshape({ name: 'enc_to_code', targetShape: [2] }).apply(h) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: x, outputs: code, name: `${config.name}-encoder` });

  const z = tf.input({ shape: [2], name: 'dec_input' });
  let g = tf.layers.reshape({ name: 'dec_to_map', targetShape: [2, 1, 1] }).apply(z) as tf.SymbolicTensor;
  g = tf.layers.upSampling2d({ name: 'dec_up1', size: [2, 4] }).apply(g) as tf.SymbolicTensor; // 4x4
  g = convT('dec_convT1', CONV_5LSL0_FILTERS, init).apply(g) as tf.SymbolicTensor;
  g = tf.layers.upSampling2d({ name: 'dec_up2', size: [2, 2] }).apply(g) as tf.SymbolicTensor; // 8x8
  g = convT('dec_convT2', CONV_5LSL0_FILTERS, init).apply(g) as tf.SymbolicTensor;
  g = tf.layers.upSampling2d({ name: 'dec_up3', size: [2, 2] }).apply(g) as tf.SymbolicTensor; // 16x16
  g = tf.layers
    .cropping2D({
      name: 'dec_trim3',
      cropping: [
        [1, 1],
        [1, 1],
      ],
    })
    .apply(g) as tf.SymbolicTensor; // 14x14
  g = convT('dec_convT3', CONV_5LSL0_FILTERS, init).apply(g) as tf.SymbolicTensor;
  g = tf.layers.upSampling2d({ name: 'dec_up4', size: [2, 2] }).apply(g) as tf.SymbolicTensor; // 28x28
  g = convT('dec_convT4', 1, init).apply(g) as tf.SymbolicTensor;
  const out = tf.layers.reshape({ name: 'dec_to_flat', targetShape: [784] }).apply(g) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: z, outputs: out, name: `${config.name}-decoder` });

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
