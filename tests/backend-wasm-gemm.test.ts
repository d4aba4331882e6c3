/**
 * vaelab's own matrix product and convolution loops (src/engine/wasm-gemm*.ts) on a bare
 * WebAssembly.Memory, against plain double-precision loops: every transpose combination, register
 * block and column-tile tail, the bias / ReLU / accumulate epilogue, the implicit-GEMM convolution,
 * and the same numbers when the work is split over a helper thread (shared memory).
 */
import { GEMM_MR } from '../src/engine/wasm-gemm-code';
import { GEMM_SPLIT_MIN_MACS, wasmGemmFor, type GemmConv, type WasmGemm } from '../src/engine/wasm-gemm';
import { seededValues } from './wasm-fixtures';
import { wasmMemory, type WasmMemory } from './wasm-gemm-fixtures';

const PAGES = 256; // 16 MiB

interface Mem {
  memory: WasmMemory;
  heap(): Float32Array;
  /** Copies values in at an element offset, returns the byte address. */
  put(at: number, values: Float32Array): number;
}

function memory(shared: boolean): Mem {
  const memory = wasmMemory(PAGES, shared);
  const heap = (): Float32Array => new Float32Array(memory.buffer);
  return {
    memory,
    heap,
    put(at, values) {
      heap().set(values, at);
      return 4 * at;
    },
  };
}

/** C = op(A) op(B) (+ bias) (ReLU) (+ C0) in double precision. */
function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
  bias?: Float32Array,
  relu = false,
  c0?: Float32Array,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let kk = 0; kk < k; kk++) s += (ta ? a[kk * m + i] : a[i * k + kk]) * (tb ? b[j * k + kk] : b[kk * n + j]);
      if (c0 !== undefined) s += c0[i * n + j];
      if (bias !== undefined) s += bias[j];
      out[i * n + j] = relu && s < 0 ? 0 : s;
    }
  }
  return out;
}

function expectClose(got: Float32Array, want: Float64Array, k: number): void {
  expect(got.length).toBe(want.length);
  let err = 0;
  for (let i = 0; i < got.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
  // float32 sums of k products of values in [-1, 1).
  expect(err).toBeLessThan(1e-6 * (k + 4));
}

/** Runs one product in fresh memory and returns C. */
function product(
  gemm: WasmGemm,
  mem: Mem,
  m: number,
  k: number,
  n: number,
  ta: boolean,
  tb: boolean,
  opts: { bias?: boolean; relu?: boolean; accumulate?: boolean } = {},
) {
  const a = seededValues(m * k, m + 3 * k, 1);
  const b = seededValues(k * n, k + 5 * n, 2);
  const bias = opts.bias ? seededValues(n, n, 3) : undefined;
  const c0 = opts.accumulate ? seededValues(m * n, m * n, 4) : undefined;
  const aAt = mem.put(0, a);
  const bAt = mem.put(m * k, b);
  const cAt = mem.put(m * k + k * n, c0 ?? new Float32Array(m * n).fill(Number.NaN));
  const biasAt = bias === undefined ? undefined : mem.put(m * k + k * n + m * n, bias);
  gemm.multiply({ a: aAt, b: bAt, c: cAt, bias: biasAt, m, k, n, transposeA: ta, transposeB: tb, relu: opts.relu, accumulate: opts.accumulate });
  const c = mem.heap().slice(cAt / 4, cAt / 4 + m * n);
  return { c, want: reference(a, b, m, k, n, ta, tb, bias, opts.relu, c0) };
}

const single = memory(false);
const gemm1 = wasmGemmFor(single.memory, 1) as WasmGemm;

describe('products on one thread', () => {
  test('the loops load (WebAssembly SIMD is there)', () => {
    expect(gemm1).not.toBeNull();
    expect(gemm1.threads).toBe(1);
  });

  // Every row count 1..2*MR+1 (full blocks and each tail) and column counts with 8-, 4- and 1-wide tiles.
  const shapes: Array<[number, number, number]> = [];
  for (let m = 1; m <= 2 * GEMM_MR + 1; m++) shapes.push([m, 12, 8 + 4 + 3]);
  shapes.push([37, 64, 29], [5, 4, 1], [1, 8, 1]);
  test.each(shapes)('A B, A^T B, A B^T for m=%i k=%i n=%i equal double-precision loops', (m, k, n) => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const { c, want } = product(gemm1, single, m, k, n, ta, tb);
      expectClose(c, want, k);
    }
  });

  test('bias, ReLU and accumulate are applied in that order (C0 + AB + bias, then clamp)', () => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      for (const opts of [
        { bias: true },
        { relu: true },
        { bias: true, relu: true },
        { accumulate: true },
        { accumulate: true, bias: true, relu: true },
      ]) {
        const { c, want } = product(gemm1, single, 9, 16, 13, ta, tb, opts);
        expectClose(c, want, 16);
        if (opts.relu === true) expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
      }
    }
  });

  test('unsupported combinations are refused with a message saying what is supported', () => {
    expect(gemm1.supports(true, true, 8)).toBe(false);
    expect(gemm1.supports(false, true, 6)).toBe(false);
    expect(() => gemm1.multiply({ a: 0, b: 0, c: 0, m: 2, k: 6, n: 2, transposeA: false, transposeB: true })).toThrow(
      /unsupported product \(transposeA false, transposeB true, k 6\); expected A B, A\^T B, or A B\^T with k a multiple of 4/,
    );
  });
});

