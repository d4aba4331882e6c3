/**
 * Autograder checks of notebook 14 (the conditional VAE): one-hot labels as numbers (14.1), and the
 * conditioning layers that join the label to the image features and to z (14.2).
 */
import * as tf from '@tensorflow/tfjs';
import { conditionalVaeFrom, dependsOn } from '../models/cvae';
import type { Conditioning, ConditioningSpec } from '../models/cvae';
import { SeededInitializers } from '../models/init';
import type { LabelMode } from '../models/config';
import { AutograderError, pass, callStudent, describe } from './harness';

/**
 * Checks `fn(labels, numClasses)` returning one-hot rows as a flat Float32Array
 * `[labels.length * numClasses]`: row i has a 1 in column labels[i] and 0 elsewhere.
 */
export function checkOneHot(fn: (labels: ArrayLike<number>, numClasses: number) => Float32Array): void {
  const check = 'checkOneHot';
  const labels = [3, 0, 9, 3, 5];
  const k = 10;
  const raw = callStudent(check, 'labels [3, 0, 9, 3, 5] and 10 classes', () => fn(labels, k));
  if (!(raw instanceof Float32Array) || raw.length !== labels.length * k) {
    throw new AutograderError(check, `expected a Float32Array of ${labels.length * k} numbers (one row of ${k} per label), got ${describe(raw)}`);
  }
  for (let i = 0; i < labels.length; i++) {
    for (let c = 0; c < k; c++) {
      const want = c === labels[i] ? 1 : 0;
      if (raw[i * k + c] !== want) {
        const transposed = raw[c * labels.length + i] === want;
        throw new AutograderError(
          check,
          `row ${i} (label ${labels[i]}), column ${c}: expected ${want}, got ${raw[i * k + c]}.` +
            (transposed ? ' The layout looks transposed: row i occupies positions i * numClasses ... i * numClasses + numClasses - 1.' : ''),
        );
      }
    }
  }
  pass(check, 'five labels give the right one-hot rows.');
}

/** The labels and features the conditioning check feeds: two rows share label 3. */
const CHECK_LABELS = [3, 0, 9, 3, 6];
const FEATURES = 6;

/** A row of `values` as text, for messages. */
function row(values: ArrayLike<number>): string {
  return `[${Array.from(values, (v) => Number(v.toPrecision(4))).join(', ')}]`;
}

/** The student's conditioning applied to fresh symbolic inputs, its output checked to be a symbolic tensor. */
function applyConditioning(
  check: string,
  conditionOn: Conditioning,
  spec: ConditioningSpec,
  seed: number,
): { features: tf.SymbolicTensor; labels: tf.SymbolicTensor; out: tf.SymbolicTensor } {
  const features = tf.input({ shape: [FEATURES], name: 'check_features' });
  const labels = tf.input({ shape: [1], dtype: 'int32', name: 'check_labels' });
  const init = new SeededInitializers(seed, 'checkConditioning');
  const out: unknown = callStudent(check, `features [n, ${FEATURES}], int32 labels [n, 1] and mode '${spec.mode}'`, () =>
    conditionOn(features, labels, spec, init),
  );
  if (!(out instanceof tf.SymbolicTensor)) {
    const concrete =
      out instanceof tf.Tensor
        ? ' You returned a concrete tensor: use layers (tf.layers.<kind>(...).apply) on the symbolic inputs, not tf operations.'
        : '';
    throw new AutograderError(
      check,
      `mode '${spec.mode}': expected the symbolic tensor the next layer reads (what the last layer's apply returns), got ${describe(out)}.${concrete}`,
    );
  }
  return { features, labels, out };
}

