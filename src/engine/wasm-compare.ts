/**
 * `Maximum`, `Minimum` and `GreaterEqual` on float32 tensors as 128-bit WebAssembly SIMD loops over
 * the wasm backend's memory. wasm's own kernels for these three take about 7 ns per element here
 * (a [100,784] batch: ~0.57 ms, twenty times its `Multiply`), and a VAE's clipped binary
 * cross-entropy runs each of them twice per training step (`maximum(log(r), -100)` forward,
 * `greaterEqual` in its gradient).
 *
 * Same numbers as wasm's kernels, bit for bit, NaN and signed zeros included:
 * `maximum(a, b) = a < b ? b : a` (`f32x4.pmax`), `minimum(a, b) = b < a ? b : a` (`f32x4.pmin`),
 * `greaterEqual(a, b) = a >= b` (`f32x4.ge`, narrowed to one byte per element, as wasm stores
 * bool). Only equal shapes or one operand of one element; anything else goes to wasm's kernel.
 * The module is assembled by vaelab's own code (`wasm-assembler.ts`); the last elements of a
 * tensor whose size is not a multiple of the loop's width are done by the same rule in JavaScript.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import {
  compileOnMemory,
  functionBody,
  get,
  i32,
  load,
  loadSplat,
  loopNext,
  loopWhileBelow,
  moduleImportingMemory,
  addTo,
  OP,
  set,
  simd,
  store,
  TYPE,
  V128 as V,
} from './wasm-assembler';
import { wasmMemoryOf, type WasmHeapBackend } from './wasm-heap';

/** The three comparisons. */
export type CompareOp = 'max' | 'min' | 'ge';

/** Which operand is a single element (splatted) or neither. */
type Layout = 'vv' | 'vs' | 'sv';

/** (a, b, out, inputBytes): byte addresses; inputBytes a multiple of 16 (max, min) or 64 (ge). */
type CompareFn = (a: number, b: number, out: number, inputBytes: number) => void;

const LAYOUTS: readonly Layout[] = ['vv', 'vs', 'sv'];
const OPS: readonly CompareOp[] = ['max', 'min', 'ge'];

/** Elements one loop iteration takes (the JavaScript tail does the rest). */
export const COMPARE_WIDTH: Readonly<Record<CompareOp, number>> = { max: 4, min: 4, ge: 16 };

/**
 * One loop: params (a, b, out, inputBytes). A single-element operand is splatted once before the
 * loop; max / min write 16 bytes per 16 read, ge writes 16 bytes (0 or 1 each) per 64 read.
 */
function compareBody(op: CompareOp, layout: Layout): number[] {
  const [A, B, OUT, BYTES] = [0, 1, 2, 3];
  const I = 4; // i32 byte index into the inputs
  const [SA, SB, ONE] = [5, 6, 7]; // v128: splatted operands, bytes of 1
  const code: number[] = [];
  if (layout === 'sv') code.push(...get(A), ...loadSplat(), ...set(SA));
  if (layout === 'vs') code.push(...get(B), ...loadSplat(), ...set(SB));
  const operand = (base: number, splat: number, splatted: boolean, offset: number): number[] =>
    splatted ? get(splat) : [...get(base), ...get(I), OP.i32Add, ...load(offset)];
  const pair = (offset: number): number[] => [...operand(A, SA, layout === 'sv', offset), ...operand(B, SB, layout === 'vs', offset)];
  if (op === 'ge') {
    code.push(...simd(V.const), ...Array<number>(16).fill(1), ...set(ONE));
    code.push(...loopWhileBelow(I, BYTES), ...get(OUT));
    for (let k = 0; k < 4; k++) {
      code.push(...pair(16 * k), ...simd(V.f32x4Ge));
      if (k % 2 === 1) code.push(...simd(V.i16x8Narrow32s));
    }
    code.push(...simd(V.i8x16Narrow16s), ...get(ONE), ...simd(V.and), ...store(), ...addTo(OUT, i32(16)), ...loopNext(I, 64));
  } else {
    code.push(...loopWhileBelow(I, BYTES), ...get(OUT), ...get(I), OP.i32Add);
    code.push(...pair(0), ...simd(op === 'max' ? V.f32x4Pmax : V.f32x4Pmin), ...store(), ...loopNext(I, 16));
  }
  return functionBody(
    [
      [1, TYPE.i32],
      [3, TYPE.v128],
    ],
    code,
  );
}

