/**
 * The one training loop of vaelab: every autoencoder kind (plain, variational, conditional,
 * denoising) and the encoder classifier train through `train`, with a custom train step,
 * seeded shuffling and epsilon, validation and history per epoch, early stopping, progress
 * output, and a stop with the last good weights when the loss stops being finite.
 */
import * as tf from '@tensorflow/tfjs';
import { batchIndices } from '../data';
import { klAnnealing } from '../losses';
import type { ReconstructionLossName } from '../losses';
import type { NoiseSpec } from '../noise';
import { Rng } from '../rng';
import { disposeBatch, makeBatch, toDataSource } from './batches';
import type { DataSource } from './batches';
import { NonFiniteLossError } from './errors';
import { createAdam } from './optimizer';
import { TrainingProgress } from './progress';
import { disposeWeights, restoreWeights, snapshotWeights } from './snapshot';
import { toTrainee } from './trainee';
import { checkUserVaeOptions } from './user-vae';
import { checkInt } from '../util/validate';
import type { LossSettings, LossTerms, TermName, Trainee } from './trainee';
import type { EpochMetrics, TrainHistory, TrainOptions, TrainableModel, TrainingData } from './types';

const DEFAULT_BATCH_SIZE = 128;
const DEFAULT_LEARNING_RATE = 1e-3;
const DEFAULT_SYNC_EVERY = 10;
const MIN_VALIDATION_BATCH = 256;

function termVector(terms: LossTerms, names: readonly TermName[]): tf.Tensor1D {
  return tf.stack(names.map((n) => terms[n] as tf.Scalar)) as tf.Tensor1D;
}

/** Beta of 0-based `epoch` from the options (VAEs). */
function betaOf(options: TrainOptions, epoch: number): number {
  const beta = options.betaSchedule
    ? options.betaSchedule(epoch)
    : klAnnealing({ epoch, warmupEpochs: options.klWarmupEpochs ?? 0, betaMax: options.beta ?? 1 });
  if (!Number.isFinite(beta) || beta < 0) throw new RangeError(`train: beta of epoch ${epoch + 1} must be a finite number >= 0, got ${beta}`);
  return beta;
}

/** Mean of each term over a whole data source, without weight updates (one sync). */
function evaluate(
  trainee: Trainee,
  src: DataSource,
  settings: LossSettings,
  batchSize: number,
  seed: number,
  options: Pick<TrainOptions, 'noise'>,
): Float64Array {
  // Fresh generators with fixed seeds: the validation noise and epsilon are the same every epoch.
  const rand = { noise: options.noise, noiseRng: new Rng(`${seed}/validation-noise`), epsRng: new Rng(`${seed}/validation-epsilon`) };
  let sum: tf.Tensor1D | undefined;
  for (const idx of batchIndices(src.count, batchSize)) {
    const batch = makeBatch(src, idx, trainee, rand);
    try {
      const next = tf.tidy(() => {
        const v = tf.mul(termVector(trainee.forward(batch, settings, false), trainee.terms), idx.length) as tf.Tensor1D;
        return sum ? (tf.add(sum, v) as tf.Tensor1D) : v;
      });
      sum?.dispose();
      sum = next;
    } finally {
      disposeBatch(batch);
    }
  }
  const values = (sum as tf.Tensor1D).dataSync();
  sum?.dispose();
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] / src.count;
  return out;
}

/** Options of {@link evaluateModel}: the scoring settings of {@link TrainOptions}. */
export interface EvaluateOptions {
  /** Images to score (a dataset, or explicit (input, target) pairs). */
  readonly data: TrainingData;
  /** Images per forward pass (default 256). */
  readonly batchSize?: number;
  /** Reconstruction term (default as in `train`: `mse` for plain autoencoders, `bce` for VAEs). */
  readonly loss?: ReconstructionLossName;
  /** KL weight of a VAE (default 1). */
  readonly beta?: number;
  /** Corrupt the inputs with this noise and score against the clean images. */
  readonly noise?: NoiseSpec;
  /** Seed of the noise and of the VAE's epsilon (default 0). */
  readonly seed?: number;
}

