/**
 * Helpers of the product kernels' tests (src/engine/wasm-gemm*.ts): wasm memories, and one product
 * computed two ways side by side in one heap, with sentinels around everything, so that a test can
 * hold the two results to the same bits and check that nothing else was written.
 */
import type { GemmProduct } from '../src/engine/wasm-gemm';
import { seededValues } from './wasm-fixtures';

/** The part of a `WebAssembly.Memory` the tests read. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

const MemoryClass = (
  globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory } }
).WebAssembly.Memory;

/** A wasm memory of `pages` 64 KiB pages; `shared` for the products split over helper threads. */
export function wasmMemory(pages: number, shared: boolean): WasmMemory {
  return shared ? new MemoryClass({ initial: pages, maximum: 65536, shared: true }) : new MemoryClass({ initial: pages });
}

/** A product's shape, its A and its epilogue, for {@link twoWays}. */
export interface ProductCase {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transposeA: boolean;
  /** A's values: row-major [m, k], or [k, m] when `transposeA`. */
  readonly a: Float32Array;
  readonly bias?: boolean;
  readonly relu?: boolean;
  /** C += A B: both C's start from the same seeded values (otherwise from NaN, which must be overwritten). */
  readonly accumulate?: boolean;
}

/** The bits each way wrote to its C, and whether every float outside the two C's and the scratch kept its value. */
export interface TwoWays {
  readonly first: Uint32Array;
  readonly second: Uint32Array;
  readonly untouched: boolean;
}

/**
 * Lays out A, seeded B and bias, two copies of C0 and `scratchBytes` of scratch (16-byte aligned,
 * plus `misalignBytes`) in `memory`, with 1234.5 everywhere else; then `first` computes the product
 * into the first C and `second` into the second, each given the product (C pointing at its own copy)
 * and the scratch's byte address.
 */
export function twoWays(
  memory: WasmMemory,
  p: ProductCase,
  scratchBytes: number,
  first: (product: GemmProduct, scratch: number) => void,
  second: (product: GemmProduct, scratch: number) => void,
  misalignBytes = 0,
): TwoWays {
  const { m, k, n } = p;
  const heap = new Float32Array(memory.buffer);
  const a = 16;
  const b = a + m * k + 4;
  const bias = b + k * n + 4;
  const c1 = bias + n + 4;
  const c2 = c1 + m * n + 4;
  const scratch = 4 * Math.ceil((c2 + m * n + 8) / 4) + misalignBytes / 4;
  const end = scratch + scratchBytes / 4 + 64;
  if (4 * end > memory.buffer.byteLength)
    throw new RangeError(`twoWays: the case needs ${4 * end} bytes, the memory has ${memory.buffer.byteLength}`);
  heap.fill(1234.5, 0, end);
  heap.set(p.a, a);
  heap.set(seededValues(k * n, k + 3 * n, 2), b);
  heap.set(seededValues(n, n, 3), bias);
  const c0 = p.accumulate === true ? seededValues(m * n, m * n, 4) : new Float32Array(m * n).fill(Number.NaN);
  heap.set(c0, c1);
  heap.set(c0, c2);
  const product: GemmProduct = {
    a: 4 * a,
    b: 4 * b,
    c: 4 * c1,
    bias: p.bias === true ? 4 * bias : undefined,
    m,
    k,
    n,
    transposeA: p.transposeA,
    transposeB: false,
    relu: p.relu,
    accumulate: p.accumulate,
  };
  const before = heap.slice(0, end);
  first(product, 4 * scratch);
  second({ ...product, c: 4 * c2 }, 4 * scratch);
  const after = new Float32Array(memory.buffer);
  let untouched = true;
  for (let i = 0; i < end; i++) {
    const inC = (i >= c1 && i < c1 + m * n) || (i >= c2 && i < c2 + m * n);
    const inScratch = i >= scratch && i < scratch + scratchBytes / 4;
    if (!inC && !inScratch && !Object.is(after[i], before[i])) untouched = false;
  }
  const bits = (at: number): Uint32Array => new Uint32Array(memory.buffer, 4 * at, m * n).slice();
  return { first: bits(c1), second: bits(c2), untouched };
}

/** How two results' bits differ: `{ count: 0, first: null }` when they are the same. */
export interface BitDifferences {
  readonly count: number;
  /** The first entry that differs, with both values as floats. */
  readonly first: { readonly index: number; readonly got: number; readonly expected: number } | null;
}

/**
 * Compares `got` with `expected` bit for bit. Tests expect `{ count: 0, first: null }`: a failure then
 * prints how many entries differ and the first one, at once (jest's diff of two large arrays takes minutes).
 */
export function bitDifferences(got: Uint32Array, expected: Uint32Array): BitDifferences {
  if (got.length !== expected.length) throw new RangeError(`bitDifferences: ${got.length} entries against ${expected.length}`);
  const asFloat = (bits: Uint32Array, i: number) => new Float32Array(bits.buffer, bits.byteOffset + 4 * i, 1)[0];
  let count = 0;
  let first: BitDifferences['first'] = null;
  for (let i = 0; i < got.length; i++) {
    if (got[i] === expected[i]) continue;
    count++;
    first ??= { index: i, got: asFloat(got, i), expected: asFloat(expected, i) };
  }
  return { count, first };
}

/** Float32 bits with every NaN as one pattern (wasm does not fix a NaN's payload). */
export function bitsNaNAsOne(values: ArrayLike<number>): Uint32Array {
  const f = Float32Array.from(values);
  const bits = new Uint32Array(f.buffer);
  for (let i = 0; i < f.length; i++) if (Number.isNaN(f[i])) bits[i] = 0x7fc00000;
  return bits;
}

/** {@link bitDifferences} of two float arrays, every NaN counted as the same. */
export function nanAgnosticDifferences(got: ArrayLike<number>, expected: ArrayLike<number>): BitDifferences {
  return bitDifferences(bitsNaNAsOne(got), bitsNaNAsOne(expected));
}
