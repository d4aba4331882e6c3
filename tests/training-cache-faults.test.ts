/**
 * Fault handling of checkpoints and the training cache: damaged entries are detected (SHA-256 of
 * every file, finite weights), reported in one line, moved aside (never deleted) and trained again;
 * debris of killed saves and broken entries are cleaned up or repaired.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { subsetDataset } from '../src/data';
import { denseVae } from '../src/models';
import type { AutoencoderModel } from '../src/models';
import { Rng } from '../src/rng';
import { cachedTrain, loadCheckpoint, saveCheckpoint } from '../src/training';
import type { TrainOptions } from '../src/training';
import { recordingOutput, smallMnist } from './training-fixtures';

let root: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm', announce: false });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-cache-faults-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const build = (seed: number): AutoencoderModel => denseVae({ hidden: [32], latentDim: 2, seed });
const options = (): TrainOptions => ({ data: subsetDataset(smallMnist().train, 128, new Rng(0)), epochs: 1, batchSize: 64, seed: 3, verbose: 1 });
const freshCache = (name: string): string => {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  return dir;
};

/** Reconstructions of the first 8 test images. */
function reconstruct(model: AutoencoderModel): Float32Array {
  const x = tf.tensor2d(smallMnist().test.images.slice(0, 8 * 784), [8, 784]);
  const z = model.encodeMean(x);
  const y = model.decode(z);
  const out = y.dataSync() as Float32Array;
  tf.dispose([x, z, y]);
  return out;
}

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const aside = (cache: string, entry: string) => fs.readdirSync(cache).filter((n) => n.startsWith(`${path.basename(entry)}.corrupt-`));

describe('a damaged cache entry is never reused', () => {
  test('bytes overwritten with 0xFF (same size): reported in one line, moved aside, trained again with the right result', async () => {
    const cache = freshCache('ff');
    const first = await cachedTrain(() => build(1), { ...options(), verbose: 0 }, { cacheDir: cache });
    const expected = reconstruct(first.model);
    const weights = path.join(first.dir, 'encoder.weights.bin');
    const size = fs.statSync(weights).size;
    const fd = fs.openSync(weights, 'r+');
    fs.writeSync(fd, Buffer.alloc(2000, 0xff), 0, 2000, 0);
    fs.closeSync(fd);
    expect(fs.statSync(weights).size).toBe(size);
    const damaged = fs.readFileSync(weights);

    const out = recordingOutput();
    const again = await cachedTrain(() => build(1), { ...options(), output: out }, { cacheDir: cache });
    expect(again.fromCache).toBe(false);
    const lines = out.text().split('\n');
    const report = lines.filter((l) => /corrupt/i.test(l));
    expect(report).toHaveLength(1);
    expect(report[0]).toMatch(/encoder\.weights\.bin/);
    expect(report[0]).toMatch(/SHA-256/);
    expect(report[0]).toMatch(/moved it aside to .*\.corrupt-/);
    expect(out.text()).not.toMatch(/reused/);
    // the damaged entry is kept for inspection, byte for byte
    const moved = aside(cache, first.dir);
    expect(moved).toHaveLength(1);
    expect(fs.readFileSync(path.join(cache, moved[0], 'encoder.weights.bin')).equals(damaged)).toBe(true);
    // retrained from scratch: the same numbers as the first training, all finite
    const got = reconstruct(again.model);
    expect(got.every(Number.isFinite)).toBe(true);
    expect(got).toEqual(expected);
    // and the new entry is reused the next time
    const third = await cachedTrain(() => build(1), { ...options(), verbose: 0 }, { cacheDir: cache });
    expect(third.fromCache).toBe(true);
    expect(reconstruct(third.model)).toEqual(expected);
    [first, again, third].forEach((r) => r.model.dispose());
  });

  test('a change that keeps every weight finite is caught by the checksum too', async () => {
    const cache = freshCache('finite');
    const first = await cachedTrain(() => build(2), { ...options(), verbose: 0 }, { cacheDir: cache });
    const weights = path.join(first.dir, 'decoder.weights.bin');
    const bytes = fs.readFileSync(weights);
    const f = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    f[0] = f[0] + 0.5; // a plausible, finite weight
    fs.writeFileSync(weights, bytes);
    await expect(loadCheckpoint(first.dir, build(2))).rejects.toThrow(/decoder\.weights\.bin.*SHA-256/);
    const out = recordingOutput();
    const again = await cachedTrain(() => build(2), { ...options(), output: out }, { cacheDir: cache });
    expect(again.fromCache).toBe(false);
    expect(aside(cache, first.dir)).toHaveLength(1);
    [first, again].forEach((r) => r.model.dispose());
  });

  test('non-finite weights are rejected even when the checksum matches', async () => {
    const model = build(3);
    const dir = path.join(root, 'nan-ckpt');
    await saveCheckpoint(dir, model);
    const weights = path.join(dir, 'encoder.weights.bin');
    const bytes = fs.readFileSync(weights);
    new Float32Array(bytes.buffer, bytes.byteOffset, 4)[1] = NaN;
    fs.writeFileSync(weights, bytes);
    // make the manifest agree with the damaged file, as if it had been saved like that
    const infoFile = path.join(dir, 'checkpoint.json');
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { files: Record<string, { sha256: string }> };
    info.files['encoder.weights.bin'].sha256 = sha256(weights);
    fs.writeFileSync(infoFile, JSON.stringify(info));
    await expect(loadCheckpoint(dir, build(3))).rejects.toThrow(
      new RegExp(`encoder weight 0 .*not finite \\(NaN or Infinity in 1 of ${784 * 32} values\\)`),
    );
    model.dispose();
  });

  test('saving a model with non-finite weights is refused (it could never be loaded)', async () => {
    const model = build(4);
    tf.tidy(() => model.trainableWeights()[0].assign(tf.fill(model.trainableWeights()[0].shape, NaN)));
    await expect(saveCheckpoint(path.join(root, 'nan-save'), model)).rejects.toThrow(/not finite/);
    expect(fs.existsSync(path.join(root, 'nan-save'))).toBe(false);
    model.dispose();
  });

  test('an entry of the old format (no checksums) is unverifiable: trained again and replaced', async () => {
    const cache = freshCache('old-format');
    const first = await cachedTrain(() => build(5), { ...options(), verbose: 0 }, { cacheDir: cache });
    const infoFile = path.join(first.dir, 'checkpoint.json');
    const info = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as Record<string, unknown>;
    delete info.files;
    info.version = 1;
    fs.writeFileSync(infoFile, JSON.stringify(info));
    const out = recordingOutput();
    const again = await cachedTrain(() => build(5), { ...options(), output: out }, { cacheDir: cache });
    expect(again.fromCache).toBe(false);
    expect(out.text()).toMatch(/no checksums.*cannot be verified.*training again/);
    // replaced in place by an entry with checksums
    const replaced = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { files?: Record<string, { sha256: string }> };
    expect(replaced.files?.['encoder.weights.bin'].sha256).toBe(sha256(path.join(first.dir, 'encoder.weights.bin')));
    const third = await cachedTrain(() => build(5), { ...options(), verbose: 0 }, { cacheDir: cache });
    expect(third.fromCache).toBe(true);
    [first, again, third].forEach((r) => r.model.dispose());
  });
});

