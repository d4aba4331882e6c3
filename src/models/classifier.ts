/**
 * 5LSL0 Exercise 4: the conv autoencoder's encoder turned classifier. The encoder's layers up to
 * its last convolution stay (three conv blocks, 32x32 -> 4x4x16); the last block (1-filter conv,
 * ReLU, 2x4 pool) and the code reshape are replaced by Flatten and a Dense softmax over the
 * classes. Like the autoencoder, the network works on the 28x28 digit with a 2-pixel zero border
 * (a data step before it). Train with `crossEntropyLoss`, report `accuracy`.
 */
import * as tf from '@tensorflow/tfjs';
import { accuracy, crossEntropyLoss } from './classification';
import { CONV_5LSL0_BORDER, CONV_5LSL0_SIDE, conv5lsl0Encoder, conv5lsl0Initializers, padBefore, type BorderedAutoencoder } from './conv-5lsl0';
import type { SeededInitializers } from './init';
import { layersModelSummary } from './summary';
import type { AutoencoderModel } from './types';
import { checkInt, checkSeed } from './validate';

/** Resolved config of {@link encoderClassifier} (plain JSON). */
export type EncoderClassifierConfig = {
  readonly type: 'encoderClassifier';
  readonly name: string;
  readonly numClasses: number;
  readonly seed: number;
};

/** Options of {@link encoderClassifier}. */
export interface EncoderClassifierOptions {
  /** Number of classes (default 10). */
  readonly numClasses?: number;
  /** Seed of the initial weights (default 0). */
  readonly seed?: number;
  /** Default 'encoder-classifier'. */
  readonly name?: string;
  /**
   * A (trained) `convAutoencoder5lsl0` whose first three conv layers' weights are copied in,
   * to start from the autoencoder's features; default: fresh seeded weights.
   */
  readonly from?: AutoencoderModel;
}

/** A classifier with what a training loop needs: the model, its loss and its metric. */
export interface EncoderClassifier {
  /** Always `classifier`. */
  readonly kind: 'classifier';
  /** Short name for logs and checkpoints. */
  readonly name: string;
  /** Number of classes (10 for MNIST). */
  readonly numClasses: number;
  /** Flat images `[n, 784]` in, class probabilities `[n, numClasses]` out (softmax): the zero border, then `network`. */
  readonly model: tf.LayersModel;
  /** The classifier network itself: flat 32x32 images `[n, 1024]` in, probabilities out. */
  readonly network: tf.LayersModel;
  /** The resolved builder config (saved with checkpoints). */
  readonly config: EncoderClassifierConfig;
  /** Cross-entropy of the probabilities against int32 labels `[n]` (mean over the batch). */
  loss(labels: tf.Tensor1D, probs: tf.Tensor2D): tf.Scalar;
  /** Accuracy: fraction of argmax predictions equal to the labels. */
  metric(labels: tf.Tensor1D, probs: tf.Tensor2D): tf.Scalar;
  /** Class probabilities of flat images `[n, 784]` (inference mode). */
  predict(x: tf.Tensor2D): tf.Tensor2D;
  /** Trainable variables. */
  trainableWeights(): tf.Variable[];
  /** Layer table with parameter counts. */
  summary(): string;
  /** Frees the weights. */
  dispose(): void;
}

/**
 * The encoder of a 5LSL0 autoencoder turned classifier: the encoder's own layers up to the pooling
 * before its last Conv2D (shared, not copied), then Flatten and a Dense softmax of `numClasses`
 * units with `init`'s next seeded weights. The encoder's last conv, its pooling and the code
 * reshape are left out. Throws a TypeError when the encoder has fewer than two Conv2D layers.
 */
export function classifierFromEncoder(
  encoder: tf.LayersModel,
  numClasses: number,
  init: SeededInitializers,
  name = 'encoder-classifier',
): tf.LayersModel {
  const layers = encoder.layers;
  const lastConv = layers.map((l) => l.getClassName()).lastIndexOf('Conv2D');
  if (lastConv < 1 || !layers.slice(0, lastConv).some((l) => l.getClassName() === 'Conv2D')) {
    throw new TypeError(
      `classifierFromEncoder: encoder '${encoder.name}' needs at least two Conv2D layers (the last one is replaced), got ${lastConv + 1 > 0 ? 1 : 0}`,
    );
  }
  const trunkEnd = layers[lastConv - 1].output as tf.SymbolicTensor;
  const h = tf.layers.flatten({ name: 'cls_flatten' }).apply(trunkEnd) as tf.SymbolicTensor;
  const probs = tf.layers.dense({ name: 'cls_softmax', units: numClasses, activation: 'softmax', ...init.layer() }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: encoder.inputs, outputs: probs, name });
}

