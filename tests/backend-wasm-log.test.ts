/**
 * `Log` on wasm by vaelab's strip (`src/engine/wasm-log.ts`, `wasm-log-code.ts`): wasm's own `Log`
 * bit for bit (any NaN equal to any NaN) over a spread of every kind of float, for sizes that are
 * not whole vectors too; the strip really runs; the table is found in the backend's memory and a
 * damaged one is not; the split over a helper thread gives one thread's bits; the bench's dense
 * VAE trains to the same bits with it on and off; nothing is left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { findLogTable, installedWasmKernels, registerWasmKernels, stripLogAvailable } from '../src/engine';
import { wasmGemmFor, type WasmGemm } from '../src/engine/wasm-gemm';
import { wasmGemmOf, wasmMemoryOf } from '../src/engine/wasm-heap';
import { LOG_TABLE_BYTES } from '../src/engine/wasm-log-code';
import { logProbes } from '../src/engine/wasm-log';
import { benchTrainingBits } from './wasm-fixtures';
import { nanAgnosticDifferences, wasmMemory } from './wasm-gemm-fixtures';

const SAME = { count: 0, first: null };

/** n floats whose bits step through all 2^32 patterns (every sign, exponent, table row, NaN), then `specials`. */
function spreadFloats(n: number, stride: number): Float32Array {
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = Math.imul(i, stride) >>> 0;
  const out = new Float32Array(bits.buffer);
  out.set([0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-45, 1.17549435e-38, 3.4028235e38, 1 - 2 ** -24, 0.5].slice(0, n), 0);
  return out;
}

/** tf.log(x) on wasm with vaelab's Log on or off (wasm's own). */
function wasmLog(x: Float32Array, shape: number[], fast: boolean): Float32Array {
  registerWasmKernels({ fastLog: fast });
  try {
    return tf.tidy(() => tf.log(tf.tensor(x, shape)).dataSync() as Float32Array);
  } finally {
    registerWasmKernels();
  }
}

/** The live wasm memory's bytes. */
function liveBytes(): Uint8Array {
  const memory = wasmMemoryOf(tf.backend()) as { buffer: ArrayBufferLike };
  return new Uint8Array(memory.buffer);
}

beforeAll(async () => {
  expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  registerWasmKernels();
});
afterAll(() => registerWasmKernels());

describe('Log on the wasm backend', () => {
  test('is installed by default and its table is found and checked in the backend memory', () => {
    expect(installedWasmKernels()).toContain('Log');
    expect(stripLogAvailable(tf.backend())).toBe(true);
  });

  test("equals wasm's own Log bit for bit over a spread of all float bit patterns, and for sizes that are not whole vectors", () => {
    const x = spreadFloats(1 << 20, 4093);
    expect(nanAgnosticDifferences(wasmLog(x, [x.length], true), wasmLog(x, [x.length], false))).toEqual(SAME);
    for (const shape of [[1], [3, 5], [7, 1, 3]]) {
      const n = tf.util.sizeFromShape(shape);
      const small = spreadFloats(n, 2654435761).map((v, i) => (i % 2 === 0 ? Math.abs(v) : v));
      expect(nanAgnosticDifferences(wasmLog(small, shape, true), wasmLog(small, shape, false))).toEqual(SAME);
    }
    // Probabilities as the cross-entropy takes their logarithms: (0, 1], and 1 - p.
    const p = Float32Array.from({ length: 78400 }, (_, i) => (i + 1) / 78400);
    expect(nanAgnosticDifferences(wasmLog(p, [100, 784], true), wasmLog(p, [100, 784], false))).toEqual(SAME);
  });

  test('the strip really runs (one log job on the product module per Log)', () => {
    const gemm = wasmGemmOf(tf.backend()) as WasmGemm;
    const spy = jest.spyOn(gemm, 'log');
    try {
      tf.tidy(() => tf.log(tf.tensor1d([0.5, 2, 3])).dataSync());
      expect(spy).toHaveBeenCalledTimes(1);
      registerWasmKernels({ fastLog: false });
      tf.tidy(() => tf.log(tf.tensor1d([0.5, 2, 3])).dataSync());
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      registerWasmKernels();
      spy.mockRestore();
    }
  });

  test("the table is found in the backend's memory and in a copy; a damaged copy is not taken", () => {
    const bytes = liveBytes();
    const at = findLogTable(bytes);
    expect(at).not.toBeNull();
    const copy = new Uint8Array(LOG_TABLE_BYTES + 64);
    copy.set(bytes.subarray(at as number, (at as number) + LOG_TABLE_BYTES), 32);
    expect(findLogTable(copy)).toBe(32);
    for (const [byte, what] of [
      [32 + 8 + 6, 'a logc'],
      [32 + 16 * 16 + 1, 'ln 2'],
      [32 + 16 * 16 + 8 + 7, 'a polynomial coefficient'],
    ] as const) {
      const damaged = copy.slice();
      damaged[byte] ^= 0x40;
      expect({ what, at: findLogTable(damaged) }).toEqual({ what, at: null });
    }
    expect(findLogTable(new Uint8Array(4096))).toBeNull();
  });

  test("the bench's dense VAE trains to the same bits with vaelab's Log and with wasm's", () => {
    registerWasmKernels({ fastLog: false });
    const stock = benchTrainingBits('dense_vae', 5, 21);
    registerWasmKernels();
    expect(benchTrainingBits('dense_vae', 5, 21)).toEqual(stock);
  });

  test('leaves no tensor and no wasm buffer behind', () => {
    const tensors = tf.memory().numTensors;
    const buffers = tf.engine().backend.numDataIds();
    wasmLog(spreadFloats(1000, 7919), [1000], true);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(buffers);
  });
});

