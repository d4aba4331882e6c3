/**
 * The convolutional autoencoder of the "Intro to VAEs, FCN and conv autoencoders" document (003),
 * carried over from its 64x64 colour faces to 28x28 MNIST digits. It has no pooling: every
 * convolution halves the image itself (4x4 kernels, stride 2) while the channels grow 12 -> 24 -> 48,
 * each followed by a ReLU (the code too); the decoder mirrors it with stride-2 transposed
 * convolutions 48 -> 24 -> 12 -> 1.
 *
 * Spatial sizes on MNIST:
 *   encoder 28x28x1 -> 14x14x12 -> 7x7x24 -> 4x4x48 (the code, flattened: 768 numbers)
 *   decoder 4x4x48 -> 8x8x24, trim the last row and column -> 7x7x24 -> 14x14x12 -> 28x28x1
 *
 * What changes against the document, and why:
 * - 'same' padding: for 28 and 14 it is PyTorch's padding=1 exactly; on the odd 7x7 map it pads one
 *   extra row and column at the end (7 -> 4, where padding=1 would drop the last row: 7 -> 3), and
 *   the decoder trims that row and column again after its first transposed convolution.
 * - A sigmoid output instead of tanh, because vaelab's pixels are in [0, 1] rather than [-1, 1].
 *
 * The size of the code is set by the last encoder convolution: `filters[2]` channels on a 4x4 map,
 * so `latentDim = 16 * filters[2]` (48 filters: 768, barely fewer numbers than the 784 pixels).
 */
import * as tf from '@tensorflow/tfjs';
import { LayersAutoencoder } from './autoencoder';
import type { StridedConvAutoencoderConfig } from './config';
import { SeededInitializers } from './init';
import { checkSeed, checkUnits } from './validate';

/** The document's filters of the three stride-2 convolutions, input side first. */
export const STRIDED_CONV_AE_FILTERS: readonly [number, number, number] = Object.freeze([12, 24, 48]) as readonly [number, number, number];

/** Height and width of the code map of {@link stridedConvAutoencoder} on 28x28 images (28 -> 14 -> 7 -> 4). */
export const STRIDED_CONV_AE_CODE_SIZE = 4;

/** Options of {@link stridedConvAutoencoder}. */
export interface StridedConvAutoencoderOptions {
  /**
   * Filters of the three stride-2 convolutions (default [12, 24, 48], the document's); the decoder
   * mirrors them. The last one sets the latent size: `16 * filters[2]`.
   */
  readonly filters?: readonly [number, number, number];
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
  /** Default 'strided-conv-ae-<latentDim>'. */
  readonly name?: string;
}

/** Fills in the defaults of {@link stridedConvAutoencoder} and checks every field. */
export function resolveStridedConvAutoencoderConfig(options: StridedConvAutoencoderOptions = {}): StridedConvAutoencoderConfig {
  const where = 'stridedConvAutoencoder';
  const filters = options.filters ?? STRIDED_CONV_AE_FILTERS;
  checkUnits(where, 'filters', filters);
  if (filters.length !== 3) throw new RangeError(`${where}: filters must be three numbers [f1, f2, f3], got ${JSON.stringify(filters)}`);
  const seed = options.seed ?? 0;
  checkSeed(where, seed);
  const latent = STRIDED_CONV_AE_CODE_SIZE * STRIDED_CONV_AE_CODE_SIZE * filters[2];
  return {
    type: 'stridedConvAutoencoder',
    name: options.name ?? `strided-conv-ae-${latent}`,
    filters: [filters[0], filters[1], filters[2]],
    seed,
  };
}

/** Builds the model a resolved {@link StridedConvAutoencoderConfig} describes. */
export function buildStridedConvAutoencoder(config: StridedConvAutoencoderConfig): LayersAutoencoder {
  const init = new SeededInitializers(config.seed, 'stridedConvAutoencoder');
  const [f1, f2, f3] = config.filters;
  const side = STRIDED_CONV_AE_CODE_SIZE;
  const latentDim = side * side * f3;
  const down = (name: string, filters: number) =>
    tf.layers.conv2d({ name, filters, kernelSize: 4, strides: 2, padding: 'same', activation: 'relu', ...init.layer() });
  const up = (name: string, filters: number, activation: 'relu' | 'sigmoid') =>
    tf.layers.conv2dTranspose({ name, filters, kernelSize: 4, strides: 2, padding: 'same', activation, ...init.layer() });

  const x = tf.input({ shape: [784], name: 'enc_input' });
  let h = tf.layers.reshape({ name: 'enc_to_image', targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  h = down('enc_conv1', f1).apply(h) as tf.SymbolicTensor; // 14x14
  h = down('enc_conv2', f2).apply(h) as tf.SymbolicTensor; // 7x7
  h = down('enc_conv3', f3).apply(h) as tf.SymbolicTensor; // 4x4
  const code = tf.layers.reshape({ name: 'enc_to_code', targetShape: [latentDim] }).apply(h) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: x, outputs: code, name: `${config.name}-encoder` });

  const z = tf.input({ shape: [latentDim], name: 'dec_input' });
  let g = tf.layers.reshape({ name: 'dec_to_map', targetShape: [side, side, f3] }).apply(z) as tf.SymbolicTensor;
  g = up('dec_convT1', f2, 'relu').apply(g) as tf.SymbolicTensor; // 8x8
  g = tf.layers
    .cropping2D({
      name: 'dec_trim1',
      cropping: [
        [0, 1],
        [0, 1],
      ],
    })
    .apply(g) as tf.SymbolicTensor; // 7x7: the row and column the encoder padded
  g = up('dec_convT2', f1, 'relu').apply(g) as tf.SymbolicTensor; // 14x14
  g = up('dec_convT3', 1, 'sigmoid').apply(g) as tf.SymbolicTensor; // 28x28
  const out = tf.layers.reshape({ name: 'dec_to_flat', targetShape: [784] }).apply(g) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: z, outputs: out, name: `${config.name}-decoder` });

  return new LayersAutoencoder({ kind: 'ae', name: config.name, latentDim, encoder, decoder, config });
}

/**
 * The strided convolutional autoencoder of document 003 for 28x28 images: three 4x4 stride-2
 * convolutions (default 12, 24, 48 filters, ReLU) down to a 4x4 code map, mirrored by three
 * transposed convolutions up to a sigmoid output. Deterministic (`kind: 'ae'`); train it with MSE.
 *
 * @example
 * const small = vl.stridedConvAutoencoder({ filters: [12, 24, 4], seed: 0 }); // latent 64
 */
export function stridedConvAutoencoder(options: StridedConvAutoencoderOptions = {}): LayersAutoencoder {
  return buildStridedConvAutoencoder(resolveStridedConvAutoencoderConfig(options));
}
