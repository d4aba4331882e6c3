/**
 * The forward max pool through vaelab's strip (`WasmGemm.maxPool`, `wasm-maxpool-code.ts`): the bits of
 * wasm's own `MaxPool` (NaN, signed zeros, infinities, ties), the cpu backend's maxima on finite values,
 * the stock kernel for every pool the strip does not take, the same bits on two threads, a host whose
 * kernel follows another rule left to its own kernel, and the conv autoencoder's training unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { registerWasmKernels, setMaxPoolStrip } from '../src/engine';
import { probeMaxPoolRule } from '../src/engine/wasm-pool-kernels';
import { wasmGemmFor, type WasmGemm } from '../src/engine/wasm-gemm';
import { wasmGemmOf, wasmMemoryOf, type WasmHeapBackend } from '../src/engine/wasm-heap';
import { benchTrainingBits, expectSameOnCpuAndWasm, seededValues, size, type Shape4 } from './wasm-fixtures';
import { bitDifferences, wasmMemory, type WasmMemory } from './wasm-gemm-fixtures';

const SAME = { count: 0, first: null };
const bits = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);
const SPECIALS = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

/** Values on a few levels (ties), a quarter of them NaN, signed zeros or infinities. */
function hard(n: number, seed: number): Float32Array {
  const v = seededValues(n, seed, 31);
  const pick = seededValues(n, seed + 1, 32);
  return v.map((x, i) => (Math.abs(pick[i]) < 0.25 ? SPECIALS[Math.floor(Math.abs(pick[i]) * 20) % SPECIALS.length] : Math.round(x * 3)));
}

/** tf.maxPool of `x` with the strip on or off. */
function pool(x: tf.Tensor4D, window: [number, number], stride: [number, number], pad: 'valid' | 'same', on: boolean): Float32Array {
  setMaxPoolStrip(on);
  try {
    const y = tf.maxPool(x, window, stride, pad);
    const out = (y.dataSync() as Float32Array).slice();
    y.dispose();
    return out;
  } finally {
    setMaxPoolStrip(true);
  }
}

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  registerWasmKernels();
  // The first pool asks wasm's kernel for its rule once; the tests below count strip calls after that.
  tf.dispose(tf.maxPool(tf.zeros([1, 2, 2, 4]) as tf.Tensor4D, 2, 2, 'valid'));
});
afterAll(() => setMaxPoolStrip(true));

test("this host's wasm MaxPool follows the strip's rule (else every test below would see the stock kernel)", () => {
  const backend = tf.backend() as WasmHeapBackend;
  expect(probeMaxPoolRule(backend, wasmGemmOf(backend) as WasmGemm)).toBe(true);
});

test.each([[[3, 28, 28, 16]], [[2, 14, 14, 16]], [[5, 2, 6, 8]], [[1, 4, 4, 4]]] as const)(
  'x %j, 2x2 windows covering x: the bits of wasm MaxPool with NaN, signed zeros, infinities and ties',
  (shape) => {
    const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
    const x = tf.tensor4d(hard(size([...shape]), 1), [...shape] as Shape4);
    const spy = jest.spyOn(gemm, 'maxPool');
    try {
      const strip = pool(x, [2, 2], [2, 2], 'valid', true);
      expect(spy).toHaveBeenCalledTimes(1);
      const stock = pool(x, [2, 2], [2, 2], 'valid', false);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(bitDifferences(bits(strip), bits(stock))).toEqual(SAME);
    } finally {
      spy.mockRestore();
      x.dispose();
    }
  },
);

test('the maxima of the cpu backend on finite values (relative error 0)', async () => {
  await expectSameOnCpuAndWasm(() => {
    const x = tf.tensor4d(seededValues(2 * 28 * 28 * 16, 5, 33), [2, 28, 28, 16]);
    return [tf.maxPool(x, 2, 2, 'valid')];
  }, Number.MIN_VALUE);
});