/** Names what a wrongly shaped conditioning output most likely lacks. */
function shapeMistake(shape: readonly (number | null)[], spec: ConditioningSpec): string {
  const width = spec.mode === 'oneHot' ? spec.numClasses : spec.embeddingDim;
  const last = shape[shape.length - 1];
  if (shape.length === 3) return ' An embedding layer returns [n, 1, width] for labels [n, 1]: flatten its output to [n, width] before joining.';
  if (last === FEATURES) return ' That is the features alone: the label vector is not joined to them.';
  if (last === width) return ' That is the label vector alone: concatenate the features and the label vector.';
  if (spec.mode === 'embedding' && last === FEATURES + spec.numClasses)
    return ` In mode 'embedding' the label vector has ${spec.embeddingDim} numbers (label.embeddingDim): the one-hot vector goes through the learned table.`;
  if (spec.mode === 'oneHot' && last === FEATURES + spec.embeddingDim)
    return " In mode 'oneHot' the label vector is the one-hot vector itself, with no learned table after it.";
  return '';
}

/** Checks one mode of the conditioning on small symbolic inputs: shape, dependence, the exact label vector, its weights. */
function checkMode(check: string, conditionOn: Conditioning, mode: LabelMode): void {
  const spec: ConditioningSpec = { mode, numClasses: 10, embeddingDim: 8 };
  const width = mode === 'oneHot' ? spec.numClasses : spec.embeddingDim;
  const { features, labels, out } = applyConditioning(check, conditionOn, spec, 7);
  if (out.shape.length !== 2 || out.shape[1] !== FEATURES + width) {
    throw new AutograderError(
      check,
      `mode '${mode}': features [n, ${FEATURES}] gave an output of shape [${out.shape.map(String).join(', ')}], expected [null, ${FEATURES + width}] (the ${FEATURES} features, then the ${width}-d ${mode === 'oneHot' ? 'one-hot' : 'embedded'} label).${shapeMistake(out.shape, spec)}`,
    );
  }
  if (!dependsOn(out, labels)) {
    throw new AutograderError(
      check,
      `mode '${mode}': the output does not depend on the labels, so the network would never see the label. Compute the label vector from the labels input and join it to the features.`,
    );
  }
  if (!dependsOn(out, features)) {
    throw new AutograderError(
      check,
      `mode '${mode}': the output does not depend on the features: join the label vector to the features you were given.`,
    );
  }
  const model = tf.model({ inputs: [features, labels], outputs: out });
  // The small layers built here are not disposed: a student's function may keep and share them (a few hundred numbers).
  const n = CHECK_LABELS.length;
  const x = Array.from({ length: n * FEATURES }, (_, i) => Math.fround(Math.round(100 * Math.sin(1.7 * i + 0.3)) / 50));
  const values = tf.tidy(() => {
    const y = model.predict([tf.tensor2d(x, [n, FEATURES]), tf.tensor2d(CHECK_LABELS, [n, 1], 'int32')]) as tf.Tensor;
    return Array.from(y.dataSync());
  });
  const cols = FEATURES + width;
  const rows = CHECK_LABELS.map((_, i) => values.slice(i * cols, (i + 1) * cols));
  const head = (r: number[]) => r.slice(0, FEATURES);
  const tail = (r: number[]) => r.slice(width);
  const input = (i: number) => x.slice(i * FEATURES, (i + 1) * FEATURES);
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, j) => v === b[j]);
  if (!rows.every((r, i) => same(head(r), input(i)))) {
    const swapped = rows.every((r, i) => same(tail(r), input(i)));
    throw new AutograderError(
      check,
      `mode '${mode}': the first ${FEATURES} numbers of row 0 are ${row(head(rows[0]))}, expected the features themselves ${row(input(0))}.` +
        (swapped
          ? ' They come last: concatenate the features first, then the label vector (the order the rest of the network, and the library, expects).'
          : ' Pass the features through unchanged: only concatenate them with the label vector.'),
    );
  }
  const labelPart = rows.map((r) => r.slice(FEATURES));
  const trainable = model.trainableWeights;
  const trainableEmbedding = model.layers.find((l) => l.getClassName() === 'Embedding' && l.trainable);
  if (mode === 'oneHot') {
    for (let i = 0; i < CHECK_LABELS.length; i++) {
      const y = CHECK_LABELS[i];
      const want = Array.from({ length: width }, (_, c) => (c === y ? 1 : 0));
      if (!same(labelPart[i], want)) {
        const plusOne = labelPart[i][(y + 1) % width] === 1 && labelPart[i][y] === 0;
        const minusOne = labelPart[i][(y + width - 1) % width] === 1 && labelPart[i][y] === 0;
        const asNumber = y !== 0 && y !== 1 && labelPart[i].some((v) => v === y);
        throw new AutograderError(
          check,
          `mode 'oneHot', label ${y}: the label vector is ${row(labelPart[i])}, expected exactly the one-hot vector ${row(want)} (1 at position ${y}, 0 elsewhere).` +
            (plusOne ? ' The 1 sits at label + 1: the table row for label y must be row y of the identity.' : '') +
            (minusOne ? ' The 1 sits at label - 1: the table row for label y must be row y of the identity.' : '') +
            (asNumber ? ` The vector holds the label's value ${y} itself: the label is an index into the table, not a number to compute with.` : '') +
            ' The one-hot vector is row y of the K x K identity matrix.',
        );
      }
    }
    if (trainable.length > 0) {
      throw new AutograderError(
        check,
        `mode 'oneHot' has trainable weights (${trainable.map((w) => `[${w.shape.join(', ')}]`).join(', ')}): training would turn the one-hot vector into something else. The identity table must not be trainable.`,
      );
    }
  } else {
    if (trainableEmbedding) {
      throw new AutograderError(
        check,
        "mode 'embedding' trains an Embedding layer's table: the wasm backend cannot compute that layer's gradient (it lacks the UnsortedSegmentSum kernel), so training would fail. " +
          'Look the row up by a bias-free dense layer applied to the one-hot vector instead: the same lookup, trained by a matrix product.',
      );
    }
    const tables = trainable.filter((w) => w.shape.length === 2 && w.shape[0] === spec.numClasses && w.shape[1] === spec.embeddingDim);
    if (tables.length !== 1 || trainable.length !== 1) {
      throw new AutograderError(
        check,
        `mode 'embedding' must learn exactly one table of ${spec.numClasses} x ${spec.embeddingDim} numbers (one row per class) and nothing else, but its trainable weights are ${trainable.length === 0 ? 'none' : trainable.map((w) => `[${w.shape.join(', ')}]`).join(', ')}.` +
          (trainable.some((w) => w.shape.length === 1) ? ' Drop the bias (useBias: false): the label vector is the table row alone.' : ''),
      );
    }
    const table = Array.from(tables[0].read().dataSync());
    for (let i = 0; i < CHECK_LABELS.length; i++) {
      const y = CHECK_LABELS[i];
      const want = table.slice(y * width, (y + 1) * width);
      if (!labelPart[i].every((v, j) => Math.abs(v - want[j]) <= 1e-6)) {
        throw new AutograderError(
          check,
          `mode 'embedding', label ${y}: the label vector is ${row(labelPart[i])}, expected row ${y} of the learned table ${row(want)}: apply the table to the exact one-hot vector of the label (no activation).`,
        );
      }
    }
    const largest = Math.max(...table.map(Math.abs));
    if (largest > 0.05 + 1e-7 || largest === 0) {
      throw new AutograderError(
        check,
        `mode 'embedding': the table starts with values up to ${largest.toPrecision(3)} in size; it should start uniform in [-0.05, 0.05], the Keras default for an embedding table: draw it from init.uniform().`,
      );
    }
    const again = applyConditioning(check, conditionOn, spec, 7);
    const againModel = tf.model({ inputs: [again.features, again.labels], outputs: again.out });
    const againTable = againModel.trainableWeights.length === 1 ? Array.from(againModel.trainableWeights[0].read().dataSync()) : [];
    if (!same(againTable, table)) {
      throw new AutograderError(
        check,
        "mode 'embedding': two builds from initialisers of the same seed gave different tables. Draw the table's initial values from the init you are given (init.uniform()), so that everybody starts from the library's weights.",
      );
    }
  }
}

