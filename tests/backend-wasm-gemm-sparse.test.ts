/**
 * Products that skip A's zeros (`sparseScratch`, src/engine/wasm-gemm*.ts): when a block of 4 rows
 * of A is zero at some k, the product leaves that k out. The tests hold it to the dense product bit
 * for bit (A B and A^T B, every row and column tail, B as it lies and in panels, bias, ReLU,
 * accumulate, -0 and NaN in A), on one thread and split over a helper thread; check that it is
 * taken only for a mostly-zero A, that nothing outside C and the scratch is written, and that a
 * dense layer's training step on MNIST-like inputs through TensorFlow.js gives the same bits with
 * it on and off.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { setGemmPacking, setGemmSparse, wasmGemmOf } from '../src/engine';
import { GEMM_SPARSE_MIN_MACS, wasmGemmFor, type WasmGemm } from '../src/engine/wasm-gemm';
import { on, seededValues } from './wasm-fixtures';
import { bitDifferences, twoWays, wasmMemory, type WasmMemory } from './wasm-gemm-fixtures';

const SAME = { count: 0, first: null };

const single = wasmMemory(512, false);
const shared = wasmMemory(512, true);
const gemm1 = wasmGemmFor(single, 1) as WasmGemm;
const gemm2 = wasmGemmFor(shared, 2) as WasmGemm;

/**
 * A [rows, cols] like a batch of digits: each row nonzero only in a band of columns that moves with
 * the row (so blocks of rows share some columns and not others), about `density` of it nonzero.
 */
function digitLike(rows: number, cols: number, density: number, seed: number): Float32Array {
  const out = seededValues(rows * cols, seed, 11);
  const noise = seededValues(rows * cols, seed, 12);
  const band = Math.max(1, Math.round(density * cols * 1.6));
  for (let r = 0; r < rows; r++) {
    const start = (r * 7) % Math.max(1, cols - band + 1);
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      if (c < start || c >= start + band || noise[i] < -0.4) out[i] = 0;
      else out[i] = Math.abs(out[i]);
    }
  }
  return out;
}

interface Opts {
  bias?: boolean;
  relu?: boolean;
  accumulate?: boolean;
  /** Also give a packing scratch (B in panels where the product packs). */
  pack?: boolean;
  /** A's values (row-major [m,k], or [k,m] for A^T); digit-like by default. */
  a?: Float32Array;
}

/**
 * The product without a sparse scratch into the first C and with one into the second (both with B in
 * panels when `pack`); returns both C's bits, whether the sparse path was taken, and whether every
 * float outside the two C's and the scratch areas kept its value.
 */
function both(gemm: WasmGemm, memory: WasmMemory, m: number, k: number, n: number, ta: boolean, o: Opts = {}) {
  const shape = { m, k, n, transposeA: ta, transposeB: false };
  const packBytes = o.pack === true ? gemm.packBytes(shape) : 0;
  const sparseBytes = gemm.sparseBytes(shape);
  const a = o.a ?? digitLike(ta ? k : m, ta ? m : k, 0.2, m + k);
  const packScratch = (scratch: number) => (packBytes > 0 ? scratch : undefined);
  let taken = 0;
  const r = twoWays(
    memory,
    { m, k, n, transposeA: ta, a, bias: o.bias, relu: o.relu, accumulate: o.accumulate },
    packBytes + sparseBytes + 16,
    (p, scratch) => {
      gemm.multiply({ ...p, packScratch: packScratch(scratch) });
      taken = gemm.sparseProducts;
    },
    (p, scratch) => gemm.multiply({ ...p, packScratch: packScratch(scratch), sparseScratch: scratch + packBytes + 16 }),
  );
  return { dense: r.first, sparse: r.second, sparseTaken: gemm.sparseProducts > taken, untouched: r.untouched, sparseBytes };
}

