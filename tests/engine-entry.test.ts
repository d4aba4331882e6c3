/**
 * The wasm engine through its one entry (src/engine/index.ts), as a TensorFlow.js user outside
 * vaelab would use it: one call registers the kernels and starts wasm; bad input is refused.
 */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import * as path from 'path';
import {
  ADAM_UPDATE_KERNEL,
  hasAdamKernel,
  installedWasmKernels,
  registerAdamKernel,
  registerWasmEngine,
  wasmEngineThreads,
  WASM_KERNEL_NAMES,
} from '../src/engine';

test('a thread count that is not an integer >= 1 is refused, naming the value', async () => {
  await expect(registerWasmEngine({ threads: 0 })).rejects.toThrow(/threads must be an integer >= 1, got 0/);
  await expect(registerWasmEngine({ threads: 1.5 })).rejects.toThrow(RangeError);
});

test('one call registers every engine kernel and makes wasm the backend (single-threaded by default)', async () => {
  expect(await registerWasmEngine()).toBe(true);
  expect(tf.getBackend()).toBe('wasm');
  expect([...installedWasmKernels()].sort()).toEqual([...WASM_KERNEL_NAMES].sort());
  expect(wasmEngineThreads()).toBe(1);
  // The filter gradient stock wasm lacks now runs: d/dw sum(conv2d(x, w)) for x of ones and a
  // 1x1 filter is the number of input pixels (2 x 3 x 3 = 18).
  const x = tf.ones([2, 3, 3, 1]) as tf.Tensor4D;
  const w = tf.ones([1, 1, 1, 1]) as tf.Tensor4D;
  const g = tf.grad((f) => tf.conv2d(x, f as tf.Tensor4D, 1, 'valid').sum())(w);
  expect(Array.from(g.dataSync())).toEqual([18]);
  tf.dispose([x, w, g]);
});

test('the fused Adam kernel is registered on demand', async () => {
  registerAdamKernel();
  expect(tf.getKernel(ADAM_UPDATE_KERNEL, 'wasm')).toBeDefined();
  expect(hasAdamKernel()).toBe(true);
});

test('the engine imports nothing from src/ outside src/engine (it could be its own package)', () => {
  const dir = path.join(__dirname, '..', 'src', 'engine');
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const specifiers = [...text.matchAll(/(?:from|require\()\s*'([^']+)'/g)].map((m) => m[1]);
    for (const s of specifiers) {
      const ok =
        s.startsWith('./') ||
        s.startsWith('@tensorflow/') ||
        ['crypto', 'fs', 'os', 'path', 'perf_hooks', 'worker_threads'].includes(s.replace(/^node:/, ''));
      if (!ok) throw new Error(`src/engine/${file} imports '${s}', which is neither the engine nor tfjs nor a Node builtin`);
    }
  }
});
