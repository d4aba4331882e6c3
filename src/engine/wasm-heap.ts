/**
 * Low-level helpers shared by vaelab's wasm kernels: running the backend's own kernels at
 * backend level (no engine bookkeeping), reading and writing tensors straight in wasm memory,
 * borrowed views into another tensor's memory, and the safe plain matrix product.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { wasmGemmFor, type WasmGemm } from './wasm-gemm';

/** The backend name of TensorFlow.js's wasm backend. */
export const WASM = 'wasm';

/** The stock wasm kernels vaelab replaced, kept to call and to restore. */
export const stockWasmKernels = new Map<string, KernelConfig>();

/** The parts of the wasm backend used to write a kernel's output in place. */
export interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** Internals of the wasm backend needed to drop a borrowed view without freeing its memory. */
interface WasmInternals extends WasmHeapBackend {
  dataIdMap: {
    get(dataId: object): { id: number; memoryOffset: number } | undefined;
    delete(dataId: object): boolean;
  };
  wasm: { tfjs: { disposeData(id: number): void } };
}

/** Runs a wasm kernel (the stock one when vaelab replaced it) at backend level. */
export function runWasmKernel(name: string, backend: KernelBackend, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
  const config = stockWasmKernels.get(name) ?? tf.getKernel(name, WASM);
  if (config === undefined) throw new Error(`The wasm backend has no '${name}' kernel.`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

/** Runs the wasm kernel registered now (vaelab's where it replaced wasm's) at backend level. */
export function runRegisteredWasmKernel(
  name: string,
  backend: KernelBackend,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = tf.getKernel(name, WASM);
  if (config === undefined) throw new Error(`The wasm backend has no '${name}' kernel.`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

/** Frees backend-level tensors. */
export function freeWasm(backend: KernelBackend, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/**
 * A float32 tensor of `shape` whose data is `base`'s memory from element `offset` on (no copy).
 * Only for reading inside one kernel; release it with {@link dropView}, never with disposeData
 * (that would free `base`'s memory).
 */
export function borrowView(backend: WasmHeapBackend, base: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const entry = (backend as WasmInternals).dataIdMap.get(base.dataId);
  if (entry === undefined) throw new Error('borrowView: the base tensor is not on the wasm backend.');
  return backend.makeOutput(shape, 'float32', entry.memoryOffset + 4 * offset);
}

/** Forgets a view made by {@link borrowView} (its memory stays with the base tensor). */
export function dropView(backend: WasmHeapBackend, view: TensorInfo): void {
  const internals = backend as WasmInternals;
  const entry = internals.dataIdMap.get(view.dataId);
  if (entry === undefined) return;
  internals.wasm.tfjs.disposeData(entry.id);
  internals.dataIdMap.delete(view.dataId);
}

/**
 * wasm's BatchMatMul caches its XNNPACK operator (with the packed right-hand matrix) by the
 * right-hand tensor's buffer id only. A reshape shares the buffer, so the same buffer used as
 * `b` with another shape would hit a stale operator and give wrong numbers. vaelab remembers the
 * shape each buffer was first used with and gives the product a copy when the shape differs.
 */
const matMulRhsShapes = new WeakMap<object, string>();

function rhsShapeKey(b: TensorInfo): string {
  const r = b.shape.length;
  const rows = b.shape[r - 2];
  const cols = b.shape[r - 1];
  return `${tf.util.sizeFromShape(b.shape) / (rows * cols)}x${rows}x${cols}`;
}

/** `b`, or a copy of it when its buffer was used as a right-hand matrix of another shape. */
export function safeRhs(backend: KernelBackend, b: TensorInfo): TensorInfo {
  const key = rhsShapeKey(b);
  const seen = matMulRhsShapes.get(b.dataId);
  if (seen === undefined) {
    matMulRhsShapes.set(b.dataId, key);
    return b;
  }
  if (seen === key) return b;
  const copy = runWasmKernel('Identity', backend, { x: b });
  matMulRhsShapes.set(copy.dataId, key);
  return copy;
}

/** Plain (no transposes) product a [m,k] x b [k,n]: vaelab's own product, else wasm's fast path. */
export function matMulPlain(backend: KernelBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  const own = ownMatMul(backend, { a, b }, { transposeA: false, transposeB: false });
  if (own !== null) return own;
  const rhs = safeRhs(backend, b);
  const out = runWasmKernel('BatchMatMul', backend, { a, b: rhs }, { transposeA: false, transposeB: false });
  if (rhs !== b) freeWasm(backend, rhs);
  return out;
}

/** Padding attribute of tfjs convolution kernels. */
export type ConvPad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

/** The attributes of a conv gradient kernel that decide its geometry. */
export interface ConvGeometryAttrs {
  readonly strides: [number, number] | number;
  readonly pad: ConvPad;
  readonly dataFormat?: string;
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * tfjs's conv geometry (output size, strides, padding) for an NHWC input and an [kh, kw, ci, co]
 * filter, dilation 1. Throws for another data format, naming `kernel`.
 */
export function convInfoChannelsLast(
  kernel: string,
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvGeometryAttrs,
): tf.backend_util.Conv2DInfo {
  const { dataFormat } = attrs;
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`vaelab's wasm ${kernel} supports dataFormat 'NHWC' only, got '${String(dataFormat)}'.`);
  }
  return tf.backend_util.computeConv2DInfo(inputShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
}

/** The WebAssembly.Memory of a wasm backend: `asm.memory` (single-threaded build) or `wasmMemory` (threaded), if found. */
export function wasmMemoryOf(backend: unknown): object | undefined {
  const memoryClass = (globalThis as unknown as { WebAssembly?: { Memory: abstract new (...args: never[]) => object } }).WebAssembly?.Memory;
  if (memoryClass === undefined) return undefined;
  const module = (backend as { wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown } }).wasm;
  const candidates = [module?.asm?.memory, module?.wasmMemory];
  return candidates.find((m): m is object => m instanceof memoryClass);
}

/** vaelab's product and convolution loops bound to this wasm backend's memory, or null (switched off, no SIMD, not wasm). */
export function wasmGemmOf(backend: unknown): WasmGemm | null {
  const memory = wasmMemoryOf(backend);
  return memory === undefined ? null : wasmGemmFor(memory);
}

/** Byte address of a tensor's data in the wasm heap. */
export function heapAddress(backend: KernelBackend, t: TensorInfo): number {
  return (backend as WasmHeapBackend).typedArrayFromHeap(t).byteOffset;
}

/** Activations of `_FusedMatMul` applied after vaelab's product, by the wasm kernel that computes them. */
const ACTIVATION_KERNELS: Readonly<Record<string, string>> = { sigmoid: 'Sigmoid', elu: 'Elu', relu6: 'Relu6' };

/**
 * The product by vaelab's own loops (`wasm-gemm.ts`), or null when they do not apply: not float32,
 * a batch of more than one matrix, a combination the loops lack, a bias that is not one row, or an
 * activation other than linear, relu, sigmoid, elu, relu6.
 */
export function ownMatMul(backend: KernelBackend, inputs: Record<string, TensorInfo | undefined>, attrs: NamedAttrMap): TensorInfo | null {
  const a = inputs.a as TensorInfo;
  const b = inputs.b as TensorInfo;
  const bias = inputs.bias;
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const activation = (attrs.activation as string | undefined) ?? 'linear';
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (bias != null && bias.dtype !== 'float32')) return null;
  if (inputs.preluActivationWeights != null) return null;
  if (activation !== 'linear' && activation !== 'relu' && ACTIVATION_KERNELS[activation] === undefined) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  if (tf.util.sizeFromShape(a.shape.slice(0, -2)) !== 1 || tf.util.sizeFromShape(b.shape.slice(0, -2)) !== 1) return null;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  if (k !== kb || k === 0) return null;
  if (bias != null && tf.util.sizeFromShape(bias.shape) !== n) return null;
  const gemm = wasmGemmOf(backend);
  if (gemm === null || !gemm.supports(transposeA, transposeB, k)) return null;
  const batchDims = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = (backend as WasmHeapBackend).makeOutput([...batchDims, m, n], 'float32');
  const packBytes = gemm.packBytes({ m, k, n, transposeA, transposeB });
  // Scratch for B's panels (16 bytes more, to start them on a 16-byte boundary); freed right after the product.
  const scratch = packBytes > 0 ? (backend as WasmHeapBackend).makeOutput([packBytes / 4 + 4], 'float32') : undefined;
  // Scratch for the list of A's nonzeros, when the product may skip A's zeros; freed right after.
  const sparseBytes = gemm.sparseBytes({ m, k, n, transposeA, transposeB });
  const sparseScratch = sparseBytes > 0 ? (backend as WasmHeapBackend).makeOutput([sparseBytes / 4], 'float32') : undefined;
  const at = (info: TensorInfo): number => heapAddress(backend, info);
  gemm.multiply({
    a: at(a),
    b: at(b),
    c: at(out),
    bias: bias == null ? undefined : at(bias),
    m,
    k,
    n,
    transposeA,
    transposeB,
    relu: activation === 'relu',
    packScratch: scratch === undefined ? undefined : 16 * Math.ceil(at(scratch) / 16),
    sparseScratch: sparseScratch === undefined ? undefined : at(sparseScratch),
  });
  if (scratch !== undefined) freeWasm(backend, scratch);
  if (sparseScratch !== undefined) freeWasm(backend, sparseScratch);
  const then = ACTIVATION_KERNELS[activation];
  if (then === undefined) return out;
  const activated = runWasmKernel(then, backend, { x: out });
  freeWasm(backend, out);
  return activated;
}
