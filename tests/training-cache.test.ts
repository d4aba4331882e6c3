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

  test('a damaged cache entry is trained again from a fresh model', async () => {
    const first = await cachedTrain(() => build(5), base(), { cacheDir });
    fs.truncateSync(path.join(first.dir, 'decoder.weights.bin'), 10);
    const out = recordingOutput();
    const again = await cachedTrain(() => build(5), { ...base(), verbose: 1, output: out }, { cacheDir });
    expect(again.fromCache).toBe(false);
    expect(out.text()).toMatch(/cache entry .* is corrupt \(.*decoder\.weights\.bin is truncated.*\); moved it aside to .*\.corrupt-.* and training again/);
    expect(again.history.epochs.map((m) => m.loss)).toEqual(first.history.epochs.map((m) => m.loss));
    first.model.dispose();
    again.model.dispose();
  });
});
