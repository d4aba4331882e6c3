import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { applyNoise } from '../src/noise';
import { Rng } from '../src/rng';
import { NonFiniteLossError, train } from '../src/training';
import { recordingOutput, smallMnist, tinyAe, tinyClassifier, tinyVae } from './training-fixtures';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
});

describe('train', () => {
  test('a VAE learns: training loss goes down, history has every term for train and validation', async () => {
    const { train: data, test } = smallMnist();
    const model = tinyVae(1);
    const history = await train(model, { data, validationData: test, epochs: 3, batchSize: 64, learningRate: 3e-3, seed: 1, verbose: 0 });
    expect(history.epochs).toHaveLength(3);
    for (const m of history.epochs) {
      for (const v of [m.loss, m.reconstruction, m.kl, m.valLoss, m.valReconstruction, m.valKl]) expect(Number.isFinite(v)).toBe(true);
      expect(m.loss).toBeCloseTo((m.reconstruction as number) + (m.beta as number) * (m.kl as number), 2);
    }
    expect(history.epochs[2].loss).toBeLessThan(history.epochs[0].loss);
    expect(history.epochs[2].valLoss as number).toBeLessThan(history.epochs[0].valLoss as number);
    model.dispose();
  });

  test('KL annealing raises beta linearly over the warm-up epochs', async () => {
    const model = tinyVae(2);
    const history = await train(model, { data: smallMnist().train, epochs: 3, klWarmupEpochs: 2, beta: 0.5, seed: 2, verbose: 0 });
    expect(history.epochs.map((m) => m.beta)).toEqual([0, 0.25, 0.5]);
    model.dispose();
  });

  test('a classifier trains with cross-entropy and reports accuracy', async () => {
    const { train: data, test } = smallMnist();
    const net = tinyClassifier(3);
    const history = await train(net, { data, validationData: test, epochs: 3, batchSize: 32, learningRate: 3e-3, seed: 3, verbose: 0 });
    const [first, , last] = history.epochs;
    expect(history.kind).toBe('classifier');
    expect(last.loss).toBeLessThan(first.loss);
    expect(last.accuracy as number).toBeGreaterThan(0.5);
    expect(last.valAccuracy as number).toBeGreaterThan(0.3);
    net.dispose();
  });

  test('denoising: inputs get seeded noise, the loss is scored against the clean images', async () => {
    const { train: data, test } = smallMnist();
    const run = async (): Promise<number[]> => {
      const model = tinyAe(4);
      const h = await train(model, { data, validationData: test, epochs: 2, noise: { type: 'gaussian', std: 0.5 }, seed: 4, verbose: 0 });
      model.dispose();
      return h.epochs.map((m) => m.valLoss as number);
    };
    const clean = tinyAe(4);
    const h0 = await train(clean, { data, validationData: test, epochs: 2, seed: 4, verbose: 0 });
    clean.dispose();
    const noisy1 = await run();
    expect(await run()).toEqual(noisy1);
    // the same model and seed without noise scores differently: the noise reaches the inputs
    expect(noisy1).not.toEqual(h0.epochs.map((m) => m.valLoss));

    // Scored against the clean images: with the (deterministic) blur, the last validation loss is the
    // MSE between the trained model's output on the BLURRED validation images and the CLEAN ones.
    // (A strong 7x blur and 6 epochs, so that the model's output depends visibly on its input.)
    const model = tinyAe(4);
    const h = await train(model, {
      data,
      validationData: test,
      epochs: 6,
      batchSize: 32,
      learningRate: 1e-2,
      noise: { type: 'blur', factor: 7 },
      seed: 4,
      verbose: 0,
    });
    const blurred = applyNoise(test.images, { type: 'blur', factor: 7 }, new Rng(0));
    expect(Array.from(applyNoise(test.images, { type: 'blur', factor: 7 }, new Rng(99)))).toEqual(Array.from(blurred)); // no randomness
    const mseOf = (inputs: Float32Array, targets: Float32Array): number => {
      const x = tf.tensor2d(inputs, [test.count, 784]);
      const code = model.encodeMean(x);
      const out = model.decode(code);
      const y = out.dataSync();
      tf.dispose([x, code, out]);
      let s = 0;
      for (let i = 0; i < y.length; i++) s += (y[i] - targets[i]) ** 2;
      return s / y.length;
    };
    const valLoss = h.epochs[h.epochs.length - 1].valLoss as number;
    const againstClean = mseOf(blurred, test.images);
    // measured: 0.05844 (train, float32 sums over 100k pixels) vs 0.05844 here (double), 1.1e-4 apart
    // relative; blurred targets would give 0.020 and clean inputs 0.069
    expect(Math.abs(valLoss - againstClean)).toBeLessThan(5e-4 * againstClean);
    expect(Math.abs(valLoss - mseOf(blurred, blurred))).toBeGreaterThan(0.05 * againstClean);
    expect(Math.abs(valLoss - mseOf(test.images, test.images))).toBeGreaterThan(0.05 * againstClean);
    model.dispose();
  });

  test('explicit (input, target) pairs train a model to map one to the other', async () => {
    const data = smallMnist().train;
    const inputs = data.images.map((v) => 1 - v); // learn to invert
    const model = tinyAe(5);
    const h = await train(model, {
      data: { inputs, targets: data.images, count: data.count, rows: 28, cols: 28 },
      epochs: 2,
      seed: 5,
      verbose: 0,
    });
    expect(h.epochs[1].loss).toBeLessThan(h.epochs[0].loss);
    await expect(
      train(model, { data: { inputs, targets: data.images, count: data.count, rows: 28, cols: 28 }, epochs: 1, noise: { type: 'blur' }, verbose: 0 }),
    ).rejects.toThrow(/ImagePairs/);
    model.dispose();
  });

  test('no tensor leaks: the live tensor count is the same after each epoch and after training', async () => {
    const model = tinyVae(6);
    const { train: data, test } = smallMnist();
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await train(model, {
      data,
      validationData: test,
      epochs: 3,
      batchSize: 100,
      seed: 6,
      verbose: 0,
      onEpochEnd: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(counts[1]).toBe(counts[0]);
    expect(counts[2]).toBe(counts[0]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  test('a NaN loss stops training with an error naming epoch and batch, and keeps finite weights', async () => {
    const model = tinyAe(7);
    const data = smallMnist().train;
    let error: unknown;
    const tensorsBefore = tf.memory().numTensors;
    // An optimizer that turns one weight to NaN at its 5th step (the data itself is clean: NaN
    // pixels are refused before training starts, see below).
    const optimizer = tf.train.sgd(0.01);
    const apply = optimizer.applyGradients.bind(optimizer);
    let steps = 0;
    optimizer.applyGradients = (grads) => {
      apply(grads);
      if (++steps === 5) {
        const w = model.trainableWeights()[0] as tf.Variable;
        tf.tidy(() => w.assign(tf.fill(w.shape, NaN)));
      }
    };
    try {
      await train(model, { data, epochs: 2, batchSize: 64, syncEvery: 3, seed: 7, verbose: 0, optimizer });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const err = error as NonFiniteLossError;
    expect(err.epoch).toBe(1);
    expect(err.batch).toBeGreaterThanOrEqual(1);
    expect(err.batch).toBeLessThanOrEqual(8);
    expect(err.message).toMatch(new RegExp(`epoch 1, batch ${err.batch} of 8`));
    expect(err.history.epochs).toHaveLength(0);
    expect(err.batch).toBeGreaterThanOrEqual(5);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    for (const v of model.trainableWeights()) expect(Array.from(v.dataSync()).every(Number.isFinite)).toBe(true);
    // the kept weights are usable: training goes on with clean data
    const after = await train(model, { data, epochs: 1, batchSize: 64, seed: 7, verbose: 0 });
    expect(Number.isFinite(after.epochs[0].loss)).toBe(true);
    model.dispose();
  });

  test('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const model = tinyAe(9);
    const { train: data, test } = smallMnist();
    let snapshotAtBest: Float32Array | undefined;
    let epochSeen = 0;
    // a huge minDelta means no epoch after the first counts as an improvement
    const h = await train(model, {
      data,
      validationData: test,
      epochs: 10,
      seed: 9,
      verbose: 0,
      earlyStopping: { patience: 2, minDelta: 1e9 },
      onEpochEnd: ({ metrics }) => {
        epochSeen = metrics.epoch;
        if (metrics.epoch === 1) snapshotAtBest = model.trainableWeights()[0].dataSync().slice() as Float32Array;
      },
    });
    expect(h.epochs).toHaveLength(1 + 2);
    expect(epochSeen).toBe(3);
    expect(h.stoppedEarly).toBe(true);
    expect(h.bestEpoch).toBe(1);
    expect(h.restoredBestWeights).toBe(true);
    expect(model.trainableWeights()[0].dataSync()).toEqual(snapshotAtBest);
    model.dispose();
  });

  test('progress: one summary line per epoch outside a terminal, a redrawn bar in a terminal', async () => {
    const model = tinyAe(10);
    const plain = recordingOutput(false);
    await train(model, { data: smallMnist().train, epochs: 2, batchSize: 16, seed: 10, output: plain });
    const lines = plain.text().trimEnd().split('\n');
    expect(lines).toHaveLength(3); // header + one line per epoch
    expect(plain.text()).not.toContain('\r');
    expect(lines[1]).toMatch(/^epoch 1\/2 {2}loss \S+ .*img\/s {2}ETA \d+:\d\d$/); // time left for the other epochs
    expect(lines[2]).toMatch(/^epoch 2\/2 {2}loss \S+ .*img\/s$/);
    const tty = recordingOutput(true);
    await train(model, { data: smallMnist().train, epochs: 1, batchSize: 16, seed: 10, output: tty, syncEvery: 1 });
    expect(tty.text()).toContain('\r');
    expect(tty.text()).toMatch(/\[=+ *\] \d+\/512 +\d+ img\/s +ETA \d+:\d\d/);
    expect(tty.text().split('\n').length).toBeLessThanOrEqual(3);
    const silent = recordingOutput(false);
    await train(model, { data: smallMnist().train, epochs: 1, seed: 10, output: silent, verbose: 0 });
    expect(silent.text()).toBe('');
    model.dispose();
  });

  test('images outside [0, 1] are refused before training, naming the input range (not the learning rate)', async () => {
    const model = tinyAe(12);
    const data = smallMnist().train;
    const bytes = { ...data, images: data.images.map((v) => Math.round(v * 255)) };
    let error: unknown;
    try {
      await train(model, { data: bytes, epochs: 1, batchSize: 64, seed: 1, verbose: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    const msg = (error as Error).message;
    expect(msg).toMatch(/outside \[0, 1\]/);
    expect(msg).toContain('255');
    expect(msg).toMatch(/data/);
    expect(msg).not.toMatch(/learning rate/);
    // validation data and denoising pairs are checked too
    await expect(train(model, { data, validationData: bytes, epochs: 1, verbose: 0 })).rejects.toThrow(/validationData.*outside \[0, 1\]/);
    const pairs = { inputs: data.images, targets: bytes.images, count: data.count, rows: 28, cols: 28 };
    await expect(train(model, { data: pairs, epochs: 1, verbose: 0 })).rejects.toThrow(/targets.*outside \[0, 1\]/);
    model.dispose();
  });

  test('a NaN pixel is refused before training, naming the image and pixel', async () => {
    const model = tinyAe(13);
    const data = smallMnist().train;
    const images = data.images.slice();
    images[300 * 784 + 5] = NaN;
    const before = model.trainableWeights().map((w) => Array.from(w.dataSync()));
    await expect(train(model, { data: { ...data, images }, epochs: 1, verbose: 0 })).rejects.toThrow(/NaN.*image 300, pixel 5/);
    // nothing was trained
    expect(model.trainableWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
    model.dispose();
  });

  test('bad input gets a clear error', async () => {
    const model = tinyAe(11);
    const data = smallMnist().train;
    await expect(train(model, { data, epochs: 0 })).rejects.toThrow(/epochs must be an integer >= 1/);
    await expect(train(model, { data, epochs: 1, batchSize: 1.5 })).rejects.toThrow(/batchSize/);
    await expect(train(model, { data: { ...data, rows: 14, cols: 14 }, epochs: 1 })).rejects.toThrow(/14x14 images but model 'tiny-ae' expects 784/);
    await expect(train({} as never, { data, epochs: 1 })).rejects.toThrow(TypeError);
    model.dispose();
  });
});