test('pools the strip does not take go to wasm MaxPool', () => {
  const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
  const spy = jest.spyOn(gemm, 'maxPool');
  const cases: Array<[Shape4, [number, number], [number, number], 'valid' | 'same']> = [
    [[2, 7, 7, 16], [2, 2], [2, 2], 'same'], // the conv AE's 7x7 -> 4x4 (padded)
    [[2, 7, 8, 4], [2, 2], [2, 2], 'valid'], // a row left over
    [[2, 8, 8, 3], [2, 2], [2, 2], 'valid'], // channels not in fours
    [[2, 4, 4, 1], [2, 4], [2, 4], 'valid'], // the conv AE's last pool (one channel)
    [[2, 9, 9, 4], [3, 3], [3, 3], 'valid'], // a window without a strip
    [[2, 8, 8, 4], [2, 2], [1, 1], 'valid'], // overlapping windows
  ];
  try {
    for (const [shape, window, stride, pad] of cases) {
      const x = tf.tensor4d(hard(size(shape), 2), shape);
      const on = pool(x, window, stride, pad, true);
      const off = pool(x, window, stride, pad, false);
      expect(bitDifferences(bits(on), bits(off))).toEqual(SAME);
      x.dispose();
    }
    expect(spy).not.toHaveBeenCalled();
  } finally {
    spy.mockRestore();
  }
  const p = { x: 0, out: 0, batch: 1, height: 4, width: 4, channels: 4, fh: 2, fw: 2 };
  expect(() => gemm.maxPool({ ...p, width: 5 })).toThrow(/the 2x2 windows must cover 4x5 exactly/);
  expect(() => gemm.maxPool({ ...p, channels: 6 })).toThrow(/channels must be a positive multiple of 4, got 6/);
  expect(() => gemm.maxPool({ ...p, fh: 3, fw: 3 })).toThrow(/no strip for a 3x3 window \(2x2\)/);
});

test("a kernel that orders zeros differently from the strip is not the strip's rule", () => {
  const backend = tf.backend() as WasmHeapBackend;
  const gemm = wasmGemmOf(backend) as WasmGemm;
  const original = gemm.maxPool.bind(gemm);
  // A strip that returned +0 where wasm's kernel returns -0 (a max over |0| that ignores the sign).
  const spy = jest.spyOn(gemm, 'maxPool').mockImplementation((p) => {
    original(p);
    const words = new Uint32Array((wasmMemoryOf(backend) as WasmMemory).buffer, p.out, p.batch * 4);
    for (let i = 0; i < words.length; i++) if (words[i] === 0x80000000) words[i] = 0;
  });
  try {
    expect(probeMaxPoolRule(backend, gemm)).toBe(false);
  } finally {
    spy.mockRestore();
  }
});

test('output rows split over a helper thread: the bits of one thread', () => {
  const p = { batch: 20, height: 28, width: 28, channels: 16, fh: 2, fw: 2 };
  const xSize = p.batch * p.height * p.width * p.channels;
  const x = hard(xSize, 3);
  const run = (threads: number): Float32Array => {
    const memory = wasmMemory(256, threads > 1);
    const heap = new Float32Array(memory.buffer);
    heap.set(x, 16);
    const outAt = 16 + xSize + 16;
    heap.fill(Number.NaN, outAt, outAt + xSize / 4 + 16);
    const gemm = wasmGemmFor(memory, threads) as WasmGemm;
    gemm.maxPool({ ...p, x: 64, out: 4 * outAt });
    expect(gemm.sharedJobs).toBe(threads > 1 ? 1 : 0);
    // Nothing written past the output.
    expect(heap.slice(outAt + xSize / 4, outAt + xSize / 4 + 16).every(Number.isNaN)).toBe(true);
    return heap.slice(outAt, outAt + xSize / 4);
  };
  const one = run(1);
  expect(one.some(Number.isNaN)).toBe(false);
  expect(bitDifferences(bits(run(2)), bits(one))).toEqual(SAME);
});

test("the conv autoencoder's training steps: the same losses and weights with the strip on and off", () => {
  const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
  const spy = jest.spyOn(gemm, 'maxPool');
  try {
    const on = benchTrainingBits('conv_ae', 12, 14);
    expect(spy).toHaveBeenCalled();
    setMaxPoolStrip(false);
    spy.mockClear();
    const off = benchTrainingBits('conv_ae', 12, 14);
    expect(spy).not.toHaveBeenCalled();
    expect(on).toEqual(off);
  } finally {
    setMaxPoolStrip(true);
    spy.mockRestore();
  }
});
