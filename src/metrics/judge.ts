/**
 * A small MNIST classifier used as a judge of generated digits: its class probabilities give
 * Inception-Score-like numbers (confidence, entropy, class histogram) and its penultimate layer
 * gives the features of a Frechet distance (FID-like). It is trained once through the training
 * cache (`cachedTrain`), so every notebook and test on a machine reuses the same weights.
 */
import * as tf from '@tensorflow/tfjs';
import { checkFinite, checkInt, checkRange, flatImages, type ImagesInput } from '../util/validate';
import { loadMnist } from '../data/mnist';
import { SeededInitializers } from '../models/init';
import { checkSeed } from '../models/validate';
import { cachedTrain } from '../training/cache';
import type { ProgressOutput, TrainHistory } from '../training/types';
import type { DatasetSplits, ImageDataset } from '../types';
import { fitGaussian, frechetDistance, type FeatureMatrix, type GaussianFit } from './frechet';
import { probabilityScores, type ProbabilityScores } from './judge-scores';

/** Pixels of an MNIST image. */
const PIXELS = 784;
/** Classes of MNIST. */
const CLASSES = 10;
/** Images per forward pass when scoring. */
const SCORE_BATCH = 1000;

/** The resolved settings of a judge (plain JSON; part of its training-cache key). */
export interface MnistJudgeConfig {
  readonly type: 'mnistJudge';
  readonly name: string;
  /** Widths of the hidden ReLU layers; the last one is the feature layer. */
  readonly hidden: readonly number[];
  readonly seed: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
}

/** Options of {@link mnistJudge}. */
export interface MnistJudgeOptions {
  /**
   * MNIST train and test splits (default: `loadMnist()`, all 60,000 + 10,000 images). Pass the full
   * splits you loaded anyway to avoid loading twice; a training subset gives a weaker judge (cached
   * under another key), so do not pass a notebook's small `trainCount` subset.
   */
  readonly data?: DatasetSplits;
  /** Widths of the hidden ReLU layers (default [256, 64]); the last one is the feature layer. */
  readonly hidden?: readonly number[];
  /** Seed of the weights and the shuffling (default 0). */
  readonly seed?: number;
  /** Passes over the training images (default 3). */
  readonly epochs?: number;
  /** Mini-batch size (default 128). */
  readonly batchSize?: number;
  /** Adam learning rate (default 1e-3). */
  readonly learningRate?: number;
  /** Training-cache folder (default: the cache of `cachedTrain`, `$VAELAB_CACHE_DIR` or `out/cache`). */
  readonly cacheDir?: string;
  /** 1 (default): progress lines while training; 0: silent. */
  readonly verbose?: 0 | 1;
  /** Where progress goes (default process.stdout). */
  readonly output?: ProgressOutput;
}

/** Rows of numbers, flat: what the judge returns for a batch of images. */
export interface JudgeOutput extends FeatureMatrix {
  /** The values, row after row (`count * dims`). */
  readonly values: Float32Array;
  /** Number of rows (images). */
  readonly count: number;
}

/** A trained MNIST classifier that scores images: probabilities, penultimate-layer features. */
export interface MnistJudge {
  /** Always `classifier`. */
  readonly kind: 'classifier';
  /** Name (also the cache entry's prefix). */
  readonly name: string;
  /** Resolved settings. */
  readonly config: MnistJudgeConfig;
  /** Flat images `[n, 784]` in, class probabilities `[n, 10]` out. */
  readonly model: tf.LayersModel;
  /** Number of classes (10). */
  readonly numClasses: number;
  /** Length of a feature vector (the last hidden width). */
  readonly featureDim: number;
  /** Fraction of the test images classified correctly. */
  readonly testAccuracy: number;
  /** Number of test images `testAccuracy` was measured on. */
  readonly testCount: number;
  /** Training history (from the cache when reused). */
  readonly history: TrainHistory;
  /** True when the weights came from the training cache. */
  readonly fromCache: boolean;
  /** The cache entry's folder. */
  readonly cacheEntry: string;
  /** Class probabilities of images (`[n, 784]` in [0, 1]): `count` rows of 10. */
  probabilities(images: ImagesInput): JudgeOutput;
  /** Penultimate-layer (ReLU) features of images: `count` rows of `featureDim`, the input of FID. */
  features(images: ImagesInput): JudgeOutput;
  /** Frees the weights. */
  dispose(): void;
}

