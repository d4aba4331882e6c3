/**
 * wasm's multi-threaded build: on by default (one thread per core, `VAELAB_WASM_THREADS=1` opts
 * out), the same numbers as one thread, a one-line warning and one thread when threads cannot
 * start, and worker scripts that do not pile up in the temp dir.
 *
 * wasm starts once per process, so the default, the fallback and 1-vs-2-thread runs are checked in
 * child processes of the compiled helpers (dist/: run `npm run build` first). Jest itself runs wasm
 * single-threaded (tests/jest-global-setup.js); these tests ask for threads explicitly.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, wasmThreadCount, WASM_THREADS_ENV } from '../src/backend';
import { defaultWasmThreads } from '../src/backend/thread-policy';
import { adamThreadsEnabled, setAdamThreads, wasmGemmOf, wasmWorkerScriptDir } from '../src/engine';
import { createAdam } from '../src/training/optimizer';

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

beforeAll(() => {
  if (!fs.existsSync(path.join(DIST, 'engine', 'wasm-threads.js'))) throw new Error('dist/ is missing: run "npm run build" first');
});

/** This process's environment without VAELAB_WASM_THREADS, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!(WASM_THREADS_ENV in extra)) delete env[WASM_THREADS_ENV];
  return env;
}

/** Starts the default backend in a fresh Node, multiplies two small matrices, and reports. */
function startInChild(extra: Record<string, string>): { threads: number; product: number[]; stdout: string; stderr: string } {
  const script = `
    const b = require(${JSON.stringify(path.join(DIST, 'backend'))});
    const tf = require('@tensorflow/tfjs');
    b.initBackend({ backend: 'wasm' }).then(() => {
      const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]])).dataSync();
      console.log('RESULT ' + JSON.stringify({ threads: b.wasmThreadCount(), product: Array.from(y) }));
    });`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, env: envWith(extra), encoding: 'utf8', timeout: 60000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error(`child failed (status ${r.status}): ${r.stderr}`);
  return { ...(JSON.parse(line.slice(7)) as { threads: number; product: number[] }), stdout: r.stdout, stderr: r.stderr };
}

test('without VAELAB_WASM_THREADS wasm starts with one thread per core (capped), and the notice says so', () => {
  const r = startInChild({});
  expect(r.threads).toBe(defaultWasmThreads());
  expect(r.product).toEqual([17, 39]);
  expect(r.stdout).toContain(`backend "wasm" (${r.threads} thread${r.threads === 1 ? '' : 's'}; native tfjs-node not available)`);
  expect(r.stderr).not.toMatch(/could not start/);
});

test('VAELAB_WASM_THREADS=1 opts out: one thread', () => {
  expect(startInChild({ [WASM_THREADS_ENV]: '1' })).toMatchObject({ threads: 1, product: [17, 39] });
});

test('when the threads cannot start, wasm runs single-threaded after a one-line warning', () => {
  // A temp dir that cannot hold the worker scripts (a path below a regular file).
  const r = startInChild({ [WASM_THREADS_ENV]: '2', TMPDIR: path.join(__filename, 'not-a-dir') });
  expect(r).toMatchObject({ threads: 1, product: [17, 39] });
  const warnings = r.stderr.split('\n').filter((l) => l.includes('vaelab: wasm threads could not start'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/ENOTDIR.*; running single-threaded\.$/);
});

test('the bench models train to the same final loss with 1 and 2 threads', () => {
  const bench = (threads: number) => {
    const r = spawnSync(
      process.execPath,
      [path.join(DIST, 'tools', 'cli', 'bench.js'), '--smoke', '--json', '--map-iters', '1', '--threads', String(threads)],
      {
        cwd: ROOT,
        env: envWith({}),
        encoding: 'utf8',
        timeout: 120000,
      },
    );
    if (r.status !== 0) throw new Error(`bench failed: ${r.stderr}`);
    return r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { model: string; threads: number; final_loss: number });
  };
  const one = bench(1);
  const two = bench(2);
  expect(one.map((r) => r.threads)).toEqual([1, 1, 1]);
  expect(two.map((r) => r.threads)).toEqual([2, 2, 2]);
  expect(two.map((r) => [r.model, r.final_loss])).toEqual(one.map((r) => [r.model, r.final_loss]));
  for (const r of one) expect(Number.isFinite(r.final_loss)).toBe(true);
});