/**
 * Checks a conditioning function `conditionOn(features, labels, label, init)` (Exercise 14.2): in
 * mode 'oneHot' it returns the features followed by exactly the one-hot vector of each label,
 * with no trainable weight; in mode 'embedding' the features followed by row y of one learned,
 * bias-free `numClasses x embeddingDim` table, drawn from `init.uniform()` (uniform in
 * [-0.05, 0.05]) and trainable on wasm (no trainable Embedding layer); encoder and decoder get
 * their own layers. Then it builds both conditional VAEs with `conditionalVaeFrom` and checks that
 * the label reaches both networks: for a fixed image the encoder's mean, and for a fixed z the
 * decoder's image, change with the label. Every failure names the likely mistake.
 */
export function checkConditioning(conditionOn: Conditioning): void {
  const check = 'checkConditioning';
  if (typeof conditionOn !== 'function') throw new AutograderError(check, `expected your conditioning function, got ${describe(conditionOn)}`);
  for (const mode of ['oneHot', 'embedding'] as const) checkMode(check, conditionOn, mode);

  // two calls (as for the encoder and the decoder) must not share layers
  const spec: ConditioningSpec = { mode: 'embedding', numClasses: 10, embeddingDim: 8 };
  const a = applyConditioning(check, conditionOn, spec, 1);
  const b = applyConditioning(check, conditionOn, spec, 1);
  const layersOf = (c: { features: tf.SymbolicTensor; labels: tf.SymbolicTensor; out: tf.SymbolicTensor }) =>
    tf.model({ inputs: [c.features, c.labels], outputs: c.out }).layers.filter((l) => l.getClassName() !== 'InputLayer');
  const first = layersOf(a);
  const second = layersOf(b);
  const shared = first.filter((l) => second.includes(l));
  if (shared.length > 0) {
    throw new AutograderError(
      check,
      `two calls (the encoder's and the decoder's) share the layer(s) ${shared.map((l) => `${l.getClassName()} '${l.name}'`).join(', ')}: create new layers inside the function on every call, so each network has its own label layers.`,
    );
  }

  // the label reaches both networks of the conditional VAE built around the conditioning
  for (const mode of ['oneHot', 'embedding'] as const) {
    let model;
    try {
      model = conditionalVaeFrom(conditionOn, { labelMode: mode, latentDim: 2, seed: 0 });
    } catch (err) {
      throw new AutograderError(check, `building the ${mode} conditional VAE with your conditioning failed: ${(err as Error).message}`);
    }
    const built = model;
    try {
      const labels = [1, 4, 7];
      const { mu, images } = tf.tidy(() => {
        const y = tf.tensor1d(labels, 'int32');
        const x = tf.tile(tf.randomUniform([1, 784], 0, 1, 'float32', 3), [labels.length, 1]) as tf.Tensor2D;
        const z = tf.tile(tf.tensor2d([[0.5, -0.8]]), [labels.length, 1]) as tf.Tensor2D;
        const m = built.encodeMean(x, y);
        const g = built.decode(z, y);
        return { mu: { shape: m.shape, v: Array.from(m.dataSync()) }, images: { shape: g.shape, v: Array.from(g.dataSync()) } };
      });
      if (mu.shape.join() !== '3,2' || images.shape.join() !== '3,784') {
        throw new AutograderError(
          check,
          `${mode} CVAE: 3 images gave means [${mu.shape.join(', ')}] and 3 codes gave images [${images.shape.join(', ')}], expected [3, 2] and [3, 784]`,
        );
      }
      const spread = (v: number[], d: number) => {
        let most = 0;
        for (let i = 1; i < labels.length; i++) for (let j = 0; j < d; j++) most = Math.max(most, Math.abs(v[i * d + j] - v[j]));
        return most;
      };
      if (spread(mu.v, 2) <= 1e-7) {
        throw new AutograderError(
          check,
          `${mode} CVAE: one image with the labels ${labels.join(', ')} gave the same mean each time: the label does not reach the encoder.`,
        );
      }
      if (spread(images.v, 784) <= 1e-7) {
        throw new AutograderError(
          check,
          `${mode} CVAE: one code z with the labels ${labels.join(', ')} gave the same image each time: the label does not reach the decoder.`,
        );
      }
    } finally {
      built.dispose();
    }
  }
  pass(
    check,
    "mode 'oneHot' appends the exact one-hot label (nothing trainable), mode 'embedding' row y of one 10 x 8 table from init.uniform(); in both CVAEs built with it the label changes the encoder's mean for a fixed image and the decoder's image for a fixed z.",
  );
}