describe('skipping A zeros, one thread', () => {
  // Every shape packs B when asked ('always'), so that panels meet every tail; the default packs only some strides.
  beforeAll(() => setGemmPacking('always'));
  afterAll(() => setGemmPacking(true));

  // m: whole blocks of 4 and each row tail; n: 8-, 4- and 1-wide column tiles, and n = 128 (B packs by default).
  const cases: Array<[number, number, number]> = [
    [100, 784, 16],
    [101, 800, 13],
    [102, 700, 20],
    [103, 600, 29],
    [96, 100, 128],
    [784, 100, 40],
  ];
  test.each(cases)('m=%i k=%i n=%i: the bits of the dense product (A B and A^T B, with and without B in panels)', (m, k, n) => {
    expect(m * k * n).toBeGreaterThanOrEqual(GEMM_SPARSE_MIN_MACS);
    for (const ta of [false, true]) {
      for (const pack of [false, true]) {
        const r = both(gemm1, single, m, k, n, ta, { pack });
        expect(r.sparseTaken).toBe(true);
        expect(bitDifferences(r.sparse, r.dense)).toEqual(SAME);
        expect(r.untouched).toBe(true);
      }
    }
  });

  test('bias, ReLU and accumulate: the same bits', () => {
    for (const opts of [
      { bias: true },
      { relu: true },
      { bias: true, relu: true },
      { accumulate: true },
      { accumulate: true, bias: true, relu: true },
    ]) {
      for (const ta of [false, true]) {
        const r = both(gemm1, single, 101, 400, 40, ta, { ...opts, pack: true });
        expect(r.sparseTaken).toBe(true);
        expect(bitDifferences(r.sparse, r.dense)).toEqual(SAME);
      }
    }
  });

  test('-0 and NaN in A: the same results (NaN is kept, -0 skipped like 0)', () => {
    const [m, k, n] = [100, 400, 32];
    const a = digitLike(m, k, 0.2, 5);
    for (let i = 0; i < a.length; i += 7) if (a[i] === 0) a[i] = -0;
    a[3 * k + 200] = Number.NaN;
    const r = both(gemm1, single, m, k, n, false, { a });
    expect(r.sparseTaken).toBe(true);
    const dense = new Float32Array(r.dense.buffer);
    const sparse = new Float32Array(r.sparse.buffer);
    expect(Number.isNaN(sparse[3 * n])).toBe(true);
    for (let i = 0; i < dense.length; i++) expect(Object.is(sparse[i], dense[i]) || (Number.isNaN(sparse[i]) && Number.isNaN(dense[i]))).toBe(true);
  });

  test('taken only for a mostly-zero A, large enough products and when switched on', () => {
    const dense = seededValues(100 * 784, 1, 13);
    expect(both(gemm1, single, 100, 784, 16, false, { a: dense }).sparseTaken).toBe(false);
    expect(gemm1.sparseBytes({ m: 100, k: 784, n: 16, transposeA: false, transposeB: true })).toBe(0);
    expect(gemm1.sparseBytes({ m: 10, k: 10, n: 10, transposeA: false, transposeB: false })).toBe(0);
    setGemmSparse(false);
    try {
      expect(gemm1.sparseBytes({ m: 100, k: 784, n: 16, transposeA: false, transposeB: false })).toBe(0);
    } finally {
      setGemmSparse(true);
    }
  });

  test('a sparse scratch that is not 4-byte aligned is refused', () => {
    const heap = new Float32Array(single.buffer);
    heap.fill(0, 0, 100 * 784 + 784 * 16 + 100 * 16 + 64);
    expect(() =>
      gemm1.multiply({
        a: 64,
        b: 64 + 4 * 78400,
        c: 64 + 4 * (78400 + 784 * 16),
        m: 100,
        k: 784,
        n: 16,
        transposeA: false,
        transposeB: false,
        sparseScratch: 2 ** 21 + 2,
      }),
    ).toThrow(/sparseScratch must be 4-byte aligned, got 2097154/);
  });
});

describe('skipping A zeros split over a helper thread (shared memory)', () => {
  test.each([
    [100, 784, 512, false],
    [784, 100, 512, true],
    [101, 784, 40, false],
  ])('m=%i k=%i n=%i (A^T: %s): two threads give the bits of one thread, dense', (m, k, n, ta) => {
    const jobs = gemm2.sharedJobs;
    const r = both(gemm2, shared, m, k, n, ta, { bias: true, relu: true, pack: true });
    expect(r.sparseTaken).toBe(true);
    expect(gemm2.sharedJobs).toBeGreaterThan(jobs);
    expect(bitDifferences(r.sparse, r.dense)).toEqual(SAME);
    expect(r.untouched).toBe(true);
    const one = both(gemm1, single, m, k, n, ta, { bias: true, relu: true, pack: true });
    expect(bitDifferences(r.sparse, one.dense)).toEqual(SAME);
  });
});

describe('through TensorFlow.js on wasm', () => {
  beforeAll(async () => {
    expect(await initBackend({ backend: 'wasm', announce: false })).toBe('wasm');
  });
  afterAll(() => setGemmPacking(true));

  /** A two-layer ReLU network's loss and gradients on digit-like inputs (the first layer's A is mostly zeros). */
  const run = (): tf.Tensor[] => {
    const x = tf.tensor2d(digitLike(100, 784, 0.2, 9), [100, 784]);
    const w = tf.tensor2d(
      seededValues(784 * 128, 2, 9).map((v) => 0.05 * v),
      [784, 128],
    );
    const bias = tf.tensor1d(seededValues(128, 3, 9));
    const v = tf.tensor2d(seededValues(128 * 19, 4, 9), [128, 19]);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Scalar =>
      tf.sum(tf.square(tf.matMul(tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation: 'relu' }), d as tf.Tensor2D)));
    const { value, grads } = tf.valueAndGrads(f)([x, w, bias, v]);
    tf.dispose([x, w, bias, v]);
    return [value, ...grads];
  };

  test('a training step gives the same bits with skipping on and off, and takes it for the first layer', async () => {
    const gemm = wasmGemmOf(tf.findBackend('wasm'));
    expect(gemm).not.toBeNull();
    const before = gemm?.sparseProducts ?? 0;
    setGemmSparse(true);
    const sparse = await on('wasm', run);
    const after = gemm?.sparseProducts ?? 0;
    setGemmSparse(false);
    const dense = await on('wasm', run);
    setGemmSparse(true);
    await tf.setBackend('wasm');
    expect(after - before).toBe(2); // x w forward and x^T dy for w's gradient
    sparse.forEach((s, i) => expect(new Uint32Array(s.buffer)).toEqual(new Uint32Array(dense[i].buffer)));
  });
});