/** out[b,y,x,o] = sum x[b, y*sh+i, x*sw+j, c] * f[i,j,c,o], double precision. */
function convReference(x: Float32Array, f: Float32Array, p: Omit<GemmConv, 'x' | 'filter' | 'out'>): Float64Array {
  const out = new Float64Array(p.batch * p.outHeight * p.outWidth * p.outChannels);
  for (let b = 0; b < p.batch; b++)
    for (let y = 0; y < p.outHeight; y++)
      for (let xo = 0; xo < p.outWidth; xo++)
        for (let o = 0; o < p.outChannels; o++) {
          let s = 0;
          for (let i = 0; i < p.filterHeight; i++)
            for (let j = 0; j < p.filterWidth; j++)
              for (let c = 0; c < p.inChannels; c++) {
                const xi = ((b * p.inHeight + y * p.strideHeight + i) * p.inWidth + xo * p.strideWidth + j) * p.inChannels + c;
                s += x[xi] * f[((i * p.filterWidth + j) * p.inChannels + c) * p.outChannels + o];
              }
          out[((b * p.outHeight + y) * p.outWidth + xo) * p.outChannels + o] = s;
        }
  return out;
}

function conv(gemm: WasmGemm, mem: Mem, p: Omit<GemmConv, 'x' | 'filter' | 'out'>) {
  const x = seededValues(p.batch * p.inHeight * p.inWidth * p.inChannels, p.inChannels, 5);
  const f = seededValues(p.filterHeight * p.filterWidth * p.inChannels * p.outChannels, p.outChannels, 6);
  const outSize = p.batch * p.outHeight * p.outWidth * p.outChannels;
  const xAt = mem.put(0, x);
  const fAt = mem.put(x.length, f);
  const outAt = mem.put(x.length + f.length, new Float32Array(outSize).fill(Number.NaN));
  gemm.conv2d({ ...p, x: xAt, filter: fAt, out: outAt });
  return { out: mem.heap().slice(outAt / 4, outAt / 4 + outSize), want: convReference(x, f, p) };
}

const convCases: Array<Omit<GemmConv, 'x' | 'filter' | 'out'>> = [
  // 3x3 stride 2 (the conv VAE's encoder), output width not a multiple of the register block.
  {
    batch: 3,
    inHeight: 15,
    inWidth: 15,
    inChannels: 4,
    filterHeight: 3,
    filterWidth: 3,
    strideHeight: 2,
    strideWidth: 2,
    outHeight: 7,
    outWidth: 7,
    outChannels: 13,
  },
  // one input channel, stride 1, a non-square filter and stride.
  {
    batch: 2,
    inHeight: 9,
    inWidth: 11,
    inChannels: 1,
    filterHeight: 2,
    filterWidth: 3,
    strideHeight: 1,
    strideWidth: 2,
    outHeight: 8,
    outWidth: 5,
    outChannels: 8,
  },
  // one output channel (dot products over filter rows), stride 1 and 2.
  {
    batch: 3,
    inHeight: 10,
    inWidth: 10,
    inChannels: 4,
    filterHeight: 3,
    filterWidth: 3,
    strideHeight: 1,
    strideWidth: 1,
    outHeight: 8,
    outWidth: 8,
    outChannels: 1,
  },
  {
    batch: 2,
    inHeight: 11,
    inWidth: 13,
    inChannels: 8,
    filterHeight: 3,
    filterWidth: 2,
    strideHeight: 2,
    strideWidth: 2,
    outHeight: 5,
    outWidth: 6,
    outChannels: 1,
  },
];