describe('debris of killed saves and broken entries', () => {
  test('temporary folders of saves whose process is gone (or that are very old) are removed; a live save is left alone', async () => {
    const cache = freshCache('debris');
    const dead = path.join(cache, `.dense-vae-0123456789abcdef0123.tmp-${deadPid()}-k1ll3d`);
    const live = path.join(cache, `.dense-vae-0123456789abcdef0123.tmp-${process.pid}-l1v3`);
    const ancient = path.join(cache, `.dense-vae-0123456789abcdef0123.tmp-${process.pid}-0ld`);
    for (const d of [dead, live, ancient]) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'encoder.weights.bin'), Buffer.alloc(64));
    }
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    fs.utimesSync(ancient, twoDaysAgo, twoDaysAgo);
    // a previous checkpoint set aside by a save killed after it put the new one in place: a leftover
    fs.mkdirSync(path.join(cache, 'dense-vae-0123456789abcdef0123'));
    fs.writeFileSync(path.join(cache, 'dense-vae-0123456789abcdef0123', 'checkpoint.json'), '{}');
    const oldCopy = path.join(cache, `.dense-vae-0123456789abcdef0123.old-${deadPid()}-x1-0`);
    // ... but when the checkpoint itself is missing, the set-aside copy is the only one: kept (a load puts it back)
    const onlyCopy = path.join(cache, `.dense-vae-ffffffffffffffffffff.old-${deadPid()}-x2-0`);
    for (const d of [oldCopy, onlyCopy]) {
      fs.mkdirSync(d);
      fs.writeFileSync(path.join(d, 'checkpoint.json'), '{}');
    }
    const run = await cachedTrain(() => build(6), { ...options(), verbose: 0 }, { cacheDir: cache });
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(ancient)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.existsSync(oldCopy)).toBe(false);
    expect(fs.existsSync(onlyCopy)).toBe(true);
    run.model.dispose();
  });

  test('an entry without checkpoint.json is moved aside and replaced once, then reused', async () => {
    const cache = freshCache('no-info');
    const first = await cachedTrain(() => build(7), { ...options(), verbose: 0 }, { cacheDir: cache });
    fs.rmSync(path.join(first.dir, 'checkpoint.json'));
    const out = recordingOutput();
    const again = await cachedTrain(() => build(7), { ...options(), output: out }, { cacheDir: cache });
    expect(again.fromCache).toBe(false);
    expect(out.text()).toMatch(/checkpoint\.json is missing.*moved it aside/);
    expect(out.text()).not.toMatch(/could not save/);
    expect(aside(cache, first.dir)).toHaveLength(1);
    const third = await cachedTrain(() => build(7), { ...options(), verbose: 0 }, { cacheDir: cache });
    expect(third.fromCache).toBe(true);
    [first, again, third].forEach((r) => r.model.dispose());
  });

  test("a folder at an entry path that is not vaelab's is left untouched", async () => {
    const cache = freshCache('foreign');
    const probe = await cachedTrain(() => build(8), { ...options(), verbose: 0 }, { cacheDir: cache });
    fs.rmSync(probe.dir, { recursive: true });
    fs.mkdirSync(probe.dir);
    fs.writeFileSync(path.join(probe.dir, 'notes.txt'), 'keep me');
    const out = recordingOutput();
    const again = await cachedTrain(() => build(8), { ...options(), output: out }, { cacheDir: cache });
    expect(again.fromCache).toBe(false);
    expect(fs.readdirSync(probe.dir)).toEqual(['notes.txt']);
    expect(fs.readFileSync(path.join(probe.dir, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(aside(cache, probe.dir)).toHaveLength(0);
    expect(out.text()).toMatch(/not a vaelab cache entry/);
    [probe, again].forEach((r) => r.model.dispose());
  });
});