/** Mean losses of a model over some data, as `train` reports them (no weight updates). */
export interface LossSummary {
  /** Total loss (reconstruction + beta * KL; cross-entropy for a classifier). */
  readonly loss: number;
  /** Reconstruction term (autoencoders). */
  readonly reconstruction?: number;
  /** KL term before beta (VAEs). */
  readonly kl?: number;
  /** Accuracy (classifiers). */
  readonly accuracy?: number;
}

/**
 * Scores `model` on `options.data` with the same losses `train` uses (a VAE's sample uses a
 * seeded epsilon), without changing any weight.
 */
export function evaluateModel(model: TrainableModel, options: EvaluateOptions): LossSummary {
  const where = 'evaluateModel';
  if (options == null || typeof options !== 'object') throw new TypeError(`${where}: options must be an object with at least { data }`);
  const trainee = toTrainee(model, where);
  const batchSize = options.batchSize ?? MIN_VALIDATION_BATCH;
  checkInt(where, 'batchSize', batchSize);
  const src = toDataSource(options.data, trainee, 'data', options.noise, where);
  const beta = options.beta ?? 1;
  if (!Number.isFinite(beta) || beta < 0) throw new RangeError(`evaluateModel: beta must be a finite number >= 0, got ${beta}`);
  const settings: LossSettings = { loss: options.loss ?? (trainee.kind === 'ae' ? 'mse' : 'bce'), beta };
  const v = evaluate(trainee, src, settings, batchSize, options.seed ?? 0, options);
  const out: Record<string, number> = {};
  trainee.terms.forEach((t, i) => (out[t === 'total' ? 'loss' : t] = v[i]));
  return out as unknown as LossSummary;
}

function metricsOf(
  trainee: Trainee,
  epoch: number,
  train: Float64Array,
  val: Float64Array | undefined,
  beta: number,
  seconds: number,
  imagesPerSecond: number,
): EpochMetrics {
  const at = (v: Float64Array | undefined, n: TermName): number | undefined => {
    const i = trainee.terms.indexOf(n);
    return v && i >= 0 ? v[i] : undefined;
  };
  const m: { -readonly [K in keyof EpochMetrics]: EpochMetrics[K] } = {
    epoch,
    loss: train[0],
    seconds,
    imagesPerSecond,
  };
  const put = (key: keyof EpochMetrics, value: number | undefined): void => {
    if (value !== undefined) (m as Record<string, number>)[key] = value;
  };
  put('reconstruction', at(train, 'reconstruction'));
  put('kl', at(train, 'kl'));
  put('accuracy', at(train, 'accuracy'));
  put('valLoss', at(val, 'total'));
  put('valReconstruction', at(val, 'reconstruction'));
  put('valKl', at(val, 'kl'));
  put('valAccuracy', at(val, 'accuracy'));
  if (trainee.kind === 'vae' || trainee.kind === 'cvae') m.beta = beta;
  return m;
}

/**
 * Trains `model` in place and returns its history, one entry per epoch (training and validation
 * loss, reconstruction and KL terms, accuracy for classifiers). Seeded: the same seed on the same
 * backend gives the same history. Throws a `NonFiniteLossError` (naming epoch and batch)
 * when a loss becomes NaN or infinite, after putting back the last weights with a finite loss.
 *
 * @example
 * const history = await train(denseVae({ latentDim: 2, seed: 1 }), { data: mnist.train, validationData: mnist.test, epochs: 10 });
 */
