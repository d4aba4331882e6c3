/**
 * The gradient of a 2x2 max pool that covers its input exactly, by rows shared with the helper
 * threads (`WasmGemm.maxPoolGrad2x2`): the bits of the path it replaces (a zero fill, then the same
 * row loop from JavaScript), every float of dx written over dirty memory, ties to the first maximum,
 * the same bits on two threads, and the old path for every pool it does not take.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { registerWasmKernels } from '../src/engine';
import { setMaxPoolGradRows } from '../src/engine/wasm-pool-kernels';
import { wasmGemmFor, type WasmGemm } from '../src/engine/wasm-gemm';
import { wasmGemmOf } from '../src/engine/wasm-heap';
import { seededValues } from './wasm-fixtures';
import { bitDifferences, wasmMemory } from './wasm-gemm-fixtures';

const SAME = { count: 0, first: null };
const bits = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);
/** Values rounded to a few levels, so that windows hold ties. */
const tied = (n: number, seed: number): Float32Array => seededValues(n, seed, 21).map((v) => Math.round(v * 3));

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  registerWasmKernels();
});
afterAll(() => setMaxPoolGradRows(true));

/** The gradient of sum(maxPool(x) * r), computed over memory first filled with NaN, with the rows on or off. */
function poolGrad(shape: [number, number, number, number], pad: 'valid' | 'same', on: boolean): Float32Array {
  setMaxPoolGradRows(on);
  try {
    const size = shape.reduce((a, b) => a * b, 1);
    tf.fill([size * 4], Number.NaN).dispose(); // freed memory full of NaN: a float not written shows
    const x = tf.tensor4d(tied(size, 1), shape);
    const y = tf.maxPool(x, 2, 2, pad);
    const r = tf.tensor(seededValues(y.size, 2, 21), y.shape);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, pad), r)))(x);
    const out = (g.dataSync() as Float32Array).slice();
    tf.dispose([x, y, r, g]);
    return out;
  } finally {
    setMaxPoolGradRows(true);
  }
}

test.each([[[3, 28, 28, 16]], [[2, 8, 8, 4]], [[5, 2, 6, 8]]] as const)(
  'x %j, 2x2 windows covering x: the bits of the zero fill and row loop, no NaN left',
  (shape) => {
    const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
    const spy = jest.spyOn(gemm, 'maxPoolGrad2x2');
    try {
      const rows = poolGrad([...shape], 'valid', true);
      expect(spy).toHaveBeenCalledTimes(1);
      const before = poolGrad([...shape], 'valid', false);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(rows.some(Number.isNaN)).toBe(false);
      expect(bitDifferences(bits(rows), bits(before))).toEqual(SAME);
    } finally {
      spy.mockRestore();
    }
  },
);

test('pools that do not cover x exactly, and channels not in fours, take the old path', () => {
  const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
  const spy = jest.spyOn(gemm, 'maxPoolGrad2x2');
  try {
    poolGrad([2, 7, 7, 16], 'same', true); // the conv AE's 7x7 -> 4x4 (padded)
    poolGrad([2, 7, 8, 4], 'valid', true); // a row left over
    poolGrad([2, 8, 8, 3], 'valid', true);
    expect(spy).not.toHaveBeenCalled();
  } finally {
    spy.mockRestore();
  }
  const p = { x: 0, dy: 0, dx: 0, batch: 1, height: 4, width: 4, channels: 4 };
  expect(() => gemm.maxPoolGrad2x2({ ...p, width: 5 })).toThrow(/height and width must be even, got 4x5/);
  expect(() => gemm.maxPoolGrad2x2({ ...p, channels: 2 })).toThrow(/channels must be a positive multiple of 4, got 2/);
});

test('rows split over a helper thread: the bits of one thread', () => {
  const p = { batch: 20, height: 28, width: 28, channels: 16 };
  const xSize = p.batch * p.height * p.width * p.channels;
  const x = tied(xSize, 3);
  const dy = seededValues(xSize / 4, 4, 21);
  const run = (threads: number): Float32Array => {
    const memory = wasmMemory(256, threads > 1);
    const heap = new Float32Array(memory.buffer);
    heap.set(x, 16);
    heap.set(dy, 16 + xSize);
    const dxAt = 16 + xSize + xSize / 4 + 16;
    heap.fill(Number.NaN, dxAt, dxAt + xSize);
    const gemm = wasmGemmFor(memory, threads) as WasmGemm;
    gemm.maxPoolGrad2x2({ ...p, x: 64, dy: 4 * (16 + xSize), dx: 4 * dxAt });
    expect(gemm.sharedJobs).toBe(threads > 1 ? 1 : 0);
    return heap.slice(dxAt, dxAt + xSize);
  };
  const one = run(1);
  expect(one.some(Number.isNaN)).toBe(false);
  expect(bitDifferences(bits(run(2)), bits(one))).toEqual(SAME);
});
