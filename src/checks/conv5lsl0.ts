/**
 * Checks of the 5LSL0 network exercises: the Exercise 1 autoencoder against the assignment's
 * rules (`checkConvConstraints`, every violation explained), and the Exercise 4 classifier built
 * on the encoder's own layers.
 */
import * as tf from '@tensorflow/tfjs';
import { CONV_5LSL0_SIDE, conv5lsl0FromLayers } from '../models/conv-5lsl0';
import { checkConvConstraints } from '../models/constraints';
import { AutograderError, describe, pass } from './harness';

function requireModel(check: string, value: unknown, what: string): tf.LayersModel {
  if (!(value instanceof tf.LayersModel)) {
    throw new AutograderError(check, `${what} must be a tf.LayersModel (from tf.sequential() or tf.model()), got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks a 5LSL0 Exercise 1 encoder and decoder network: flat 32x32 images `[n, 1024]` (the digit
 * with its 2-pixel zero border) to codes `[n, 2]` and back, and every rule of the assignment (see
 * `checkConvConstraints`); a failure lists each broken rule with what was found and what is allowed.
 */
export function checkConv5lsl0(encoder: tf.LayersModel, decoder: tf.LayersModel): void {
  const check = 'checkConv5lsl0';
  requireModel(check, encoder, 'the encoder');
  requireModel(check, decoder, 'the decoder');
  if (encoder === decoder) throw new AutograderError(check, 'encoder and decoder are the same model: build them with two different functions');
  let model;
  try {
    model = conv5lsl0FromLayers(encoder, decoder, { name: 'your-5lsl0-autoencoder' });
  } catch (err) {
    const side = CONV_5LSL0_SIDE;
    throw new AutograderError(
      check,
      `${(err as Error).message.replace(/^(padBefore|cropAfter): /, '')} (the encoder takes flat ${side}x${side} images [n, ${side * side}], the decoder returns them; the zero border around the 28x28 digit is added outside your networks)`,
    );
  }
  const violations = checkConvConstraints(model);
  if (violations.length > 0) {
    throw new AutograderError(
      check,
      `your network breaks ${violations.length} rule(s) of 5LSL0 Exercise 1:\n- ${violations.map((v) => v.message).join('\n- ')}`,
    );
  }
  const trained = model;
  const shapes = tf.tidy(() => {
    const x = tf.randomUniform([3, 784], 0, 1, 'float32', 11) as tf.Tensor2D;
    const { reconstruction, z } = trained.forward(x, { training: false });
    return { z: z.shape.join(', '), r: reconstruction.shape.join(', ') };
  });
  if (shapes.z !== '3, 2' || shapes.r !== '3, 784') {
    throw new AutograderError(check, `3 digits gave codes [${shapes.z}] and reconstructions [${shapes.r}], expected [3, 2] and [3, 784]`);
  }
  const convs = encoder.layers.filter((l) => l.getClassName() === 'Conv2D').length;
  const convTs = decoder.layers.filter((l) => l.getClassName() === 'Conv2DTranspose').length;
  pass(
    check,
    `every rule of 5LSL0 Exercise 1 holds (${convs} conv blocks in the encoder, ${convTs} in the decoder, codes [n, 2]; 28x28 digits in and out through the border data steps).`,
  );
}

/**
 * Checks a 5LSL0 Exercise 4 classifier built from `encoder`: flat images in, `numClasses`
 * softmax probabilities out; the encoder's own layers (the same objects) up to its last
 * convolution; the last conv and its pooling replaced by a Dense layer (Flatten and Activation
 * allowed besides).
 */
export function checkEncoderClassifier(classifier: tf.LayersModel, encoder: tf.LayersModel, numClasses = 10): void {
  const check = 'checkEncoderClassifier';
  requireModel(check, classifier, 'the classifier');
  requireModel(check, encoder, 'the encoder');
  const inShape = classifier.inputs[0]?.shape ?? [];
  const want = encoder.inputs[0]?.shape ?? [];
  if (inShape.length !== 2 || inShape[1] !== want[1]) {
    throw new AutograderError(
      check,
      `the classifier must take the encoder's flat images [n, ${String(want[1])}], its input is [${inShape.map(String).join(', ')}]. Start from the encoder's input (encoder.inputs).`,
    );
  }
  const encLayers = encoder.layers;
  const lastConv = encLayers.map((l) => l.getClassName()).lastIndexOf('Conv2D');
  if (lastConv < 0) throw new AutograderError(check, `the encoder '${encoder.name}' has no Conv2D layer`);
  const kept = new Set(classifier.layers);
  const trunk = encLayers.slice(0, lastConv).filter((l) => l.getClassName() !== 'InputLayer');
  const missing = trunk.filter((l) => !kept.has(l));
  if (missing.length > 0) {
    throw new AutograderError(
      check,
      `the classifier must keep the encoder's own layers up to its last convolution (the same layer objects, so the same weights), but it lacks ${missing.map((l) => `${l.getClassName()} '${l.name}'`).join(', ')}. ` +
        "Start from the output of the encoder's layer just before its last Conv2D (layer.output) instead of building new layers.",
    );
  }
  const dropped = encLayers.slice(lastConv).filter((l) => kept.has(l));
  if (dropped.length > 0) {
    throw new AutograderError(
      check,
      `the encoder's last convolution and what follows it (its pooling, the reshape to the code) must be replaced by a Dense layer, but the classifier still has ${dropped.map((l) => `${l.getClassName()} '${l.name}'`).join(', ')}`,
    );
  }
  const added = classifier.layers.filter((l) => !encLayers.includes(l) && l.getClassName() !== 'InputLayer');
  const wrong = added.filter((l) => !['Dense', 'Flatten', 'Activation'].includes(l.getClassName()));
  if (wrong.length > 0) {
    throw new AutograderError(
      check,
      `besides the encoder's layers the classifier may only add a Dense layer (and a Flatten or an Activation), but it adds ${wrong.map((l) => `${l.getClassName()} '${l.name}'`).join(', ')}`,
    );
  }
  const dense = added.filter((l) => l.getClassName() === 'Dense');
  if (dense.length !== 1) {
    throw new AutograderError(
      check,
      `the classifier must add exactly one Dense layer (the assignment replaces one convolution by one fully connected layer), it adds ${dense.length}`,
    );
  }
  const n = 4;
  const { shape, rows, min } = tf.tidy(() => {
    const x = tf.randomUniform([n, Number(want[1])], 0, 1, 'float32', 13);
    const p = classifier.predict(x) as tf.Tensor;
    return { shape: p.shape.slice(), rows: Array.from(p.sum(-1).dataSync()), min: p.min().dataSync()[0] };
  });
  if (shape.length !== 2 || shape[0] !== n || shape[1] !== numClasses) {
    throw new AutograderError(
      check,
      `${n} images gave an output of shape [${shape.join(', ')}], expected [${n}, ${numClasses}]: one probability per class (the Dense layer needs ${numClasses} units)`,
    );
  }
  if (min < 0 || rows.some((r) => Math.abs(r - 1) > 1e-4)) {
    throw new AutograderError(
      check,
      `the outputs are not probabilities (row sums ${rows.map((r) => r.toFixed(3)).join(', ')}, smallest value ${min.toFixed(3)}): end with a softmax (the Dense layer's activation, or an Activation('softmax') after it)`,
    );
  }
  pass(
    check,
    `the encoder's ${trunk.length} layers up to its last convolution, then ${added.map((l) => l.getClassName()).join(' + ')}: [n, 784] images -> [n, ${numClasses}] probabilities.`,
  );
}