describe('convolutions (implicit GEMM)', () => {
  test.each(convCases)('conv2d %o equals double-precision loops', (p) => {
    const { out, want } = conv(gemm1, single, p);
    expectClose(out, want, p.filterHeight * p.filterWidth * p.inChannels);
  });

  test.each(convCases)('the filter gradient of %o equals double-precision loops, added to what the filter holds', (p) => {
    const x = seededValues(p.batch * p.inHeight * p.inWidth * p.inChannels, p.inChannels, 7);
    const dy = seededValues(p.batch * p.outHeight * p.outWidth * p.outChannels, p.outChannels, 8);
    const start = seededValues(p.filterHeight * p.filterWidth * p.inChannels * p.outChannels, 3, 9);
    const want = Float64Array.from(start);
    for (let b = 0; b < p.batch; b++)
      for (let y = 0; y < p.outHeight; y++)
        for (let xo = 0; xo < p.outWidth; xo++)
          for (let i = 0; i < p.filterHeight; i++)
            for (let j = 0; j < p.filterWidth; j++)
              for (let c = 0; c < p.inChannels; c++)
                for (let o = 0; o < p.outChannels; o++) {
                  const xi = ((b * p.inHeight + y * p.strideHeight + i) * p.inWidth + xo * p.strideWidth + j) * p.inChannels + c;
                  want[((i * p.filterWidth + j) * p.inChannels + c) * p.outChannels + o] +=
                    x[xi] * dy[((b * p.outHeight + y) * p.outWidth + xo) * p.outChannels + o];
                }
    const xAt = single.put(0, x);
    const dyAt = single.put(x.length, dy);
    const fAt = single.put(x.length + dy.length, start);
    gemm1.conv2dFilterGrad({ ...p, x: xAt, filter: fAt, out: dyAt });
    expectClose(single.heap().slice(fAt / 4, fAt / 4 + start.length), want, p.batch * p.outHeight * p.outWidth);
  });

  test('the filter gradient split into partials (runs of images) adds up to the whole, with the same partials on 2 threads', () => {
    const p = { ...convCases[0], batch: 5 };
    const size = p.filterHeight * p.filterWidth * p.inChannels * p.outChannels;
    const x = seededValues(p.batch * p.inHeight * p.inWidth * p.inChannels, 11, 12);
    const dy = seededValues(p.batch * p.outHeight * p.outWidth * p.outChannels, 13, 14);
    const run = (gemm: WasmGemm, mem: Mem, partials: number): Float32Array => {
      const xAt = mem.put(0, x);
      const dyAt = mem.put(x.length, dy);
      const fAt = mem.put(x.length + dy.length, new Float32Array(partials * size));
      gemm.conv2dFilterGrad({ ...p, x: xAt, filter: fAt, out: dyAt }, partials);
      return mem.heap().slice(fAt / 4, fAt / 4 + partials * size);
    };
    const whole = run(gemm1, single, 1);
    const parts = run(gemm1, single, 3);
    const summed = new Float64Array(size);
    for (let i = 0; i < 3; i++) for (let j = 0; j < size; j++) summed[j] += parts[i * size + j];
    expectClose(whole, summed, p.batch * p.outHeight * p.outWidth);
    expect(parts.subarray(2 * size).some((v) => v !== 0)).toBe(true); // every partial got images
    const sharedMem = memory(true);
    expect(run(wasmGemmFor(sharedMem.memory, 2) as WasmGemm, sharedMem, 3)).toEqual(parts);
    expect(() => gemm1.conv2dFilterGrad({ ...p, x: 0, filter: 0, out: 0 }, 0)).toThrow(/partials must be an integer >= 1, got 0/);
  });

  test('an input too small for the output is refused, naming both sizes', () => {
    expect(() => conv(gemm1, single, { ...convCases[0], inHeight: 14 })).toThrow(/a 7x7 output needs a padded input of at least 15x15, got 14x15/);
  });
});

describe('split over a helper thread (shared memory)', () => {
  const shared = memory(true);
  const gemm2 = wasmGemmFor(shared.memory, 2) as WasmGemm;

  test('two threads, and exactly the numbers of one thread', () => {
    expect(gemm2.threads).toBe(2);
    expect(gemm1.sharedJobs).toBe(0);
    const m = 66;
    const k = 128;
    const n = 70;
    expect(m * k * n).toBeGreaterThanOrEqual(2 * GEMM_SPLIT_MIN_MACS); // large enough to be split
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      const before = gemm2.sharedJobs;
      const two = product(gemm2, shared, m, k, n, ta, tb, { bias: true, relu: true });
      expect(gemm2.sharedJobs).toBe(before + 1);
      const one = product(gemm1, single, m, k, n, ta, tb, { bias: true, relu: true });
      expect(two.c).toEqual(one.c);
      expectClose(two.c, two.want, k);
    }
  });

  test('a convolution split by images gives exactly the numbers of one thread', () => {
    const p = { ...convCases[0], batch: 12, inChannels: 32, outChannels: 16 };
    const before = gemm2.sharedJobs;
    const two = conv(gemm2, shared, p);
    expect(gemm2.sharedJobs).toBe(before + 1);
    const one = conv(gemm1, single, p);
    expect(two.out).toEqual(one.out);
    expectClose(two.out, two.want, 9 * 32);
  });
});
