/**
 * Kernels vaelab adds to, or speeds up on, the TensorFlow.js `wasm` backend.
 *
 * Every kernel here is built only from kernels the wasm backend already has (its fast
 * XNNPACK forward convolution and plain matrix product, transposes, pads, slices), run at
 * backend level so no intermediate tensor reaches the engine's bookkeeping:
 *
 * - `Conv2DBackpropFilter` (missing in wasm, so conv training threw): im2col written straight
 *   into wasm memory and one plain matrix product with the output gradient.
 * - `Conv2DBackpropInput` (the input gradient of conv2d and the forward pass of
 *   conv2dTranspose; wasm's own is about ten times slower than its forward conv): one stride-1
 *   forward convolution per stride phase with the flipped sub-filter, interleaved into dx.
 * - `BatchMatMul` and `_FusedMatMul` with `transposeA`/`transposeB` (a slow path in wasm):
 *   transpose explicitly, then the fast plain product.
 * - `Sum` over leading axes (bias gradients): a product with a kept vector of ones.
 * - `MaxPoolGrad`, `ResizeNearestNeighborGrad`: single passes over wasm memory (`wasm-pool-kernels.ts`).
 *
 * The numbers equal the stock kernels' (and the cpu backend's) up to float rounding;
 * `tests/backend-wasm-kernels.test.ts` checks every one against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { maxPoolGradWasm, resizeNearestNeighborGradWasm } from './wasm-pool-kernels';

const WASM = 'wasm';

/** Names of the wasm kernels vaelab registers or replaces. */
export const WASM_KERNEL_NAMES = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'BatchMatMul',
  '_FusedMatMul',
  'Sum',
  'MaxPoolGrad',
  'ResizeNearestNeighborGrad',
] as const;

/** One of {@link WASM_KERNEL_NAMES}. */
export type WasmKernelName = (typeof WASM_KERNEL_NAMES)[number];

/** Which of vaelab's wasm kernels to install (all default to true). */
export interface WasmKernelOptions {
  /** Explicit transposes before matrix products (`BatchMatMul`, `_FusedMatMul`). */
  readonly fastMatMul?: boolean;
  /** `Conv2DBackpropInput` through forward convolutions. */
  readonly fastConvBackpropInput?: boolean;
  /** `Sum` over leading axes (bias gradients) as a product with a vector of ones. */
  readonly fastSum?: boolean;
  /** `MaxPoolGrad` and `ResizeNearestNeighborGrad` as single passes over wasm memory. */
  readonly fastPoolGrads?: boolean;
}

/** The stock wasm kernels vaelab replaced, kept to call and to restore. */
const stock = new Map<string, KernelConfig>();
/** The kernels vaelab has currently installed. */
const installed = new Set<WasmKernelName>();

type Info = TensorInfo;

/** Runs a wasm kernel (the stock one when vaelab replaced it) at backend level. */
function run(name: string, backend: KernelBackend, inputs: Record<string, Info>, attrs: NamedAttrMap = {}): Info {
  const config = stock.get(name) ?? tf.getKernel(name, WASM);
  if (config === undefined) throw new Error(`The wasm backend has no '${name}' kernel.`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  return Array.isArray(out) ? out[0] : out;
}

function free(backend: KernelBackend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

function transpose(backend: KernelBackend, x: Info, perm: number[]): Info {
  return run('Transpose', backend, { x }, { perm });
}

/** Swaps the last two axes. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

/** Slices rows/cols `[0, keep)` of an NHWC tensor when it is taller/wider than that. */
function cropBottomRight(backend: KernelBackend, x: Info, keepH: number, keepW: number): Info {
  const [n, h, w, c] = x.shape;
  if (keepH >= h && keepW >= w) return x;
  return run('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [n, Math.min(h, keepH), Math.min(w, keepW), c] });
}

function checkChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`vaelab's wasm ${kernel} supports dataFormat 'NHWC' only, got '${String(dataFormat)}'.`);
  }
}

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];
type ConvPad = 'valid' | 'same' | number | ExplicitPadding;

/** The parts of the wasm backend used to write a kernel's output in place. */
interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): Info;
  typedArrayFromHeap(info: Info): Float32Array;
}

