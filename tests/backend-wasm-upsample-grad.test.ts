/**
 * The gradient of nearest-neighbour upsampling through vaelab's strips (`wasm-upsample-code.ts`):
 * the bits of the paths they replace (wasm's AvgPool of dy times fh * fw for the conv autoencoders'
 * integer windows, the JavaScript loop for any other resize), with values whose sums depend on the
 * order and with NaN, infinities, signed zeros and subnormals; the same bits split over a helper
 * thread; the old paths where the strips do not apply.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { registerWasmKernels } from '../src/engine';
import { setUpsampleGradStrip } from '../src/engine/wasm-pool-kernels';
import { wasmGemmFor, type WasmGemm } from '../src/engine/wasm-gemm';
import { wasmGemmOf } from '../src/engine/wasm-heap';
import { nanAgnosticDifferences, wasmMemory } from './wasm-gemm-fixtures';

/** n floats of magnitudes 2^-20 to 2^20 (so that a sum's order shows in its last bits), specials first. */
function wideValues(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  const next = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < n; i++) {
    const exponent = (next() % 41) - 20;
    out[i] = ((next() >>> 8) / (1 << 24) - 0.5) * 2 ** exponent;
  }
  const special = [Number.NaN, Infinity, -Infinity, -0, 0, 1e-45, -3e-39, 3e38, 3e38, 3e38, 3e38];
  special.forEach((v, i) => (out[(i * 13) % n] = v));
  return out;
}

const SAME = { count: 0, first: null };

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  registerWasmKernels();
});
afterAll(() => setUpsampleGradStrip(true));

/** The gradient of sum(resize(x, size) * r) with the strips on or off. */
function resizeGrad(
  shape: [number, number, number, number],
  size: [number, number],
  alignCorners: boolean,
  halfPixelCenters: boolean,
  on: boolean,
): Float32Array {
  setUpsampleGradStrip(on);
  try {
    const [n, , , c] = shape;
    const x = tf.zeros(shape) as tf.Tensor4D;
    const r = tf.tensor4d(wideValues(n * size[0] * size[1] * c, 11 + size[0] + c), [n, size[0], size[1], c]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(a as tf.Tensor4D, size, alignCorners, halfPixelCenters), r)))(x);
    const out = g.dataSync() as Float32Array;
    tf.dispose([x, r, g]);
    return out.slice();
  } finally {
    setUpsampleGradStrip(true);
  }
}

/** The gradient of sum(upsample(x) * r) for x [shape] upsampled by fh x fw, with the strips on or off. */
function upsampleGrad(shape: [number, number, number, number], fh: number, fw: number, on: boolean): Float32Array {
  return resizeGrad(shape, [shape[1] * fh, shape[2] * fw], false, false, on);
}

test.each([
  // The conv autoencoders' upsampling: 2x2 (to 8x8 and to 28x28, 16 channels), 2x4 (the latent 2x1 to 4x4).
  [[3, 14, 14, 16], 2, 2],
  [[5, 4, 4, 16], 2, 2],
  [[7, 2, 1, 4], 2, 4],
  [[2, 3, 5, 8], 2, 4],
] as const)('x %j upsampled %ix%i: the bits of AvgPool times the window size', (shape, fh, fw) => {
  const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
  const spy = jest.spyOn(gemm, 'upsampleGrad');
  try {
    const strip = upsampleGrad([...shape], fh, fw, true);
    expect(spy).toHaveBeenCalledTimes(1);
    const avgPool = upsampleGrad([...shape], fh, fw, false);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(nanAgnosticDifferences(strip, avgPool)).toEqual(SAME);
  } finally {
    spy.mockRestore();
  }
});

test.each([
  // The conv autoencoder's 8x8 -> 14x14 (not an integer factor), a shrink with empty columns, corners, half-pixel centres.
  [[3, 8, 8, 16], [14, 14], false, false],
  [[2, 3, 5, 4], [7, 4], false, false],
  [[2, 5, 4, 8], [9, 11], true, false],
  [[2, 3, 3, 4], [7, 5], false, true],
] as const)('x %j resized to %j (alignCorners %s, halfPixelCenters %s): the bits of the JavaScript loop', (shape, size, alignCorners, half) => {
  const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
  const spy = jest.spyOn(gemm, 'upsampleGradRanges');
  try {
    const strip = resizeGrad([...shape], [...size], alignCorners, half, true);
    expect(spy).toHaveBeenCalledTimes(1);
    const loop = resizeGrad([...shape], [...size], alignCorners, half, false);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(nanAgnosticDifferences(strip, loop)).toEqual(SAME);
  } finally {
    spy.mockRestore();
  }
});

