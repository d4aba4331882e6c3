import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { subsetDataset } from '../src/data';
import { denseVae } from '../src/models';
import type { AutoencoderModel } from '../src/models';
import { Rng } from '../src/rng';
import { cachedTrain, trainingCacheKey } from '../src/training';
import type { TrainOptions } from '../src/training';
import { recordingOutput, smallMnist } from './training-fixtures';

let cacheDir: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-cache-'));
});
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

const build = (seed = 1, hidden = 32): AutoencoderModel => denseVae({ hidden: [hidden], latentDim: 2, seed });
const data = () => subsetDataset(smallMnist().train, 256, new Rng(0));
const base = (): TrainOptions => ({ data: data(), validationData: smallMnist().test, epochs: 1, batchSize: 64, seed: 3, verbose: 0 });

describe('cachedTrain', () => {
  test('the same settings reuse the trained model; its predictions and history are the same', async () => {
    let epochsRun = 0;
    const options = { ...base(), onEpochEnd: () => void epochsRun++ };
    const first = await cachedTrain(() => build(), options, { cacheDir });
    expect(first.fromCache).toBe(false);
    expect(epochsRun).toBe(1);
    const out = recordingOutput();
    const second = await cachedTrain(() => build(), { ...options, verbose: 1, output: out }, { cacheDir });
    expect(second.fromCache).toBe(true);
    expect(epochsRun).toBe(1); // no training
    expect(second.dir).toBe(first.dir);
    expect(second.history).toEqual(JSON.parse(JSON.stringify(first.history)));
    expect(out.text()).toMatch(/reused dense-vae trained earlier/);
    const x = tf.tensor2d(smallMnist().test.images.slice(0, 8 * 784), [8, 784]);
    const a = first.model.encodeMean(x);
    const b = second.model.encodeMean(x);
    expect(b.dataSync()).toEqual(a.dataSync());
    tf.dispose([x, a, b]);
    first.model.dispose();
    second.model.dispose();
  });

  test('a changed setting trains anew', async () => {
    const changed = await cachedTrain(() => build(), { ...base(), learningRate: 2e-3 }, { cacheDir });
    expect(changed.fromCache).toBe(false);
    changed.model.dispose();
  });

  test('the key changes with every setting that changes the result, and only with those', () => {
    const model = build();
    const key = trainingCacheKey(model, base());
    expect(trainingCacheKey(model, base())).toBe(key);
    // progress and callbacks do not change the result
    expect(trainingCacheKey(model, { ...base(), verbose: 1, onEpochEnd: () => undefined, output: recordingOutput() })).toBe(key);
    const variants: TrainOptions[] = [
      { ...base(), epochs: 2 },
      { ...base(), batchSize: 32 },
      { ...base(), learningRate: 1e-2 },
      { ...base(), seed: 4 },
      { ...base(), loss: 'mse' },
      { ...base(), beta: 0.5 },
      { ...base(), klWarmupEpochs: 3 },
      { ...base(), betaSchedule: () => 0.25 },
      { ...base(), noise: { type: 'gaussian', std: 0.3 } },
      { ...base(), earlyStopping: { patience: 2 } },
      { ...base(), data: subsetDataset(smallMnist().train, 256, new Rng(1)) },
      { ...base(), validationData: undefined },
    ];
    const keys = new Set([key, ...variants.map((o) => trainingCacheKey(model, o))]);
    expect(keys.size).toBe(variants.length + 1);
    // the order of option keys does not matter
    expect(trainingCacheKey(model, { ...base(), noise: { type: 'gaussian', std: 0.3 } })).toBe(
      trainingCacheKey(model, { ...base(), noise: { std: 0.3, type: 'gaussian' } as never }),
    );
    // same data contents in another array object: same key
    const copy = data();
    expect(trainingCacheKey(model, { ...base(), data: { ...copy, images: copy.images.slice() } })).toBe(key);
    // another model config or initial weights
    const otherSeed = build(2);
    const wider = build(1, 48);
    expect(trainingCacheKey(otherSeed, base())).not.toBe(key);
    expect(trainingCacheKey(wider, base())).not.toBe(key);
    // another backend
    return (async () => {
      await initBackend({ backend: 'cpu', announce: false });
      try {
        expect(trainingCacheKey(model, base())).not.toBe(key);
      } finally {
        await initBackend({ backend: 'wasm', announce: false });
      }
      [model, otherSeed, wider].forEach((m) => m.dispose());
    })();
  });

  test('an explicit optimizer is refused before anything is trained or written', async () => {
    const before = fs.readdirSync(cacheDir).sort();
    let built = 0;
    let epochsRun = 0;
    const optimizer = tf.train.adam(1e-3);
    const options: TrainOptions = { ...base(), optimizer, onEpochEnd: () => void epochsRun++ };
    const tensors = tf.memory().numTensors;
    await expect(
      cachedTrain(
        () => {
          built++;
          return build(6);
        },
        options,
        { cacheDir },
      ),
    ).rejects.toThrow(/cachedTrain: an explicit `optimizer` cannot be part of a cache key; pass learningRate instead/);
    expect(epochsRun).toBe(0);
    expect(built).toBe(0); // refused before a model is built (a dropped model would leak its weights)
    expect(tf.memory().numTensors).toBe(tensors);
    expect(fs.readdirSync(cacheDir).sort()).toEqual(before);
    const model = build(6);
    expect(() => trainingCacheKey(model, options)).toThrow(TypeError);
    model.dispose();
    optimizer.dispose();
  });

  test('the key follows the labels and, for (input, target) pairs, the targets and the inputs; equal contents give the same key', () => {
    const model = build();
    const d = data();
    const key = trainingCacheKey(model, base());
    // labels: one label changed -> another key; a copy of the same labels -> the same key
    const relabelled = d.labels.slice();
    relabelled[7] = (relabelled[7] + 1) % 10;
    expect(trainingCacheKey(model, { ...base(), data: { ...d, labels: relabelled } })).not.toBe(key);
    expect(trainingCacheKey(model, { ...base(), data: { ...d, labels: d.labels.slice() } })).toBe(key);
    // validation labels count too
    const test = smallMnist().test;
    const testRelabelled = test.labels.slice();
    testRelabelled[0] = (testRelabelled[0] + 1) % 10;
    expect(trainingCacheKey(model, { ...base(), validationData: { ...test, labels: testRelabelled } })).not.toBe(key);

    // explicit pairs: inputs = a dimmed copy, targets = the images
    const pairs = (inputs: Float32Array, targets: Float32Array, labels?: Uint8Array): TrainOptions => ({
      ...base(),
      data: { inputs, targets, count: d.count, rows: 28, cols: 28, labels },
    });
    const inputs = d.images.map((v) => v * 0.5);
    const pairKey = trainingCacheKey(model, pairs(inputs, d.images));
    expect(pairKey).not.toBe(key);
    expect(trainingCacheKey(model, pairs(inputs.slice(), d.images.slice()))).toBe(pairKey); // nothing changed
    const targets = d.images.slice();
    targets[123] = 1 - targets[123];
    expect(trainingCacheKey(model, pairs(inputs, targets))).not.toBe(pairKey); // one target pixel
    const inputs2 = inputs.slice();
    inputs2[5] += 0.25;
    expect(trainingCacheKey(model, pairs(inputs2, d.images))).not.toBe(pairKey); // one input pixel
    // inputs and targets swapped are another training
    expect(trainingCacheKey(model, pairs(d.images, inputs))).not.toBe(pairKey);
    expect(trainingCacheKey(model, pairs(inputs, d.images, d.labels))).not.toBe(pairKey); // labels added
    model.dispose();
  });

  test('a damaged cache entry is trained again from a fresh model', async () => {
    const first = await cachedTrain(() => build(5), base(), { cacheDir });
    fs.truncateSync(path.join(first.dir, 'decoder.weights.bin'), 10);
    const out = recordingOutput();
    const again = await cachedTrain(() => build(5), { ...base(), verbose: 1, output: out }, { cacheDir });
    expect(again.fromCache).toBe(false);
    expect(out.text()).toMatch(
      /cache entry .* is corrupt \(.*decoder\.weights\.bin is truncated.*\); moved it aside to .*\.corrupt-.* and training again/,
    );
    expect(again.history.epochs.map((m) => m.loss)).toEqual(first.history.epochs.map((m) => m.loss));
    first.model.dispose();
    again.model.dispose();
  });
});