/**
 * im2col with channels first: from xT [ci, n, H, W] writes patches [kh*kw*ci, n*oh*ow]
 * (row (i*kw + j)*ci + c holds xpad[., r*sh + i, q*sw + j, c] for every output position).
 */
function im2colChannelsFirst(
  backend: WasmHeapBackend,
  xt: Info,
  g: { kh: number; kw: number; sh: number; sw: number; oh: number; ow: number; top: number; left: number },
): Info {
  const [ci, n, h, w] = xt.shape;
  const { kh, kw, sh, sw, oh, ow, top, left } = g;
  const out = backend.makeOutput([kh * kw * ci, n * oh * ow], 'float32');
  const src = backend.typedArrayFromHeap(xt);
  const dst = backend.typedArrayFromHeap(out);
  const heap = new Float32Array(dst.buffer);
  const src0 = src.byteOffset / 4;
  const dst0 = dst.byteOffset / 4;
  let d = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      // Output columns q whose input column q*sw + j - left lies inside [0, w).
      const q0 = Math.max(0, Math.ceil((left - j) / sw));
      const q1 = Math.min(ow, Math.floor((w - 1 + left - j) / sw) + 1);
      for (let c = 0; c < ci; c++) {
        for (let b = 0; b < n; b++) {
          const plane = (c * n + b) * h * w;
          for (let r = 0; r < oh; r++) {
            const y = r * sh + i - top;
            if (y < 0 || y >= h || q1 <= q0) {
              dst.fill(0, d, d + ow);
              d += ow;
              continue;
            }
            const rowBase = plane + y * w + j - left;
            let q = 0;
            for (; q < q0; q++) dst[d++] = 0;
            if (sw === 1 && q1 - q0 >= 48) {
              // Long contiguous run: a memmove inside wasm memory (no subarray object).
              heap.copyWithin(dst0 + d, src0 + rowBase + q0, src0 + rowBase + q1);
              d += q1 - q0;
              q = q1;
            } else if (sw === 1) {
              for (; q < q1; q++) dst[d++] = src[rowBase + q];
            } else {
              for (; q < q1; q++) dst[d++] = src[rowBase + q * sw];
            }
            for (; q < ow; q++) dst[d++] = 0;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Filter gradient of conv2d: dW[kh,kw,ci,co] = sum_{n,oh,ow} xpad[n, oh*s+kh, ow*s+kw, ci] dy[n,oh,ow,co].
 * x is transposed to channels first (wasm's fast transpose), unrolled into the patch matrix
 * [kh*kw*ci, n*oh*ow] straight in wasm memory, and one plain matrix product with dy
 * [n*oh*ow, co] gives dW.
 */
const conv2DBackpropFilter: KernelFunc = (args) => {
  const { inputs, attrs } = args;
  const backend = args.backend as WasmHeapBackend;
  const x = inputs.x as Info;
  const dy = inputs.dy as Info;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: [number, number] | number;
    pad: ConvPad;
    dataFormat: string;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    filterShape: [number, number, number, number];
  };
  checkChannelsLast('Conv2DBackpropFilter', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const [n, , , ci] = x.shape;
  const co = dy.shape[3];
  const xt = transpose(backend, x, [3, 0, 1, 2]); // [ci, n, H, W]
  const patches = im2colChannelsFirst(backend, xt, {
    kh, kw, sh, sw, oh, ow, top: info.padInfo.top, left: info.padInfo.left,
  });
  free(backend, xt);
  const dy2 = run('Reshape', backend, { x: dy }, { shape: [n * oh * ow, co] });
  const product = matMulPlain(backend, patches, dy2);
  free(backend, patches, dy2);
  const out = run('Reshape', backend, { x: product }, { shape: [kh, kw, ci, co] });
  free(backend, product);
  return out;
};

/** How one spatial axis of conv2d's input gradient splits into stride phases. */
interface Phase1d {
  /** Filter taps of this phase (k = phase + stride * a). */
  readonly taps: number;
  /** First output index u of the phase; input row y = stride * (u0 + v) + phase - pad. */
  readonly u0: number;
  /** Rows of the phase's output. */
  readonly count: number;
  /** Explicit padding of dy for the phase's stride-1 convolution (after cropping). */
  readonly padBefore: number;
  readonly padAfter: number;
  /** dy rows to drop before / after (when the padding would be negative). */
  readonly cropBefore: number;
  readonly cropAfter: number;
}

function phase1d(size: number, outSize: number, k: number, stride: number, pad: number, phase: number): Phase1d {
  const taps = Math.max(0, Math.ceil((k - phase) / stride));
  const u0 = Math.ceil((pad - phase) / stride);
  const count = Math.max(0, Math.ceil((size + pad - phase) / stride) - u0);
  const before = taps - 1 - u0;
  const after = count - outSize - before + taps - 1;
  return {
    taps,
    u0,
    count,
    padBefore: Math.max(0, before),
    padAfter: Math.max(0, after),
    cropBefore: Math.max(0, -before),
    cropAfter: Math.max(0, -after),
  };
}

/**
 * Input gradient of conv2d (= forward pass of conv2dTranspose):
 * dx[n,y,x,ci] = sum dy[n,oh,ow,co] W[kh,kw,ci,co] over y = oh*s + kh - top (same for x).
 *
 * Polyphase: the rows y with (y + top) mod s = p only meet the taps kh = p + s*a, so each of the
 * s*s phases is a stride-1 forward convolution of dy with the sub-filter W[p::s, q::s], flipped in
 * space and with its channel axes swapped. Each phase's output is then copied into its rows and
 * columns of dx. No multiplication by inserted zeros, and every product runs in wasm's fast
 * forward convolution. With stride 1 it is a single forward convolution.
 */
function conv2DBackpropInputFast(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as WasmHeapBackend;
    const dy = inputs.dy as Info;
    const filter = inputs.filter as Info;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
      inputShape: [number, number, number, number];
      strides: [number, number] | number;
      pad: ConvPad;
      dataFormat: string;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    checkChannelsLast('Conv2DBackpropInput', dataFormat);
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    if (oh !== dy.shape[1] || ow !== dy.shape[2]) return stockFunc(args);
    const [n, h, w, ci] = inputShape;
    const [, , , co] = dy.shape;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const single = sh === 1 && sw === 1;
    const out = single ? undefined : backend.makeOutput([n, h, w, ci], 'float32');
    if (out !== undefined) {
      // Rows or columns that meet no filter tap (a stride larger than the filter) stay zero.
      let covered = true;
      for (let p = 0; p < sh; p++) covered &&= phase1d(h, oh, kh, sh, top, p).taps > 0;
      for (let q = 0; q < sw; q++) covered &&= phase1d(w, ow, kw, sw, left, q).taps > 0;
      if (!covered) backend.typedArrayFromHeap(out).fill(0);
    }
    for (let p = 0; p < sh; p++) {
      const rows = phase1d(h, oh, kh, sh, top, p);
      for (let q = 0; q < sw; q++) {
        const cols = phase1d(w, ow, kw, sw, left, q);
        if (rows.count === 0 || cols.count === 0) continue;
        if (rows.taps === 0 || cols.taps === 0) continue; // zero-filled above
        // Sub-filter W[p::sh, q::sw], flipped in space, [taps_h, taps_w, co, ci].
        const sub = single
          ? filter
          : run('StridedSlice', backend, { x: filter }, {
              begin: [p, q, 0, 0],
              end: [kh, kw, ci, co],
              strides: [sh, sw, 1, 1],
              beginMask: 0,
              endMask: 0,
              ellipsisMask: 0,
              newAxisMask: 0,
              shrinkAxisMask: 0,
            });
        const flipped = run('Reverse', backend, { x: sub }, { dims: [0, 1] });
        if (sub !== filter) free(backend, sub);
        const subFilter = transpose(backend, flipped, [0, 1, 3, 2]);
        free(backend, flipped);
        let src = dy;
        if (rows.cropBefore + rows.cropAfter + cols.cropBefore + cols.cropAfter > 0) {
          src = run('Slice', backend, { x: dy }, {
            begin: [0, rows.cropBefore, cols.cropBefore, 0],
            size: [n, oh - rows.cropBefore - rows.cropAfter, ow - cols.cropBefore - cols.cropAfter, co],
          });
        }
        const phaseOut = run('Conv2D', backend, { x: src, filter: subFilter }, {
          strides: [1, 1],
          pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
          dataFormat: 'NHWC',
          dilations: [1, 1],
        } as unknown as NamedAttrMap); // [n, rows.count, cols.count, ci]
        free(backend, subFilter);
        if (src !== dy) free(backend, src);
        if (out === undefined) return phaseOut; // stride 1: the single phase is dx
        // Scatter the phase into dx: row y = sh*(u0+v) + p - top, column x = sw*(c0+u) + q - left.
        const heap = backend.typedArrayFromHeap(out);
        const dst0 = heap.byteOffset / 4;
        const part = backend.typedArrayFromHeap(phaseOut);
        const src0 = part.byteOffset / 4;
        const buf = new Float32Array(heap.buffer);
        const y0 = sh * rows.u0 + p - top;
        const x0 = sw * cols.u0 + q - left;
        let s = src0;
        for (let b = 0; b < n; b++) {
          for (let v = 0; v < rows.count; v++) {
            const rowStart = dst0 + ((b * h + y0 + sh * v) * w + x0) * ci;
            if (ci === 1) {
              for (let u = 0; u < cols.count; u++) buf[rowStart + sw * u] = buf[s++];
            } else {
              for (let u = 0; u < cols.count; u++) {
                const d = rowStart + sw * u * ci;
                buf.copyWithin(d, s, s + ci);
                s += ci;
              }
            }
          }
        }
        free(backend, phaseOut);
      }
    }
    if (out === undefined) {
      // Stride 1 with no tap at all cannot happen for kh, kw >= 1; keep the stock path as a guard.
      return stockFunc(args);
    }
    return out;
  };
}

/**
 * wasm's BatchMatMul caches its XNNPACK operator (with the packed right-hand matrix) by the
 * right-hand tensor's buffer id only. A reshape shares the buffer, so the same buffer used as
 * `b` with another shape would hit a stale operator and give wrong numbers. vaelab remembers the
 * shape each buffer was first used with and gives the product a copy when the shape differs.
 */
const matMulRhsShapes = new WeakMap<object, string>();

function rhsShapeKey(b: Info): string {
  const r = b.shape.length;
  const rows = b.shape[r - 2];
  const cols = b.shape[r - 1];
  return `${tf.util.sizeFromShape(b.shape) / (rows * cols)}x${rows}x${cols}`;
}

/** `b`, or a copy of it when its buffer was used as a right-hand matrix of another shape. */
function safeRhs(backend: KernelBackend, b: Info): Info {
  const key = rhsShapeKey(b);
  const seen = matMulRhsShapes.get(b.dataId);
  if (seen === undefined) {
    matMulRhsShapes.set(b.dataId, key);
    return b;
  }
  if (seen === key) return b;
  const copy = run('Identity', backend, { x: b });
  matMulRhsShapes.set(copy.dataId, key);
  return copy;
}

/** Plain (no transposes) product a [m,k] x b [k,n] through wasm's fast path. */
function matMulPlain(backend: KernelBackend, a: Info, b: Info): Info {
  const rhs = safeRhs(backend, b);
  const out = run('BatchMatMul', backend, { a, b: rhs }, { transposeA: false, transposeB: false });
  if (rhs !== b) free(backend, rhs);
  return out;
}

/** BatchMatMul with explicit transposes, then wasm's fast plain product. */
function batchMatMulFast(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const a = inputs.a as Info;
    const b = inputs.b as Info;
    const at = transposeA ? transpose(backend, a, swapLastTwo(a.shape.length)) : a;
    const bt = transposeB ? transpose(backend, b, swapLastTwo(b.shape.length)) : safeRhs(backend, b);
    const out = stockFunc({
      inputs: { ...inputs, a: at, b: bt },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    if (at !== a) free(backend, at);
    if (bt !== b) free(backend, bt);
    return out;
  };
}

/** Loads the wasm backend package so its stock kernels are registered (no-op if it is missing). */
function loadWasmModule(): void {
  try {
    require('@tensorflow/tfjs-backend-wasm');
  } catch {
    // Without the package there is no wasm backend to extend.
  }
}

/** Column vectors of ones [n, 1] kept for the Sum kernel, per backend and length. */
const onesCache = new WeakMap<object, Map<number, Info>>();

function onesColumn(backend: KernelBackend, n: number): Info {
  let byLength = onesCache.get(backend);
  if (byLength === undefined) {
    byLength = new Map();
    onesCache.set(backend, byLength);
  }
  let ones = byLength.get(n);
  if (ones === undefined) {
    // Keep at most a few lengths (batch sizes x feature-map sizes of one model).
    if (byLength.size >= 32) {
      for (const old of byLength.values()) free(backend, old);
      byLength.clear();
    }
    ones = run('Fill', backend, {}, { shape: [n, 1], value: 1, dtype: 'float32' });
    byLength.set(n, ones);
  }
  return ones;
}

/**
 * Sum over the leading axes of a float32 tensor (what bias gradients need: dy [n,h,w,c] -> [c])
 * as x^T [inner, outer] times a kept column of ones [outer, 1]. wasm's own Sum transposes too,
 * then reduces with a slow loop; the product is several times faster.
 */
function sumFast(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as KernelBackend;
    const x = args.inputs.x as Info;
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return stockFunc(args);
    const outer = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const inner = tf.util.sizeFromShape(x.shape.slice(axes.length));
    if (outer < 2 || inner === 0) return stockFunc(args);
    // x^T [inner, outer] times a kept vector of ones [outer, 1]: XNNPACK packs the right-hand
    // matrix once per buffer, so the ones are packed once and x is only transposed.
    const x2 = run('Reshape', backend, { x }, { shape: [outer, inner] });
    const xt = transpose(backend, x2, [1, 0]);
    free(backend, x2);
    const product = matMulPlain(backend, xt, onesColumn(backend, outer));
    free(backend, xt);
    const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const out = run('Reshape', backend, { x: product }, { shape: outShape });
    free(backend, product);
    return out;
  };
}

function replace(name: WasmKernelName, make: (stockFunc: KernelFunc) => KernelFunc): void {
  if (installed.has(name)) return;
  const original = stock.get(name) ?? tf.getKernel(name, WASM);
  if (original === undefined) return;
  stock.set(name, original);
  tf.unregisterKernel(name, WASM);
  tf.registerKernel({ ...original, kernelFunc: make(original.kernelFunc) });
  installed.add(name);
}

function restore(name: WasmKernelName): void {
  const original = stock.get(name);
  if (!installed.has(name) || original === undefined) return;
  tf.unregisterKernel(name, WASM);
  tf.registerKernel(original);
  installed.delete(name);
}

/**
 * Registers vaelab's wasm kernels (idempotent; safe before or after the wasm backend starts).
 * `Conv2DBackpropFilter` is always added (conv training needs it); the speed-ups can be
 * switched off through `options` to measure or compare with the stock kernels.
 */
export function registerWasmKernels(options: WasmKernelOptions = {}): void {
  loadWasmModule();
  if (!installed.has('Conv2DBackpropFilter') && tf.getKernel('Conv2DBackpropFilter', WASM) === undefined) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: conv2DBackpropFilter });
    installed.add('Conv2DBackpropFilter');
  }
  if (options.fastMatMul ?? true) {
    replace('BatchMatMul', batchMatMulFast);
    replace('_FusedMatMul', batchMatMulFast);
  } else {
    restore('BatchMatMul');
    restore('_FusedMatMul');
  }
  if (options.fastConvBackpropInput ?? true) replace('Conv2DBackpropInput', conv2DBackpropInputFast);
  else restore('Conv2DBackpropInput');
  if (options.fastSum ?? true) replace('Sum', sumFast);
  else restore('Sum');
  if (options.fastPoolGrads ?? true) {
    replace('MaxPoolGrad', () => maxPoolGradWasm);
    replace('ResizeNearestNeighborGrad', () => resizeNearestNeighborGradWasm);
  } else {
    restore('MaxPoolGrad');
    restore('ResizeNearestNeighborGrad');
  }
}

/** The vaelab wasm kernels currently installed. */
export function installedWasmKernels(): WasmKernelName[] {
  return WASM_KERNEL_NAMES.filter((name) => installed.has(name));
}