function resolveConfig(options: MnistJudgeOptions): MnistJudgeConfig {
  const where = 'mnistJudge';
  const hidden = options.hidden ?? [256, 64];
  if (!Array.isArray(hidden) || hidden.length === 0) {
    throw new RangeError(`${where}: hidden must be a non-empty list of layer widths, got ${JSON.stringify(hidden)}`);
  }
  hidden.forEach((h, i) => checkInt(where, `hidden[${i}]`, h));
  const config: MnistJudgeConfig = {
    type: 'mnistJudge',
    name: 'mnist-judge',
    hidden: [...hidden],
    seed: options.seed ?? 0,
    epochs: options.epochs ?? 3,
    batchSize: options.batchSize ?? 128,
    learningRate: options.learningRate ?? 1e-3,
  };
  checkSeed(where, config.seed);
  checkInt(where, 'epochs', config.epochs);
  checkInt(where, 'batchSize', config.batchSize);
  if (!(typeof config.learningRate === 'number' && config.learningRate > 0 && Number.isFinite(config.learningRate))) {
    throw new RangeError(`${where}: learningRate must be a finite number > 0, got ${config.learningRate}`);
  }
  return config;
}

/** The judge's network 784 -> hidden ReLU layers -> softmax(10), seeded (internal). */
function buildNetwork(config: MnistJudgeConfig): { kind: 'classifier'; name: string; model: tf.LayersModel; config: MnistJudgeConfig } {
  const init = new SeededInitializers(config.seed, 'mnistJudge');
  const x = tf.input({ shape: [PIXELS], name: 'judge_input' });
  let h: tf.SymbolicTensor = x;
  config.hidden.forEach((units, i) => {
    const last = i === config.hidden.length - 1;
    h = tf.layers
      .dense({ name: last ? 'judge_features' : `judge_hidden${i + 1}`, units, activation: 'relu', ...init.layer() })
      .apply(h) as tf.SymbolicTensor;
  });
  const probs = tf.layers.dense({ name: 'judge_softmax', units: CLASSES, activation: 'softmax', ...init.layer() }).apply(h) as tf.SymbolicTensor;
  return { kind: 'classifier', name: config.name, model: tf.model({ inputs: x, outputs: probs, name: config.name }), config };
}

function checkSplit(where: string, name: string, ds: ImageDataset | undefined): ImageDataset {
  if (ds == null || !(ds.images instanceof Float32Array) || !(ds.labels instanceof Uint8Array)) {
    throw new TypeError(`${where}: data.${name} must be an ImageDataset with images and labels (e.g. from loadMnist())`);
  }
  if (ds.rows * ds.cols !== PIXELS) throw new RangeError(`${where}: data.${name} has ${ds.rows}x${ds.cols} images, expected 28x28 (MNIST)`);
  if (ds.count < 1) throw new RangeError(`${where}: data.${name} holds no images`);
  return ds;
}

/** Runs `network` on images in batches and returns its output rows (inputs checked: [n, 784], finite, in [0, 1]). */
function runRows(where: string, network: tf.LayersModel, images: ImagesInput, dims: number): JudgeOutput {
  const flat = flatImages(where, images, PIXELS);
  checkFinite(where, 'images', flat.data);
  checkRange(where, 'images', flat.data, 0, 1);
  const values = new Float32Array(flat.count * dims);
  for (let start = 0; start < flat.count; start += SCORE_BATCH) {
    const end = Math.min(start + SCORE_BATCH, flat.count);
    const out = tf.tidy(() => {
      const x = tf.tensor2d(flat.data.subarray(start * PIXELS, end * PIXELS), [end - start, PIXELS]);
      return network.apply(x, { training: false }) as tf.Tensor2D;
    });
    values.set(out.dataSync() as Float32Array, start * dims);
    out.dispose();
  }
  return { values, dims, count: flat.count };
}

