/** The threaded wasm build starts in Node (opt-in) and gives the single-threaded numbers. */
import * as tf from '@tensorflow/tfjs';
import { initBackend, wasmThreadCount, wasmThreadsFromEnv, WASM_THREADS_ENV } from '../src/backend';

afterEach(() => {
  delete process.env[WASM_THREADS_ENV];
});

test('VAELAB_WASM_THREADS is read as a thread count, and nonsense is refused', () => {
  expect(wasmThreadsFromEnv()).toBeUndefined();
  process.env[WASM_THREADS_ENV] = '2';
  expect(wasmThreadsFromEnv()).toBe(2);
  process.env[WASM_THREADS_ENV] = 'many';
  expect(() => wasmThreadsFromEnv()).toThrow(/VAELAB_WASM_THREADS=many .*integer >= 1/);
});

test('wasm with 2 threads starts, and conv2d forward and gradients equal the cpu backend', async () => {
  expect(await initBackend({ backend: 'wasm', wasmThreads: 2, announce: false })).toBe('wasm');
  expect(wasmThreadCount()).toBe(2);
  const run = (): Float32Array[] =>
    tf.tidy(() => {
      const x = tf.tensor4d(Array.from({ length: 4 * 12 * 12 * 3 }, (_, i) => Math.sin(i)), [4, 12, 12, 3]);
      const f = tf.tensor4d(Array.from({ length: 3 * 3 * 3 * 8 }, (_, i) => Math.cos(i)), [3, 3, 3, 8]);
      const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, f]);
      return [tf.conv2d(x, f, 1, 'same'), dx, df].map((t) => t.dataSync() as Float32Array);
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
