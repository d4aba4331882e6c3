/**
 * Low-level helpers shared by vaelab's wasm kernels: running the backend's own kernels at
 * backend level (no engine bookkeeping), reading and writing tensors straight in wasm memory,
 * borrowed views into another tensor's memory, and the safe plain matrix product.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

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

/** Plain (no transposes) product a [m,k] x b [k,n] through wasm's fast path. */
export function matMulPlain(backend: KernelBackend, a: TensorInfo, b: TensorInfo): TensorInfo {
  const rhs = safeRhs(backend, b);
  const out = runWasmKernel('BatchMatMul', backend, { a, b: rhs }, { transposeA: false, transposeB: false });
  if (rhs !== b) freeWasm(backend, rhs);
  return out;
}

/** XNNPACK threads of the running wasm backend (1 when single-threaded or unknown). */
export function wasmThreadsCount(): number {
  try {
    const wasm = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount?: () => number };
    return wasm.getThreadsCount?.() ?? 1;
  } catch {
    return 1;
  }
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
