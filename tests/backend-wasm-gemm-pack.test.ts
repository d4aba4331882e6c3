/**
 * B packed into panels before vaelab's product (`packScratch`, src/engine/wasm-gemm*.ts): bit for
 * bit the product of the unpacked loops for every row tail, column tail (8-, 4- and 1-wide tiles,
 * odd and even tile counts), transpose, epilogue and scratch alignment; the same bits split over a
 * helper thread; nothing written outside C and the scratch; and through TensorFlow.js on wasm the
 * same numbers with packing on and off, close to the cpu backend's, without leaked memory.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { setGemmPacking } from '../src/engine';
import { GEMM_PACK_MIN_ROWS, GEMM_PACK_STRIDE, GEMM_SPLIT_MIN_MACS, wasmGemmFor, type WasmGemm } from '../src/engine/wasm-gemm';
import { on, relError, seededValues } from './wasm-fixtures';
import { bitDifferences, twoWays, wasmMemory, type WasmMemory } from './wasm-gemm-fixtures';

const SAME = { count: 0, first: null };

const single = wasmMemory(256, false);
const shared = wasmMemory(256, true);
const gemm1 = wasmGemmFor(single, 1) as WasmGemm;
const gemm2 = wasmGemmFor(shared, 2) as WasmGemm;

interface Opts {
  bias?: boolean;
  relu?: boolean;
  accumulate?: boolean;
  /** Bytes the scratch address is past a 16-byte boundary (a multiple of 4). */
  misalign?: number;
}

/**
 * The product unpacked into the first C and packed into the second (scratch `misalign` bytes past a
 * 16-byte boundary); returns both C's bits and whether every float outside the two C's and the
 * scratch kept its value.
 */
function both(gemmPlain: WasmGemm, gemmPacked: WasmGemm, memory: WasmMemory, m: number, k: number, n: number, ta: boolean, o: Opts = {}) {
  const packBytes = gemmPacked.packBytes({ m, k, n, transposeA: ta, transposeB: false });
  const r = twoWays(
    memory,
    { m, k, n, transposeA: ta, a: seededValues(m * k, m + 7 * k, 1), bias: o.bias, relu: o.relu, accumulate: o.accumulate },
    packBytes,
    (p) => gemmPlain.multiply(p),
    (p, scratch) => gemmPacked.multiply({ ...p, packScratch: scratch }),
    o.misalign ?? 0,
  );
  return { plain: r.first, packed: r.second, untouched: r.untouched, packBytes };
}

// Every shape packs here ('always'), so that every tail is exercised; the default packs only some strides.
beforeAll(() => setGemmPacking('always'));
afterAll(() => setGemmPacking(true));

describe('packed B, one thread', () => {
  // Rows: below the packing threshold, full register blocks and each tail; columns: every tile mix.
  const rows = [1, 3, GEMM_PACK_MIN_ROWS - 1, GEMM_PACK_MIN_ROWS, 9, 10, 11, 13, 100];
  const cols = [1, 7, 8, 9, 12, 15, 16, 17, 24, 29, 40, 45];
  const cases: Array<[number, number, number]> = [];
  for (const m of rows) for (const n of cols) cases.push([m, [1, 5, 12, 33][(m + n) % 4], n]);
  cases.push([100, 784, 40], [37, 100, 64], [64, 4, 8]);
  test.each(cases)('m=%i k=%i n=%i: the same bits as the unpacked product (A B and A^T B)', (m, k, n) => {
    for (const ta of [false, true]) {
      const r = both(gemm1, gemm1, single, m, k, n, ta);
      expect(r.packBytes).toBe(m >= GEMM_PACK_MIN_ROWS && n >= 8 ? 32 * k * Math.floor(n / 8) : 0);
      expect(bitDifferences(r.packed, r.plain)).toEqual(SAME);
      expect(r.untouched).toBe(true);
    }
  });

  test('bias, ReLU, accumulate and a scratch 4, 8 or 12 bytes past a 16-byte boundary: the same bits', () => {
    for (const opts of [
      { bias: true },
      { relu: true },
      { bias: true, relu: true },
      { accumulate: true },
      { accumulate: true, bias: true, relu: true },
    ]) {
      for (const misalign of [0, 4, 8, 12]) {
        for (const ta of [false, true]) {
          const r = both(gemm1, gemm1, single, 13, 21, 27, ta, { ...opts, misalign });
          expect(r.packBytes).toBeGreaterThan(0);
          expect(bitDifferences(r.packed, r.plain)).toEqual(SAME);
          expect(r.untouched).toBe(true);
        }
      }
    }
  });

  test('A B^T is never packed, and a scratch that is not 4-byte aligned is refused', () => {
    expect(gemm1.packBytes({ m: 100, k: 64, n: 64, transposeA: false, transposeB: true })).toBe(0);
    expect(() => gemm1.multiply({ a: 0, b: 4096, c: 8192, m: 8, k: 4, n: 8, transposeA: false, transposeB: false, packScratch: 16386 })).toThrow(
      /packScratch must be 4-byte aligned, got 16386/,
    );
  });

  test('the default (auto) packs only B rows a multiple of GEMM_PACK_STRIDE bytes apart', () => {
    setGemmPacking(true);
    try {
      const shape = (n: number) => ({ m: 100, k: 64, n, transposeA: false, transposeB: false });
      expect(gemm1.packBytes(shape(GEMM_PACK_STRIDE / 4))).toBe(32 * 64 * (GEMM_PACK_STRIDE / 32));
      expect(gemm1.packBytes(shape(512))).toBe(32 * 64 * 64);
      expect(gemm1.packBytes(shape(784))).toBe(0);
      expect(gemm1.packBytes(shape(GEMM_PACK_STRIDE / 4 + 8))).toBe(0);
      const r = both(gemm1, gemm1, single, 20, 9, 256, true, { bias: true });
      expect(r.packBytes).toBeGreaterThan(0);
      expect(bitDifferences(r.packed, r.plain)).toEqual(SAME);
    } finally {
      setGemmPacking('always');
    }
  });

  test('setGemmPacking(false): packBytes is 0 and a given scratch is not used', () => {
    setGemmPacking(false);
    try {
      expect(gemm1.packBytes({ m: 100, k: 64, n: 64, transposeA: false, transposeB: false })).toBe(0);
      const r = both(gemm1, gemm1, single, 20, 9, 16, false);
      expect(r.packBytes).toBe(0);
      expect(bitDifferences(r.packed, r.plain)).toEqual(SAME);
      expect(r.untouched).toBe(true);
    } finally {
      setGemmPacking('always');
    }
  });
});