test('the worker scripts live in one private folder, named by content, and do not pile up', () => {
  const dir = wasmWorkerScriptDir();
  const scripts = (): string[] =>
    fs
      .readdirSync(dir)
      .filter((f) => !f.startsWith('.'))
      .sort();
  startInChild({ [WASM_THREADS_ENV]: '2' });
  const first = scripts();
  expect(first).toHaveLength(2);
  expect(first[0]).toMatch(/^tfjs-backend-wasm-threaded-simd-[0-9a-f]{16}\.js$/);
  expect(first[1]).toMatch(/^tfjs-backend-wasm-threaded-simd\.worker-[0-9a-f]{16}\.js$/);
  startInChild({ [WASM_THREADS_ENV]: '2' });
  expect(scripts()).toEqual(first);
  expect(fs.statSync(dir).mode & 0o077).toBe(0);
});

test('wasm with 2 threads in this process: products, conv2d forward and gradients (split over the helper thread) equal the cpu backend', async () => {
  expect(await initBackend({ backend: 'wasm', wasmThreads: 2, announce: false })).toBe('wasm');
  expect(wasmThreadCount()).toBe(2);
  // Large enough to be split over the helper thread (GEMM_SPLIT_MIN_MACS), with odd sizes for the tails.
  const run = (): Float32Array[] =>
    tf.tidy(() => {
      const x = tf.tensor4d(
        Array.from({ length: 6 * 15 * 15 * 12 }, (_, i) => Math.sin(i)),
        [6, 15, 15, 12],
      );
      const f = tf.tensor4d(
        Array.from({ length: 3 * 3 * 12 * 20 }, (_, i) => Math.cos(i)),
        [3, 3, 12, 20],
      );
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, f]);
      const a = tf.tensor2d(
        Array.from({ length: 90 * 128 }, (_, i) => Math.sin(0.3 * i)),
        [90, 128],
      );
      const w = tf.tensor2d(
        Array.from({ length: 128 * 65 }, (_, i) => Math.cos(0.7 * i)),
        [128, 65],
      );
      const [da, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D)))))([a, w]);
      return [tf.conv2d(x, f, 1, 'same'), dx, df, tf.matMul(a, w), da, dw].map((t) => t.dataSync() as Float32Array);
    });
  const threaded = run();
  await tf.setBackend('cpu');
  const cpu = run();
  threaded.forEach((t, i) => {
    const scale = Math.max(...cpu[i].map(Math.abs));
    t.forEach((v, j) => expect(Math.abs(v - cpu[i][j])).toBeLessThan(1e-4 * (1 + scale)));
  });
  await tf.setBackend('wasm');
});

test('Adam split over the helper thread (setAdamThreads, on by default) takes exactly the steps of one thread', async () => {
  expect(await initBackend({ backend: 'wasm', wasmThreads: 2, announce: false })).toBe('wasm');
  expect(wasmThreadCount()).toBe(2);
  const byDefault = adamThreadsEnabled();
  expect(byDefault).toBe(true);
  const gemm = wasmGemmOf(tf.backend());
  if (gemm === null) throw new Error('no vaelab product on the threaded wasm backend');
  // Jobs shared with the helper during each run: the split run has Adam's on top of the rest.
  const sharedJobs: number[] = []; // 300x300 = 90,000 weights: above the split threshold (2 x GEMM_ADAM_MIN_CHUNK), not a multiple of the chunk size.
  const train = (split: boolean): Float32Array[] => {
    setAdamThreads(split);
    const jobsBefore = gemm.sharedJobs;
    try {
      const w = tf.variable(
        tf.tensor2d(
          Array.from({ length: 300 * 300 }, (_, i) => Math.sin(0.1 * i)),
          [300, 300],
        ),
      );
      const b = tf.variable(tf.tensor1d(Array.from({ length: 300 }, (_, i) => Math.cos(i))));
      const x = tf.tensor2d(
        Array.from({ length: 7 * 300 }, (_, i) => Math.cos(0.37 * i)),
        [7, 300],
      );
      const optimizer = createAdam(1e-2, { epsilon: 1e-8 });
      for (let step = 0; step < 3; step++) optimizer.minimize(() => tf.sum(tf.square(tf.add(tf.matMul(x, w), b))) as tf.Scalar, false, [w, b]);
      const out = [w.dataSync() as Float32Array, b.dataSync() as Float32Array];
      sharedJobs.push(gemm.sharedJobs - jobsBefore);
      optimizer.dispose();
      tf.dispose([w, b, x]);
      return out;
    } finally {
      setAdamThreads(byDefault);
    }
  };
  const split = train(true);
  const one = train(false);
  expect(Array.from(split[0].slice(0, 5))).not.toEqual(Array.from(Float32Array.from({ length: 5 }, (_, i) => Math.sin(0.1 * i)))); // it trained
  split.forEach((s, i) => expect(s).toEqual(one[i]));
  expect(sharedJobs[0] - sharedJobs[1]).toBeGreaterThanOrEqual(3); // at least w's update split, each step
});
