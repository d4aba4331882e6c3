/**
 * `npm run bench -- --eval`: options are checked, and a tiny run prints one JSON line per model and
 * path with the fields the docs quote, leaks no tensor and builds the course models it names.
 */
import * as tf from '@tensorflow/tfjs';
import { buildEvalModel, EVAL_MODEL_NAMES, parseEvalArgs, runEvalBench, type EvalResult } from '../src/tools/bench/bench-eval';

describe('parseEvalArgs', () => {
  test('defaults: the whole test set, every model and path, MAP on 1000 images x 20 steps', () => {
    const a = parseEvalArgs(['--eval']);
    expect(a).toMatchObject({ n: 10000, mapN: 1000, mapIters: 20, rounds: 1, json: false, cpuProfile: false });
    expect(a.models).toEqual(['dense_vae', 'conv_vae', 'conv_ae_5lsl0', 'conv_vae_5lsl0']);
    expect(a.paths).toEqual(['encode', 'decode', 'errors', 'nn', 'pca', 'map']);
    expect(a.batch).toBeUndefined();
  });

  test('--smoke shrinks what was not given; bad values are named', () => {
    expect(parseEvalArgs(['--smoke'])).toMatchObject({ n: 200, mapN: 20, mapIters: 2 });
    expect(parseEvalArgs(['--smoke', '--n', '50'])).toMatchObject({ n: 50, mapN: 20 });
    expect(() => parseEvalArgs(['--models', 'dense_vae,big_vae'])).toThrow(/--models big_vae is unknown/);
    expect(() => parseEvalArgs(['--paths', 'encode,fly'])).toThrow(/--paths fly is unknown/);
    expect(() => parseEvalArgs(['--n', '0'])).toThrow(/--n must be a positive integer, got '0'/);
    expect(() => parseEvalArgs(['--n', '20000'])).toThrow(/exceeds the 10000 MNIST test images/);
    expect(() => parseEvalArgs(['--frobnicate'])).toThrow(/unknown option '--frobnicate'/);
  });
});

test('the course models it builds have their notebooks latent sizes', () => {
  const latent = EVAL_MODEL_NAMES.map((name) => {
    const m = buildEvalModel(name);
    const d = m.latentDim;
    const kind = m.kind;
    m.dispose();
    return [name, kind, d];
  });
  expect(latent).toEqual([
    ['dense_vae', 'vae', 2],
    ['conv_vae', 'vae', 2],
    ['conv_ae_5lsl0', 'ae', 2],
    ['conv_vae_5lsl0', 'vae', 16],
  ]);
});

test('a tiny run prints one JSON line per path with counts, batch, threads and rates; no tensor leaks', async () => {
  const lines: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((s: unknown) => void lines.push(String(s)));
  let results: EvalResult[];
  const tensorsBefore = tf.memory().numTensors;
  try {
    results = await runEvalBench(['--eval', '--json', '--models', 'dense_vae', '--n', '30', '--map-n', '4', '--map-iters', '1', '--batch', '8']);
  } finally {
    log.mockRestore();
  }
  const parsed = lines.map((l) => JSON.parse(l) as EvalResult);
  expect(parsed).toEqual(results);
  expect(parsed.map((r) => `${r.model}/${r.path}`)).toEqual([
    'pixels/pca',
    'dense_vae/encode',
    'dense_vae/decode',
    'dense_vae/errors',
    'dense_vae/nn',
    'dense_vae/map',
  ]);
  for (const r of parsed) {
    expect(r.images).toBe(r.path === 'map' ? 4 : 30);
    expect(r.threads).toBeGreaterThanOrEqual(1);
    expect(r.images_per_s).toBeGreaterThan(0);
    expect(r.cpu_ms_per_1000).toBeGreaterThan(0);
    // CPU ms per 1,000 images and CPU images per second describe the same measurement
    expect(r.cpu_ms_per_1000 * r.cpu_images_per_s).toBeGreaterThan(0.9e6);
    expect(r.cpu_ms_per_1000 * r.cpu_images_per_s).toBeLessThan(1.1e6);
  }
  expect(parsed.filter((r) => r.path !== 'nn').every((r) => r.batch === 8)).toBe(true);
  expect(parsed.find((r) => r.path === 'map')?.iterations).toBe(1);
  expect(tf.memory().numTensors).toBe(tensorsBefore);
}, 120000);

test('--cpu-profile adds each path top functions, most first, with shares of the sampled time', async () => {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  let results: EvalResult[];
  try {
    results = await runEvalBench(['--eval', '--json', '--models', 'dense_vae', '--paths', 'decode', '--n', '200', '--batch', '100', '--cpu-profile']);
  } finally {
    log.mockRestore();
  }
  const decode = results.find((r) => r.path === 'decode');
  const profile = decode?.profile ?? [];
  expect(profile.length).toBeGreaterThan(0);
  expect(profile.length).toBeLessThanOrEqual(12);
  for (const p of profile) {
    expect(p.fn).toMatch(/\S/);
    expect(p.share).toBeGreaterThan(0);
    expect(p.share).toBeLessThanOrEqual(1);
  }
  expect(profile.map((p) => p.share)).toEqual([...profile.map((p) => p.share)].sort((a, b) => b - a));
  // Each share is a fraction of the sampled time rounded to 3 decimals (off by at most 0.0005), and the
  // unrounded shares of distinct functions add up to at most 1.
  expect(profile.reduce((sum, p) => sum + p.share, 0)).toBeLessThanOrEqual(1 + 0.0005 * profile.length + 1e-9);
}, 120000);