describe('packed B split over a helper thread (shared memory)', () => {
  test.each([
    [100, 784, 72, false, 1],
    [100, 100, 520, true, 1],
    [66, 128, 70, false, 1],
    [100, 784, 136, false, 2], // the packing split too (17 tiles: pairs and an odd one)
    [40, 784, 136, true, 2],
  ])('m=%i k=%i n=%i (A^T: %s): two threads packed give the bits of one thread unpacked (%i shared jobs)', (m, k, n, ta, jobs) => {
    expect(m * k * n).toBeGreaterThanOrEqual(2 * GEMM_SPLIT_MIN_MACS);
    const before = gemm2.sharedJobs;
    const r = both(gemm2, gemm2, shared, m, k, n, ta, { bias: true, relu: true });
    expect(gemm2.sharedJobs).toBe(before + 1 + jobs); // the unpacked product, then the packed one (and its packing)
    expect(bitDifferences(r.packed, r.plain)).toEqual(SAME);
    expect(r.untouched).toBe(true);
    // And the one-thread unpacked product on the other memory.
    const one = both(gemm1, gemm1, single, m, k, n, ta, { bias: true, relu: true });
    expect(bitDifferences(r.packed, one.plain)).toEqual(SAME);
  });
});

describe('through TensorFlow.js on wasm', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  });
  /** A dense ReLU layer's loss and gradients (fused kernel, A B, A^T B, A B^T) with odd sizes. */
  const run = (): tf.Tensor[] => {
    const x = tf.tensor2d(seededValues(37 * 70, 1, 9), [37, 70]);
    const w = tf.tensor2d(seededValues(70 * 45, 2, 9), [70, 45]);
    const bias = tf.tensor1d(seededValues(45, 3, 9));
    const v = tf.tensor2d(seededValues(45 * 19, 4, 9), [45, 19]);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(tf.matMul(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }), d as tf.Tensor2D)));
    const { value, grads } = tf.valueAndGrads(f)([x, w, bias, v]);
    const plain = tf.matMul(x, w);
    tf.dispose([x, w, bias, v]);
    return [value, ...grads, plain];
  };

  test('the same bits with packing on and off, close to the cpu backend, and no memory left behind', async () => {
    setGemmPacking('always');
    await on('wasm', run); // tfjs keeps a few tensors alive after the first run
    const backend = tf.findBackend('wasm') as tf.KernelBackend;
    const ids = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    const packed = await on('wasm', run);
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
    setGemmPacking(false);
    const plain = await on('wasm', run);
    setGemmPacking('always');
    packed.forEach((p, i) => expect(new Uint32Array(p.buffer)).toEqual(new Uint32Array(plain[i].buffer)));
    const cpu = await on('cpu', run);
    await tf.setBackend('wasm');
    packed.forEach((p, i) => expect(relError(p, cpu[i])).toBeLessThan(1e-5));
  });
});