/** The encoder-turned-classifier of 5LSL0 Exercise 4 (the encoder of `convAutoencoder5lsl0({ seed })`). */
export function encoderClassifier(options: EncoderClassifierOptions = {}): EncoderClassifier {
  const config = resolveConfig('encoderClassifier', options);
  // The same initialiser stream as the autoencoder: with the same seed the shared conv blocks start equal.
  const init = conv5lsl0Initializers(config.seed);
  const encoder = conv5lsl0Encoder(init);
  const network = classifierFromEncoder(encoder, config.numClasses, init, config.name);
  if (options.from) copyTrunkWeights(options.from, network);
  return wrap(network, config);
}

/** Options of {@link asEncoderClassifier}. */
export type AsEncoderClassifierOptions = Omit<EncoderClassifierOptions, 'from'>;

/**
 * Wraps your own encoder-turned-classifier network (flat 32x32 images `[n, 1024]` in, as the
 * 5LSL0 encoder network takes them; softmax probabilities `[n, numClasses]` out) with the zero
 * border before it and the loss, metric and config of {@link encoderClassifier}, so it takes flat
 * 28x28 images and trains like the library's. `seed` is the seed you built it with.
 */
export function asEncoderClassifier(model: tf.LayersModel, options: AsEncoderClassifierOptions = {}): EncoderClassifier {
  const config = resolveConfig('asEncoderClassifier', options);
  if (!(model instanceof tf.LayersModel)) throw new TypeError('asEncoderClassifier: expected a tf.LayersModel (from tf.model() or tf.sequential())');
  const inShape = model.inputs[0].shape;
  const outShape = model.outputs[0].shape;
  const pixels = CONV_5LSL0_SIDE * CONV_5LSL0_SIDE;
  if (inShape.length !== 2 || inShape[1] !== pixels) {
    throw new RangeError(
      `asEncoderClassifier: the network must take the encoder's flat ${CONV_5LSL0_SIDE}x${CONV_5LSL0_SIDE} images [n, ${pixels}], got [${inShape.map(String).join(',')}]`,
    );
  }
  if (outShape.length !== 2 || outShape[1] !== config.numClasses) {
    throw new RangeError(
      `asEncoderClassifier: the model must output [n, ${config.numClasses}] probabilities, got [${outShape.map(String).join(',')}]`,
    );
  }
  return wrap(model, config);
}

function resolveConfig(where: string, options: AsEncoderClassifierOptions): EncoderClassifierConfig {
  const config: EncoderClassifierConfig = {
    type: 'encoderClassifier',
    name: options.name ?? 'encoder-classifier',
    numClasses: options.numClasses ?? 10,
    seed: options.seed ?? 0,
  };
  checkInt(where, 'numClasses', config.numClasses, 2);
  checkSeed(where, config.seed);
  return config;
}

function wrap(network: tf.LayersModel, config: EncoderClassifierConfig): EncoderClassifier {
  const model = padBefore(network, CONV_5LSL0_BORDER, `${config.name}-data-steps`);
  return {
    kind: 'classifier',
    name: config.name,
    numClasses: config.numClasses,
    model,
    network,
    config,
    loss: crossEntropyLoss,
    metric: accuracy,
    predict(images: tf.Tensor2D): tf.Tensor2D {
      if (images.rank !== 2 || images.shape[1] !== 784) {
        throw new RangeError(`${config.name}.predict: expected flat images [n, 784], got [${images.shape.join(',')}]`);
      }
      return tf.tidy(() => model.apply(images, { training: false }) as tf.Tensor2D);
    },
    trainableWeights(): tf.Variable[] {
      return model.trainableWeights.map((w) => w.read() as tf.Variable);
    },
    summary(): string {
      return layersModelSummary(network);
    },
    dispose(): void {
      model.dispose();
    },
  };
}

function copyTrunkWeights(from: AutoencoderModel, to: tf.LayersModel): void {
  const encoder = (from as Partial<BorderedAutoencoder>).network?.encoder ?? from.encoder;
  for (const name of ['enc_conv1', 'enc_conv2', 'enc_conv3']) {
    let src: tf.layers.Layer;
    try {
      src = encoder.getLayer(name);
    } catch {
      throw new TypeError(`encoderClassifier: 'from' must be a convAutoencoder5lsl0 model; '${from.name}' has no encoder layer '${name}'`);
    }
    const dst = to.getLayer(name);
    const weights = src.getWeights();
    const expected = dst.getWeights().map((w) => w.shape.join('x'));
    const got = weights.map((w) => w.shape.join('x'));
    if (expected.join() !== got.join()) {
      throw new RangeError(`encoderClassifier: layer '${name}' of '${from.name}' has weights ${got.join(', ')}, expected ${expected.join(', ')}`);
    }
    dst.setWeights(weights);
  }
}
