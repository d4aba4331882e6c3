/**
 * 5LSL0 Exercise 4: the conv autoencoder's encoder turned classifier. The first three conv
 * blocks stay; the last block (1-filter conv, ReLU, 2x4 pool) is replaced by Flatten and a
 * Dense softmax over the classes. Train with `crossEntropyLoss`, report `accuracy`.
 */
import * as tf from '@tensorflow/tfjs';
import { accuracy, crossEntropyLoss } from './classification';
import { conv5lsl0Trunk } from './conv-5lsl0';
import { SeededInitializers } from './init';
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
  /** Flat images `[n, 784]` in, class probabilities `[n, numClasses]` out (softmax). */
  readonly model: tf.LayersModel;
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

/** The encoder-turned-classifier of 5LSL0 Exercise 4. */
export function encoderClassifier(options: EncoderClassifierOptions = {}): EncoderClassifier {
  const where = 'encoderClassifier';
  const config: EncoderClassifierConfig = {
    type: 'encoderClassifier',
    name: options.name ?? 'encoder-classifier',
    numClasses: options.numClasses ?? 10,
    seed: options.seed ?? 0,
  };
  checkInt(where, 'numClasses', config.numClasses, 2);
  checkSeed(where, config.seed);
  // Same stream label as the autoencoder: with the same seed the shared conv blocks start equal.
  const init = new SeededInitializers(config.seed, 'convAutoencoder5lsl0');
  const x = tf.input({ shape: [784], name: 'enc_input' });
  let h = tf.layers.reshape({ name: 'enc_to_image', targetShape: [28, 28, 1] }).apply(x) as tf.SymbolicTensor;
  h = conv5lsl0Trunk(h, init);
  h = tf.layers.flatten({ name: 'cls_flatten' }).apply(h) as tf.SymbolicTensor;
  const probs = tf.layers
    .dense({ name: 'cls_softmax', units: config.numClasses, activation: 'softmax', ...init.layer() })
    .apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: x, outputs: probs, name: config.name });
  if (options.from) copyTrunkWeights(options.from, model);

  return {
    kind: 'classifier',
    name: config.name,
    numClasses: config.numClasses,
    model,
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
      return layersModelSummary(model);
    },
    dispose(): void {
      model.dispose();
    },
  };
}

function copyTrunkWeights(from: AutoencoderModel, to: tf.LayersModel): void {
  for (const name of ['enc_conv1', 'enc_conv2', 'enc_conv3']) {
    let src: tf.layers.Layer;
    try {
      src = from.encoder.getLayer(name);
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