test('windows and channel counts without a strip take the AvgPool path', () => {
  const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
  const spy = jest.spyOn(gemm, 'upsampleGrad');
  try {
    upsampleGrad([2, 4, 4, 3], 2, 2, true); // 3 channels
    upsampleGrad([2, 3, 3, 4], 3, 3, true); // a 3x3 window
    expect(spy).not.toHaveBeenCalled();
    const ranges = jest.spyOn(gemm, 'upsampleGradRanges');
    resizeGrad([2, 4, 4, 3], [7, 7], false, false, true); // 3 channels: the JavaScript loop
    expect(ranges).not.toHaveBeenCalled();
    ranges.mockRestore();
  } finally {
    spy.mockRestore();
  }
  expect(() => gemm.upsampleGrad({ dy: 0, dx: 0, batch: 1, inHeight: 1, inWidth: 1, channels: 4, fh: 3, fw: 3, nanToNegInf: true })).toThrow(
    /no strip for a 3x3 window \(2x2, 2x4\)/,
  );
  expect(() => gemm.upsampleGrad({ dy: 0, dx: 0, batch: 1, inHeight: 1, inWidth: 1, channels: 6, fh: 2, fw: 2, nanToNegInf: true })).toThrow(
    /channels must be a positive multiple of 4, got 6/,
  );
});

test('split by rows over a helper thread: the bits of one thread, either NaN rule', () => {
  const p = { batch: 20, inHeight: 14, inWidth: 14, channels: 16, fh: 2, fw: 2 };
  const dyLength = p.batch * p.inHeight * p.fh * p.inWidth * p.fw * p.channels;
  const dxLength = p.batch * p.inHeight * p.inWidth * p.channels;
  const dy = wideValues(dyLength, 3);
  const run = (threads: number, nanToNegInf: boolean): Float32Array => {
    const memory = wasmMemory(256, threads > 1);
    const heap = new Float32Array(memory.buffer);
    heap.set(dy, 16);
    const gemm = wasmGemmFor(memory, threads) as WasmGemm;
    const dxAt = 16 + dyLength + 16;
    gemm.upsampleGrad({ ...p, dy: 64, dx: 4 * dxAt, nanToNegInf });
    expect(gemm.sharedJobs).toBe(threads > 1 ? 1 : 0);
    return heap.slice(dxAt, dxAt + dxLength);
  };
  for (const rule of [true, false]) {
    const single = run(1, rule);
    expect(nanAgnosticDifferences(run(2, rule), single)).toEqual(SAME);
    expect(single.some((v) => (rule ? v === -Infinity : Number.isNaN(v)))).toBe(true); // the NaN's window
  }
});

test('the ranges strip split by rows over a helper thread: the bits of one thread', () => {
  const p = { batch: 100, inHeight: 8, inWidth: 8, outHeight: 14, outWidth: 14, channels: 16 };
  const dy = wideValues(p.batch * p.outHeight * p.outWidth * p.channels, 5);
  const dxLength = p.batch * p.inHeight * p.inWidth * p.channels;
  // Input row (column) y receives the dy rows whose nearest source is y: floor(r * 8 / 14).
  const starts = (inSize: number, outSize: number): number[] =>
    Array.from(
      { length: inSize + 1 },
      (_, y) => Array.from({ length: outSize }, (_, r) => Math.floor((r * inSize) / outSize)).filter((s) => s < y).length,
    );
  const run = (threads: number): Float32Array => {
    const memory = wasmMemory(256, threads > 1);
    const heap = new Float32Array(memory.buffer);
    const ints = new Int32Array(memory.buffer);
    ints.set(starts(p.inHeight, p.outHeight), 16);
    ints.set(starts(p.inWidth, p.outWidth), 32);
    heap.set(dy, 64);
    const dxAt = 64 + dy.length + 16;
    heap.fill(Number.NaN, dxAt, dxAt + dxLength);
    const gemm = wasmGemmFor(memory, threads) as WasmGemm;
    gemm.upsampleGradRanges({ ...p, dy: 4 * 64, dx: 4 * dxAt, rowTable: 4 * 16, colTable: 4 * 32 });
    expect(gemm.sharedJobs).toBe(threads > 1 ? 1 : 0);
    return heap.slice(dxAt, dxAt + dxLength);
  };
  const one = run(1);
  expect(one.some(Number.isNaN)).toBe(true); // dy's NaN reaches its block
  expect(one.filter(Number.isNaN).length).toBeLessThan(16);
  expect(nanAgnosticDifferences(run(2), one)).toEqual(SAME);
});