export async function train(model: TrainableModel, options: TrainOptions): Promise<TrainHistory> {
  if (options == null || typeof options !== 'object') throw new TypeError('train: options must be an object with at least { data, epochs }');
  const trainee = toTrainee(model);
  const epochs = options.epochs;
  checkInt('train', 'epochs', epochs);
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  checkInt('train', 'batchSize', batchSize);
  const syncEvery = options.syncEvery ?? DEFAULT_SYNC_EVERY;
  checkInt('train', 'syncEvery', syncEvery);
  const learningRate = options.learningRate ?? DEFAULT_LEARNING_RATE;
  if (!Number.isFinite(learningRate) || learningRate <= 0) throw new RangeError(`train: learningRate must be a number > 0, got ${learningRate}`);
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new RangeError(`train: seed must be a finite number, got ${seed}`);
  const es = options.earlyStopping;
  if (es) {
    checkInt('train', 'earlyStopping.patience', es.patience);
    if (es.minDelta !== undefined && !(es.minDelta >= 0)) throw new RangeError(`train: earlyStopping.minDelta must be >= 0, got ${es.minDelta}`);
    if (es.monitor === 'valLoss' && !options.validationData)
      throw new TypeError('train: earlyStopping.monitor is valLoss but no validationData was given');
  }
  const lossName = options.loss ?? (trainee.kind === 'ae' ? 'mse' : 'bce');
  checkUserVaeOptions('train', trainee.kind, options);
  const user = options.reparameterize || options.vaeLoss ? { reparameterize: options.reparameterize, vaeLoss: options.vaeLoss } : undefined;
  const src = toDataSource(options.data, trainee, 'data', options.noise);
  const val = options.validationData ? toDataSource(options.validationData, trainee, 'validationData', options.noise) : undefined;
  const vars = trainee.variables();
  if (vars.length === 0) throw new TypeError(`train: model '${trainee.name}' has no trainable weights`);

  const rng = new Rng(seed);
  const shuffleRng = rng.fork('shuffle');
  const rand = { noise: options.noise, noiseRng: rng.fork('noise'), epsRng: rng.fork('epsilon') };
  const optimizer = options.optimizer ?? createAdam(learningRate);
  const monitorVal = es ? (es.monitor ?? (val ? 'valLoss' : 'loss')) === 'valLoss' : val !== undefined;
  const restoreBest = es ? (es.restoreBestWeights ?? true) : false;
  const history: TrainHistory = { modelName: trainee.name, kind: trainee.kind, epochs: [], stoppedEarly: false, restoredBestWeights: false };
  const progress = new TrainingProgress({
    output: options.output ?? process.stdout,
    verbose: options.verbose ?? 1,
    epochs,
    imagesPerEpoch: src.count,
  });
  progress.start(
    `train ${trainee.name} (${trainee.kind}): ${src.count} images${val ? `, validation ${val.count}` : ''}, ` +
      `${epochs} epochs, batch ${batchSize}, lr ${learningRate}, backend ${tf.getBackend()}`,
  );

  let good: tf.Tensor[] | undefined = snapshotWeights(vars); // last weights whose loss was read finite
  let pending: tf.Tensor[] | undefined;
  let best: tf.Tensor[] | undefined;
  let bestValue = Infinity;
  let waited = 0;
  let window: tf.Tensor1D[] = []; // per-batch loss terms not read yet
  const nTerms = trainee.terms.length;
  try {
    for (let e = 0; e < epochs; e++) {
      const beta = betaOf(options, e);
      const settings: LossSettings = { loss: lossName, beta, ...(user ? { user } : {}) };
      progress.startEpoch(e + 1);
      const t0 = Date.now();
      const batches = batchIndices(src.count, batchSize, shuffleRng);
      const sums = new Float64Array(nTerms);
      let seen = 0;
      let done = 0;
      let windowSizes: number[] = [];
      let windowFirst = 0;
      for (let b = 0; b < batches.length; b++) {
        const idx = batches[b];
        const flush = (b + 1) % syncEvery === 0 || b === batches.length - 1;
        const batch = makeBatch(src, idx, trainee, rand);
        let step: { vec: tf.Tensor1D; grads: tf.NamedTensorMap; value: tf.Scalar };
        try {
          step = tf.tidy(() => {
            let vec: tf.Tensor1D | undefined;
            const { value, grads } = optimizer.computeGradients(() => {
              const terms = trainee.forward(batch, settings, true);
              vec = tf.keep(termVector(terms, trainee.terms));
              return terms.total;
            }, vars);
            return { vec: vec as tf.Tensor1D, grads, value };
          });
        } finally {
          disposeBatch(batch);
        }
        if (flush) pending = snapshotWeights(vars); // the weights this batch's loss was computed with
        optimizer.applyGradients(step.grads);
        tf.dispose(step.grads);
        step.value.dispose();
        window.push(step.vec);
        windowSizes.push(idx.length);
        done += idx.length;
        if (!flush) {
          progress.update(done, seen > 0 ? sums[0] / seen : undefined);
          continue;
        }
        const stacked = tf.stack(window);
        const values = stacked.dataSync();
        stacked.dispose();
        tf.dispose(window);
        window = [];
        for (let k = 0; k < windowSizes.length; k++) {
          for (let t = 0; t < nTerms; t++) {
            const v = values[k * nTerms + t];
            if (t === 0 && !Number.isFinite(v)) {
              restoreWeights(vars, good as tf.Tensor[]);
              const badBatch = windowFirst + k + 1;
              throw new NonFiniteLossError(
                `train: the loss of model '${trainee.name}' became ${v} at epoch ${e + 1}, batch ${badBatch} of ${batches.length}. ` +
                  'Training stopped; the model keeps the last weights whose loss was read as finite ' +
                  `(${windowFirst > 0 ? `those batch ${windowFirst} of epoch ${e + 1} ran with` : e > 0 ? `those the last batch of epoch ${e} ran with` : 'the initial weights'}). ` +
                  'Try a smaller learning rate, or check the data for NaN values' +
                  (user
                    ? `, or your ${[options.reparameterize ? '`reparameterize`' : '', options.vaeLoss ? '`vaeLoss`' : ''].filter(Boolean).join(' and ')} option (e.g. exp or log of a large or zero value).`
                    : '.'),
                e + 1,
                badBatch,
                v,
                history,
              );
            }
            sums[t] += v * windowSizes[k];
          }
          seen += windowSizes[k];
        }
        disposeWeights(good);
        good = pending;
        pending = undefined;
        window = [];
        windowSizes = [];
        windowFirst = b + 1;
        progress.update(done, sums[0] / seen);
        await tf.nextFrame(); // let output and other callbacks through between windows
      }
      const trainSeconds = (Date.now() - t0) / 1000;
      const trainMeans = sums.map((s) => s / seen);
      const valMeans = val ? evaluate(trainee, val, settings, Math.max(batchSize, MIN_VALIDATION_BATCH), seed, options) : undefined;
      const seconds = (Date.now() - t0) / 1000;
      const metrics = metricsOf(trainee, e + 1, trainMeans, valMeans, beta, seconds, trainSeconds > 0 ? src.count / trainSeconds : 0);
      history.epochs.push(metrics);
      progress.endEpoch(metrics);

      const monitored = monitorVal ? (metrics.valLoss as number) : metrics.loss;
      if (monitored < bestValue - (es?.minDelta ?? 0)) {
        bestValue = monitored;
        history.bestEpoch = e + 1;
        waited = 0;
        if (restoreBest) {
          disposeWeights(best);
          best = snapshotWeights(vars);
        }
      } else {
        waited++;
      }
      if (options.onEpochEnd) await options.onEpochEnd({ metrics, history, model });
      if (es && waited >= es.patience && e < epochs - 1) {
        history.stoppedEarly = true;
        progress.message(
          `early stopping after epoch ${e + 1}: no ${monitorVal ? 'validation ' : ''}loss improvement for ${waited} epochs (best: epoch ${history.bestEpoch})`,
        );
        break;
      }
    }
    const last = history.epochs[history.epochs.length - 1];
    if (restoreBest && best && history.bestEpoch !== undefined && last && history.bestEpoch !== last.epoch) {
      restoreWeights(vars, best);
      history.restoredBestWeights = true;
      progress.message(`restored the weights of epoch ${history.bestEpoch}`);
    }
    return history;
  } finally {
    tf.dispose(window);
    disposeWeights(good);
    disposeWeights(pending);
    disposeWeights(best);
    if (!options.optimizer) optimizer.dispose();
  }
}
