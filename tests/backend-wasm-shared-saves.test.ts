/**
 * Tensors saved for gradients without an `Identity` kernel call (src/engine/shared-saves.ts): the
 * same loss and gradients bit for bit as with tfjs's own saves, no `Identity` kernels while
 * recording on wasm, tfjs's own method on cpu and without the shared Identity, and nothing leaks
 * (engine tensors and the wasm backend's buffers).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { registerWasmKernels, sharedSavesInstalled } from '../src/engine';
import { on, seededValues } from './wasm-fixtures';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

afterAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

/** A small VAE-like loss (dense ReLU and sigmoid layers, exp, log, slices) and its gradients. */
function lossAndGrads(): tf.Tensor[] {
  const x = tf.tidy(() => tf.tensor2d(seededValues(6 * 20, 1, 31), [6, 20]).abs());
  const variable = (values: Float32Array, shape: number[]): tf.Variable => {
    const init = tf.tensor(values, shape);
    const v = tf.variable(init);
    init.dispose();
    return v;
  };
  const w1 = variable(seededValues(20 * 12, 2, 31), [20, 12]);
  const w2 = variable(seededValues(6 * 20, 3, 31), [6, 20]);
  const b1 = variable(seededValues(12, 4, 31), [12]);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const h = tf.fused.matMul({ a: x, b: w1, bias: b1, activation: 'relu' });
      const mu = tf.slice(h, [0, 0], [6, 6]);
      const logVar = tf.slice(h, [0, 6], [6, 6]);
      const z = tf.add(mu, tf.exp(tf.mul(logVar, 0.5)));
      const r = tf.sigmoid(tf.matMul(z, w2));
      const bce = tf.neg(tf.sum(tf.add(tf.mul(x, tf.maximum(tf.log(r), -100)), tf.mul(tf.sub(1, x), tf.maximum(tf.log(tf.sub(1, r)), -100)))));
      return tf.add(bce, tf.sum(tf.square(mu))) as tf.Scalar;
    });
    return [value, grads[w1.name], grads[w2.name], grads[b1.name]];
  } finally {
    tf.dispose([x, w1, w2, b1]);
  }
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

test('installed by default; the same bits as tfjs own saves, and no Identity kernels while recording', async () => {
  expect(sharedSavesInstalled()).toBe(true);
  const shared = await on('wasm', lossAndGrads);
  const kernels = (await tf.profile(() => tf.dispose(lossAndGrads()))).kernelNames;
  expect(kernels).not.toContain('Identity');
  registerWasmKernels({ sharedSaves: false });
  expect(sharedSavesInstalled()).toBe(false);
  const own = await on('wasm', lossAndGrads);
  expect((await tf.profile(() => tf.dispose(lossAndGrads()))).kernelNames).toContain('Identity');
  registerWasmKernels();
  shared.forEach((s, i) => expect(bits(s)).toEqual(bits(own[i])));
});

test('without the shared Identity, and on cpu, tfjs own saves run (same numbers)', async () => {
  registerWasmKernels({ sharedIdentity: false });
  try {
    expect((await tf.profile(() => tf.dispose(lossAndGrads()))).kernelNames).toContain('Identity');
  } finally {
    registerWasmKernels();
  }
  const wasm = await on('wasm', lossAndGrads);
  const cpu = await on('cpu', lossAndGrads);
  await tf.setBackend('wasm');
  cpu.forEach((c, i) => {
    const scale = Math.max(1, ...c.map(Math.abs));
    c.forEach((v, j) => expect(Math.abs(v - wasm[i][j])).toBeLessThan(1e-4 * scale));
  });
});

test.each([true, false])('nothing leaks (shared saves %s): engine tensors and wasm buffers are back after training steps', async (sharedSaves) => {
  registerWasmKernels({ sharedSaves });
  await on('wasm', lossAndGrads);
  const backend = tf.findBackend('wasm') as tf.KernelBackend;
  const ids = backend.numDataIds();
  const tensors = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await on('wasm', lossAndGrads);
  expect(backend.numDataIds()).toBe(ids);
  expect(tf.memory().numTensors).toBe(tensors);
});
