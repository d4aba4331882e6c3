/** Helpers shared by the wasm kernel tests: deterministic inputs and a cpu-vs-wasm comparison. */
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels, type WasmKernelOptions } from '../src/engine';
import type { BenchModelName } from '../src/tools/bench/bench-models';
import { createBenchTraining } from '../src/tools/bench/bench-train';

/** 4-d shape [n, h, w, c]. */
export type Shape4 = [number, number, number, number];
/** Convolution padding. */
export type Pad = 'same' | 'valid';

/** Deterministic pseudo-random values in [-1, 1); `salt` keeps different suites' data apart. */
export function seededValues(n: number, seed: number, salt: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed * 2654435761 + salt;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** Number of elements of a shape. */
export const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Runs `f` on the given backend and returns the data of its tensors (all disposed). */
export async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const ts = f();
  const out = ts.map((t) => t.dataSync() as Float32Array);
  tf.dispose(ts);
  return out;
}

/** Largest |a-b| / (1 + max|b|) over all entries. */
export function relError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / (1 + scale);
}

/** Runs `f` on cpu and on wasm and expects every output to agree within `tol` (relative, see relError). */
export async function expectSameOnCpuAndWasm(f: () => tf.Tensor[], tol: number): Promise<void> {
  const cpu = await on('cpu', f);
  const wasm = await on('wasm', f);
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((w, i) => expect(relError(w, cpu[i])).toBeLessThan(tol));
}

/**
 * On `backend` (for wasm with vaelab's kernels as `options` say, all of them again afterwards): the
 * loss sum(model(xs)^2) of a fresh `makeModel()`, then its gradient for every trainable weight in
 * the model's order.
 */
export async function modelLossAndGrads(
  backend: 'cpu' | 'wasm',
  makeModel: () => tf.LayersModel,
  makeInput: () => tf.Tensor,
  options: WasmKernelOptions = {},
): Promise<Float32Array[]> {
  const run = (): tf.Tensor[] => {
    const m = makeModel();
    try {
      const xs = makeInput();
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(xs) as tf.Tensor)) as tf.Scalar);
      return [value, ...m.trainableWeights.map((w) => grads[(w.read() as tf.Variable).name])];
    } finally {
      m.dispose();
    }
  };
  registerWasmKernels(options);
  try {
    return await on(backend, run);
  } finally {
    registerWasmKernels();
  }
}

/** Kernel names run by `f`, with counts. */
export async function kernelCounts(f: () => tf.TensorContainer): Promise<Record<string, number>> {
  const info = await tf.profile(() => f() as tf.Tensor);
  const counts: Record<string, number> = {};
  for (const k of info.kernels) counts[k.name] = (counts[k.name] ?? 0) + 1;
  return counts;
}

/**
 * Three training steps of a bench model (batch 8, seeded data in [0, 1)) on the current backend and
 * kernels: the losses, then every weight's bits (base64), for tests that hold two ways to the same bits.
 */
export function benchTrainingBits(model: BenchModelName, seed: number, salt: number): string[] {
  const data = seededValues(24 * 784, seed, salt).map((v) => (v + 1) / 2);
  const training = createBenchTraining({ model, data, batch: 8 });
  const losses = [0, 8, 16].map((first) => training.step(first, true));
  const weights = [...training.model.encoder.trainableWeights, ...training.model.decoder.trainableWeights].map((v) =>
    Buffer.from((v.read().dataSync() as Float32Array).buffer).toString('base64'),
  );
  training.dispose();
  return [...losses.map(String), ...weights];
}
