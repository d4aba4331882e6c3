import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { conditionalVae, convAutoencoder5lsl0, convVae, denseAutoencoder, denseVae, encoderClassifier, pytorchReportVae } from '../src/models';
import type { AutoencoderModel } from '../src/models';
import { CheckpointError, checkpointIOHandler, loadCheckpoint, saveCheckpoint, train } from '../src/training';
import { smallMnist, tinyAe } from './training-fixtures';

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-ckpt-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const images = (n: number): tf.Tensor2D => tf.tensor2d(smallMnist().test.images.slice(0, n * 784), [n, 784]);

function predictions(model: AutoencoderModel, x: tf.Tensor2D): { z: Float32Array; y: Float32Array } {
  const labels =
    model.kind === 'cvae'
      ? tf.tensor1d(
          Array.from({ length: x.shape[0] }, (_, i) => i % 10),
          'int32',
        )
      : undefined;
  const z = model.encodeMean(x, labels);
  const y = model.decode(z, labels);
  labels?.dispose();
  const out = { z: z.dataSync() as Float32Array, y: y.dataSync() as Float32Array };
  tf.dispose([z, y]);
  return out;
}

const smallVae = (seed: number): AutoencoderModel => denseVae({ hidden: [32], latentDim: 2, seed });

describe('checkpoints', () => {
  test('round trip: the model rebuilt from the checkpoint gives identical predictions and history', async () => {
    const model = smallVae(1);
    const history = await train(model, { data: smallMnist().train, epochs: 1, seed: 1, verbose: 0 });
    const dir = path.join(root, 'vae');
    await saveCheckpoint(dir, model, history);
    expect(fs.readdirSync(dir).sort()).toEqual([
      'checkpoint.json',
      'decoder.json',
      'decoder.weights.bin',
      'encoder.json',
      'encoder.weights.bin',
      'history.json',
    ]);
    const loaded = await loadCheckpoint(dir);
    const x = images(16);
    expect(predictions(loaded.model as AutoencoderModel, x)).toEqual(predictions(model, x));
    expect(loaded.history).toEqual(JSON.parse(JSON.stringify(history)));
    expect(loaded.info.kind).toBe('vae');
    // loading into a model built with another seed overwrites every weight
    const other = smallVae(99);
    await loadCheckpoint(dir, other);
    expect(predictions(other, x)).toEqual(predictions(model, x));
    // or with a builder that receives the saved config
    const configs: unknown[] = [];
    const viaBuilder = await loadCheckpoint(dir, (config) => (configs.push(config), smallVae(42)));
    expect(configs).toEqual([JSON.parse(JSON.stringify((model as { config?: unknown }).config))]);
    expect(predictions(viaBuilder.model, x)).toEqual(predictions(model, x));
    tf.dispose(x);
    [model, other, loaded.model, viaBuilder.model].forEach((m) => m.dispose());
  });

  test('a hand-made model without config loads into a fresh instance; the IO handler works with tf.loadLayersModel', async () => {
    const model = tinyAe(1);
    const dir = path.join(root, 'tiny');
    await saveCheckpoint(dir, model);
    await expect(loadCheckpoint(dir)).rejects.toThrow(/no model config; pass the model/);
    const fresh = tinyAe(2);
    const { history } = await loadCheckpoint(dir, fresh);
    expect(history).toBeUndefined();
    const x = images(8);
    expect(predictions(fresh, x)).toEqual(predictions(model, x));
    const decoder = await tf.loadLayersModel(checkpointIOHandler(dir, 'decoder'));
    const z = model.encodeMean(x);
    const a = decoder.predict(z) as tf.Tensor;
    const b = model.decode(z);
    expect(a.dataSync()).toEqual(b.dataSync());
    tf.dispose([x, z, a, b]);
    [model, fresh, decoder].forEach((m) => m.dispose());
  });

  test('the encoder classifier round-trips too', async () => {
    const clf = encoderClassifier({ seed: 3 });
    clf.trainableWeights().forEach((v, i) => tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', i)))));
    const dir = path.join(root, 'clf');
    await saveCheckpoint(dir, clf);
    const loaded = await loadCheckpoint(dir);
    const x = images(4);
    const p1 = clf.predict(x);
    const p2 = (loaded.model as typeof clf).predict(x);
    expect(p2.dataSync()).toEqual(p1.dataSync());
    tf.dispose([x, p1, p2]);
    clf.dispose();
    loaded.model.dispose();
  });

  test('weights whose shapes do not match the config fail with a clear error', async () => {
    const model = denseAutoencoder({ encoderUnits: [32], latentDim: 4, seed: 1 });
    const dir = path.join(root, 'mismatch');
    await saveCheckpoint(dir, model);
    // a config edited after saving no longer describes the saved weights
    const infoFile = path.join(dir, 'checkpoint.json');
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
    info.config.encoderUnits = [16];
    fs.writeFileSync(infoFile, JSON.stringify(info));
    await expect(loadCheckpoint(dir)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /encoder weight 0 \('\S+'\) has shape \[784,32\] in the checkpoint but \[784,16\] in the model/,
    );
    // a model of another configuration
    const wider = denseAutoencoder({ encoderUnits: [64], latentDim: 4, seed: 1 });
    await expect(loadCheckpoint(path.join(root, 'vae'), wider)).rejects.toThrow(
      /does not match the model 'dense-ae' \(checkpoint vs model: kind vae vs ae/,
    );
    [model, wider].forEach((m) => m.dispose());
  });

  test('a truncated weights file gives a clear error', async () => {
    const model = denseAutoencoder({ encoderUnits: [32], latentDim: 4, seed: 2 });
    const dir = path.join(root, 'truncated');
    await saveCheckpoint(dir, model);
    const file = path.join(dir, 'decoder.weights.bin');
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size / 2));
    await expect(loadCheckpoint(dir, model)).rejects.toThrow(
      new RegExp(`decoder.weights.bin is truncated: ${Math.floor(size / 2)} bytes, but decoder.json lists 4 weights of ${size} bytes`),
    );
    const encoderJson = path.join(dir, 'encoder.json');
    const encoderJsonBytes = fs.statSync(encoderJson).size;
    fs.writeFileSync(encoderJson, '{"weightsMan');
    // checked against the size and SHA-256 recorded in checkpoint.json before it is parsed
    await expect(loadCheckpoint(dir, model)).rejects.toThrow(
      new RegExp(`encoder.json has 12 bytes but checkpoint.json recorded ${encoderJsonBytes}; the file changed after it was saved`),
    );
    model.dispose();
  });

  test('saves are atomic: a failed save keeps the old checkpoint, no temporary folders remain', async () => {
    const a = denseAutoencoder({ encoderUnits: [32], latentDim: 4, seed: 5 });
    const b = denseAutoencoder({ encoderUnits: [32], latentDim: 4, seed: 6 });
    const parent = path.join(root, 'atomic');
    const dir = path.join(parent, 'ckpt');
    await saveCheckpoint(dir, a);
    await saveCheckpoint(dir, b); // replaces
    expect(fs.readdirSync(parent)).toEqual(['ckpt']);
    const x = images(4);
    const probe = denseAutoencoder({ encoderUnits: [32], latentDim: 4, seed: 7 });
    await loadCheckpoint(dir, probe);
    expect(predictions(probe, x)).toEqual(predictions(b, x));
    // a save that fails half way (history cannot be serialised) leaves the previous checkpoint
    const bad = { epochs: [{ epoch: 1, loss: BigInt(1) }] } as never;
    await expect(saveCheckpoint(dir, a, bad)).rejects.toThrow();
    expect(fs.readdirSync(parent)).toEqual(['ckpt']);
    await loadCheckpoint(dir, probe);
    expect(predictions(probe, x)).toEqual(predictions(b, x));
    // a save killed between its two renames: the previous checkpoint is put back on load
    fs.renameSync(dir, path.join(parent, '.ckpt.old-123-abc'));
    await loadCheckpoint(dir, probe);
    expect(predictions(probe, x)).toEqual(predictions(b, x));
    // a folder that is not a checkpoint is never replaced
    const foreign = path.join(root, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'keep me');
    await expect(saveCheckpoint(foreign, a)).rejects.toThrow(/not a vaelab checkpoint; refusing/);
    expect(fs.readFileSync(path.join(foreign, 'notes.txt'), 'utf8')).toBe('keep me');
    await expect(loadCheckpoint(path.join(root, 'nothing-here'), a)).rejects.toThrow(/no checkpoint in .*checkpoint.json is missing/);
    tf.dispose(x);
    [a, b, probe].forEach((m) => m.dispose());
  });

  test.each<[string, () => AutoencoderModel]>([
    ['conv autoencoder 5LSL0', () => convAutoencoder5lsl0({ seed: 11 })],
    ['PyTorch-report VAE', () => pytorchReportVae({ seed: 12 })],
    ['conv VAE (logStd)', () => convVae({ seed: 13, parameterization: 'logStd' })],
    ['conditional VAE (one-hot)', () => conditionalVae({ seed: 14, labelMode: 'oneHot' })],
    ['conditional VAE (embedding)', () => conditionalVae({ seed: 15, labelMode: 'embedding' })],
  ])('%s: rebuilt from its checkpoint, predicts identically', async (name, build) => {
    const model = build();
    // move every weight away from the seeded initial values, so only loaded weights can match
    model.trainableWeights().forEach((v, i) => tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.05, 'float32', i)))));
    const dir = path.join(root, name.replace(/\W+/g, '-'));
    await saveCheckpoint(dir, model);
    const loaded = await loadCheckpoint(dir);
    const x = images(10);
    expect(predictions(loaded.model as AutoencoderModel, x)).toEqual(predictions(model, x));
    tf.dispose(x);
    model.dispose();
    loaded.model.dispose();
  });
});