/**
 * A small MNIST classifier (dense 784-256-64-10 by default) to judge generated digits, trained
 * with Adam on the training images through `cachedTrain`: the first call on a machine trains it
 * (about half a minute on wasm), later calls with the same settings load it from the cache. Its
 * accuracy on the test images is measured each time (`testAccuracy`, about 0.97-0.98).
 *
 * @example
 * const judge = await mnistJudge({ data: mnist });
 * const real = judgeScores(judge, mnist.test);            // the reference row
 * const vae = judgeScores(judge, samples.images, { reference: judgeReference(judge, mnist.test) });
 */
export async function mnistJudge(options: MnistJudgeOptions = {}): Promise<MnistJudge> {
  const where = 'mnistJudge';
  const config = resolveConfig(options);
  const data = options.data ?? loadMnist();
  const train = checkSplit(where, 'train', data?.train);
  const test = checkSplit(where, 'test', data?.test);
  const trained = await cachedTrain(
    () => buildNetwork(config),
    {
      data: train,
      epochs: config.epochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      seed: config.seed,
      verbose: options.verbose ?? 1,
      output: options.output,
    },
    { cacheDir: options.cacheDir },
  );
  const model = trained.model.model;
  const featureDim = config.hidden[config.hidden.length - 1];
  const featureModel = tf.model({
    inputs: model.inputs,
    outputs: model.getLayer('judge_features').output as tf.SymbolicTensor,
    name: `${config.name}-features`,
  });
  const testProbs = runRows(where, model, test.images.subarray(0, test.count * PIXELS), CLASSES);
  let correct = 0;
  for (let i = 0; i < test.count; i++) {
    let best = 0;
    for (let k = 1; k < CLASSES; k++) if (testProbs.values[i * CLASSES + k] > testProbs.values[i * CLASSES + best]) best = k;
    if (best === test.labels[i]) correct++;
  }
  return {
    kind: 'classifier',
    name: config.name,
    config,
    model,
    numClasses: CLASSES,
    featureDim,
    testAccuracy: correct / test.count,
    testCount: test.count,
    history: trained.history,
    fromCache: trained.fromCache,
    cacheEntry: trained.dir,
    probabilities: (images) => runRows(`${config.name}.probabilities`, model, images, CLASSES),
    features: (images) => runRows(`${config.name}.features`, featureModel, images, featureDim),
    dispose(): void {
      // the feature model shares the classifier's layers: disposing the classifier frees every weight
      model.dispose();
    },
  };
}

/** Options of {@link judgeScores}. */
export interface JudgeScoreOptions {
  /** Gaussian of reference features (e.g. `fitGaussian(judge.features(testImages))`): adds `frechet`. */
  readonly reference?: GaussianFit;
}

/** {@link ProbabilityScores} of a set of images, with their FID-like distance to a reference when one is given. */
export interface JudgeScores extends ProbabilityScores {
  /** Frechet distance of the images' judge features to `reference` (absent without a reference). */
  readonly frechet?: number;
}

/**
 * How a judge sees a set of images: mean confidence (max probability), mean entropy, the
 * Inception-Score-like exp(E[KL(p(y|x) || p(y))]), the class histogram (mode collapse shows as
 * a few classes taking most images) and, with a `reference` fit, the Frechet distance of the
 * judge's features (FID-like; lower is closer to the reference). Score real test images the same
 * way to get the reference row; a Frechet distance needs at least 2 images.
 */
export function judgeScores(judge: MnistJudge, images: ImagesInput, options: JudgeScoreOptions = {}): JudgeScores {
  if (judge == null || typeof judge.probabilities !== 'function' || typeof judge.features !== 'function') {
    throw new TypeError('judgeScores: judge must be an MnistJudge (from `await mnistJudge()`)');
  }
  const scores = probabilityScores(judge.probabilities(images));
  if (options.reference === undefined) return scores;
  if (scores.count < 2) throw new RangeError(`judgeScores: a Frechet distance needs at least 2 images, got ${scores.count}`);
  return { ...scores, frechet: frechetDistance(judge.features(images), options.reference).distance };
}

/** The Gaussian of a judge's features on images, to pass as `reference` to {@link judgeScores} (fit once, reuse). */
export function judgeReference(judge: MnistJudge, images: ImagesInput): GaussianFit {
  if (judge == null || typeof judge.features !== 'function')
    throw new TypeError('judgeReference: judge must be an MnistJudge (from `await mnistJudge()`)');
  return fitGaussian(judge.features(images));
}