describe('the strip on a bare memory', () => {
  test('split over a helper thread: the bits of one thread, nothing written past the output', () => {
    const table = liveTable();
    const single = wasmMemory(256, false);
    const shared = wasmMemory(256, true);
    const gemm1 = wasmGemmFor(single, 1) as WasmGemm;
    const gemm2 = wasmGemmFor(shared, 2) as WasmGemm;
    const n = 100 * 784 + 3;
    const x = spreadFloats(n, 2246822519);
    const run = (gemm: WasmGemm, memory: { buffer: ArrayBufferLike }): Float32Array => {
      const bytes = new Uint8Array(memory.buffer);
      bytes.set(table, 0);
      const heap = new Float32Array(memory.buffer);
      const xAt = 1024;
      const out = xAt + n + 1;
      heap.set(x, xAt);
      heap.fill(1234.5, out, out + n + 16);
      gemm.log({ x: 4 * xAt, out: 4 * out, n, table: 0 });
      expect(heap.subarray(out + n, out + n + 16).every((v) => v === 1234.5)).toBe(true);
      return heap.slice(out, out + n);
    };
    const before = gemm2.sharedJobs;
    const two = run(gemm2, shared);
    expect(gemm2.sharedJobs).toBe(before + 1);
    expect(nanAgnosticDifferences(two, run(gemm1, single))).toEqual(SAME);
    // And both are wasm's Log.
    expect(nanAgnosticDifferences(two, wasmLog(x, [n], false))).toEqual(SAME);
  });

  test('a size that is not an integer >= 0 is refused, naming it', () => {
    const gemm = wasmGemmFor(wasmMemory(4, false), 1) as WasmGemm;
    expect(() => gemm.log({ x: 0, out: 64, n: -1, table: 128 })).toThrow(/wasm gemm log: n must be an integer >= 0, got -1/);
    expect(() => gemm.log({ x: 0, out: 64, n: 2.5, table: 128 })).toThrow(/got 2.5/);
  });

  test('the probes the strip is checked on cover every kind of float', () => {
    const probes = logProbes();
    const bits = new Uint32Array(probes.buffer);
    const kinds = new Set<string>();
    probes.forEach((v, i) => {
      const exponent = (bits[i] >>> 23) & 0xff;
      kinds.add(
        Number.isNaN(v) ? 'nan' : v === 0 ? 'zero' : exponent === 0 ? 'subnormal' : exponent === 0xff ? 'infinite' : v < 0 ? 'negative' : 'positive',
      );
    });
    expect([...kinds].sort()).toEqual(['infinite', 'nan', 'negative', 'positive', 'subnormal', 'zero']);
    // Every table row: the 4 mantissa bits below the top 3 pick it (after the offset), positives of each.
    const rows = new Set<number>();
    probes.forEach((v, i) => {
      if (v > 0 && Number.isFinite(v) && bits[i] >>> 23 !== 0) rows.add(((bits[i] - 0x3f330000) >>> 19) & 15);
    });
    expect(rows.size).toBe(16);
  });
});

/** The live backend's logf data, copied out (the bare memories get it at address 0). */
function liveTable(): Uint8Array {
  const bytes = liveBytes();
  const at = findLogTable(bytes) as number;
  return bytes.slice(at, at + LOG_TABLE_BYTES);
}