/** The module bytes: one function per operation and layout, named like `max_vs`. */
export function compareModuleBytes(sharedMemory: boolean): Uint8Array {
  const functions = OPS.flatMap((op) =>
    LAYOUTS.map((layout) => ({ name: `${op}_${layout}`, params: Array<number>(4).fill(TYPE.i32), body: compareBody(op, layout) })),
  );
  return moduleImportingMemory(functions, sharedMemory);
}

/** Whether the SIMD loops may be used (tests switch them off to compare with wasm's kernels). */
let enabled = true;

/** Switches the SIMD comparison loops on (default) or off (then wasm's kernels run). */
export function setWasmCompareKernels(on: boolean): void {
  enabled = on;
}

const cache = new WeakMap<object, Record<string, CompareFn> | null>();

function compareFunctions(backend: unknown): Record<string, CompareFn> | null {
  if (!enabled) return null;
  const memory = wasmMemoryOf(backend);
  if (memory === undefined) return null;
  const known = cache.get(memory);
  if (known !== undefined) return known;
  const fns = (compileOnMemory(compareModuleBytes, memory)?.exports as Record<string, CompareFn> | undefined) ?? null;
  cache.set(memory, fns);
  return fns;
}

/** The scalar rule of each operation (the JavaScript tail; the same as the SIMD instruction). */
const RULES: Readonly<Record<CompareOp, (a: number, b: number) => number>> = {
  max: (a, b) => (a < b ? b : a),
  min: (a, b) => (b < a ? b : a),
  ge: (a, b) => (a >= b ? 1 : 0),
};

/**
 * The kernel for `op`: the SIMD loop when both inputs are float32 and either have the same shape
 * or one of them has a single element; else `stockFunc` (wasm's kernel).
 */
export function compareKernel(op: CompareOp, stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stockFunc(args);
    const na = tf.util.sizeFromShape(a.shape);
    const nb = tf.util.sizeFromShape(b.shape);
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const n = tf.util.sizeFromShape(outShape);
    const layout: Layout | null = tf.util.arraysEqual(a.shape, b.shape) ? 'vv' : nb === 1 && na === n ? 'vs' : na === 1 && nb === n ? 'sv' : null;
    const fns = layout === null ? null : compareFunctions(args.backend);
    if (layout === null || fns === null) return stockFunc(args);
    const backend = args.backend as WasmHeapBackend & KernelBackend;
    const out = backend.makeOutput(outShape, (op === 'ge' ? 'bool' : 'float32') as 'float32');
    if (n === 0) return out;
    // Addresses only after the allocation (it may grow the memory).
    const address = (t: TensorInfo): number => backend.typedArrayFromHeap(t).byteOffset;
    const [pa, pb, po] = [address(a), address(b), address(out)];
    const width = COMPARE_WIDTH[op];
    const done = n - (n % width);
    if (done > 0) fns[`${op}_${layout}`](pa, pb, po, 4 * done);
    if (done < n) {
      const buffer = (wasmMemoryOf(backend) as { buffer: ArrayBufferLike }).buffer;
      const heap = new Float32Array(buffer);
      const bytes = new Uint8Array(buffer);
      const rule = RULES[op];
      const ia = pa >>> 2;
      const ib = pb >>> 2;
      for (let i = done; i < n; i++) {
        const v = rule(heap[layout === 'sv' ? ia : ia + i], heap[layout === 'vs' ? ib : ib + i]);
        if (op === 'ge') bytes[po + i] = v;
        else heap[(po >>> 2) + i] = v;
      }
    }
    return out;
  };
}
