/**
 * The full-`Sum` gradient as a `Fill` of dy (src/engine/sum-grad.ts): bit for bit tfjs's
 * `dy * ones` on wasm (special values included), partial sums and other backends still take
 * tfjs's own gradient, and nothing leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { fastSumGradInstalled, registerWasmKernels } from '../src/engine';
import { on, seededValues } from './wasm-fixtures';

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
});

afterAll(async () => {
  registerWasmKernels();
  await tf.setBackend('wasm');
});

const SPECIAL = [0, -0, Infinity, -Infinity, 1e-42, -1e-42, 3.4e38, -1.5, 0.1];

/** Gradients of sums (full, over an axis, of a product) for upstream gradients `scale` (special values among them). */
function grads(scale: number): tf.Tensor[] {
  const x = tf.tensor2d(seededValues(7 * 13, 1, 21), [7, 13]);
  const y = tf.tensor3d(seededValues(2 * 3 * 5, 2, 21), [2, 3, 5]);
  const s = tf.scalar(scale);
  const full = tf.grad((a: tf.Tensor) => tf.mul(tf.sum(a), s))(x);
  const full3 = tf.grad((a: tf.Tensor) => tf.mul(tf.sum(tf.square(a)), s))(y);
  const axis = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.sum(a, 1), tf.range(0, 7).mul(s))))(x);
  const keep = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.sum(a, [0, 2], true), s)))(y);
  tf.dispose([x, y, s]);
  return [full, full3, axis, keep];
}

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)));

test('installed by default; the same bits as tfjs gradient on wasm, for ordinary and special upstream values', async () => {
  expect(fastSumGradInstalled()).toBe(true);
  for (const scale of SPECIAL) {
    registerWasmKernels();
    const fast = await on('wasm', () => grads(scale));
    registerWasmKernels({ fastSumGrad: false });
    expect(fastSumGradInstalled()).toBe(false);
    const own = await on('wasm', () => grads(scale));
    registerWasmKernels();
    fast.forEach((f, i) => expect(bits(f)).toEqual(bits(own[i])));
  }
});

test('the fast gradient really runs: Fill instead of a ones tensor times dy', async () => {
  const x = tf.tensor2d(seededValues(7 * 13, 1, 21), [7, 13]);
  const names = async (): Promise<string[]> => (await tf.profile(() => tf.grad((a: tf.Tensor) => tf.sum(a))(x))).kernelNames;
  expect(await names()).toEqual(['Sum', 'Fill']); // the saved input shares its buffer without a kernel (shared-saves.ts)
  registerWasmKernels({ fastSumGrad: false });
  expect(await names()).toContain('Multiply');
  registerWasmKernels();
  x.dispose();
});

test('a NaN upstream gradient gives NaN everywhere, as tfjs does', async () => {
  const [full] = await on('wasm', () => grads(Number.NaN));
  expect(full.every((v) => Number.isNaN(v))).toBe(true);
});

test('the cpu backend keeps tfjs gradient (same numbers), and nothing leaks on wasm', async () => {
  const cpu = await on('cpu', () => grads(0.5));
  await tf.setBackend('wasm');
  await on('wasm', () => grads(0.5));
  const before = tf.memory().numTensors;
  const wasm = await on('wasm', () => grads(0.5));
  expect(tf.memory().numTensors).toBe(before);
  wasm.forEach((w, i) => expect(bits(w)).toEqual(bits(cpu[i])));
});
