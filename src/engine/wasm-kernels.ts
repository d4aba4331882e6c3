/**
 * Kernels vaelab adds to, or speeds up on, the TensorFlow.js `wasm` backend, run at backend level
 * so no intermediate tensor reaches the engine's bookkeeping:
 *
 * - `BatchMatMul`, `_FusedMatMul`: vaelab's own SIMD product (`wasm-gemm.ts`), which reads both
 *   operands in place (no packing, no transposes) and splits over vaelab's helper threads; bias and
 *   ReLU in its epilogue, sigmoid / elu / relu6 by wasm's kernels after. Otherwise (batched,
 *   other dtypes): transpose explicitly, then XNNPACK's plain product.
 * - `Conv2D` and `Conv2DBackpropFilter` (missing in wasm, so conv training threw): implicit-GEMM
 *   loops over the padded input (`wasm-conv-gemm.ts`); without them, the filter gradient as shifted
 *   windows of x times dy by XNNPACK products (`wasm-conv-filter.ts`).
 * - `Conv2DBackpropInput` (the input gradient of conv2d and the forward pass of
 *   conv2dTranspose; wasm's own is about ten times slower than its forward conv): one stride-1
 *   forward convolution per stride phase with the flipped sub-filter, interleaved into dx; to a
 *   single channel by dot products (vaelab's loops) or, without them, through a widened filter
 *   (`wasm-conv-narrow.ts`). The sub-filters are one copy each in wasm memory, and with vaelab's
 *   loops dy is padded once and every phase reads its window of it in place (`fastConvGlue`).
 * - ReLU conv2d layers while training: one kernel (`VaelabConv2DRelu`, convolution + bias + ReLU)
 *   in place of `Conv2D`, `Add` and `Relu`, by standing in for `tf.fused.conv2d` (`wasm-conv-relu.ts`).
 * - `Sum` over leading axes (bias gradients): a WebAssembly SIMD column-sum loop
 *   (`wasm-simd.ts`) when the columns come in sixteens, else a product with a kept vector of ones.
 * - `Identity`, and `Cast` to the dtype the tensor already has: shares the buffer (one more reference) instead of copying it.
 * - ReLU and linear dense layers while training: one kernel (`VaelabDenseRelu`, `VaelabDenseLinear`: product + bias (+ ReLU)) in
 *   place of `BatchMatMul`, `Add` and `Relu`, by standing in for `tf.fused.matMul` (`wasm-dense.ts`).
 * - `Log` on float32: the C library's `logf` steps on its own table, in a strip shared with the
 *   helper threads (`wasm-log.ts`), checked against wasm's `Log` before it takes over; same bits.
 * - `Maximum`, `Minimum`, `GreaterEqual` on float32 (equal shapes or a single-element operand):
 *   SIMD loops (`wasm-compare.ts`), bit-identical to wasm's kernels and ~20x faster.
 * - `MaxPool` over windows that cover the input exactly, by wasm's own rule, rows shared with the
 *   helper threads; `MaxPoolGrad`, `ResizeNearestNeighborGrad`: single passes over wasm memory, integer
 *   upsampling through wasm's average pool; `ResizeNearestNeighbor` by power-of-two factors as
 *   SIMD copies (`wasm-pool-kernels.ts`).
 * - `Slice`, `PadV2` (the 5LSL0 models' crop and border, and their gradients): runs of copyWithin in
 *   wasm memory (`wasm-slice-pad.ts`).
 *
 * The numbers equal the stock kernels' (and the cpu backend's) up to float rounding;
 * `tests/backend-wasm-kernels.test.ts`, `tests/backend-wasm-conv-kernels.test.ts` and
 * `tests/backend-wasm-gemm.test.ts` check every path against the cpu backend or double precision.
 */
import { setFusedBernoulli } from './wasm-bernoulli';
import { setFastSumGrad } from './sum-grad';
import { setSharedSaves } from './shared-saves';
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { maxPoolGradWasm, maxPoolWasm, resizeNearestNeighborGradWasm, resizeNearestNeighborWasm } from './wasm-pool-kernels';
import {
  WASM,
  convInfoChannelsLast,
  freeWasm as free,
  matMulPlain,
  runWasmKernel as run,
  safeRhs,
  stockWasmKernels as stock,
  type ConvGeometryAttrs,
  type WasmHeapBackend,
  heapAddress,
  ownMatMul,
} from './wasm-heap';
import { conv2DBackpropFilterWasm } from './wasm-conv-filter';
import { conv2dOneOutputChannel } from './wasm-conv-narrow';
import {
  conv2dByGemm,
  conv2dFast,
  conv2dFilterGradByGemm,
  conv2dWindowByGemm,
  convByGemmAvailable,
  convGlue,
  padImages,
  setConvGlue,
  type Conv2DAttrs,
} from './wasm-conv-gemm';
import { wasmSimdKernels } from './wasm-simd';
import { padV2Wasm, sliceWasm } from './wasm-slice-pad';
import { compareKernel } from './wasm-compare';
import { setFusedDense } from './wasm-dense';
import { setFusedConv } from './wasm-conv-relu';
import { addWasm, reluWasm, setFusedReluGrad, setFusedSigmoidGrad } from './wasm-elementwise';
import { logWasm } from './wasm-log';

/** Whether conv2dTranspose to one channel uses the widened-filter convolution (for measurements). */
let useNarrowConv = true;

/** Switches the one-output-channel convolution trick on or off (measurements and tests). */
export function setNarrowConv(on: boolean): void {
  useNarrowConv = on;
}

/** Names of the wasm kernels vaelab registers or replaces. */
export const WASM_KERNEL_NAMES = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'Conv2D',
  'BatchMatMul',
  '_FusedMatMul',
  'Sum',
  'MaxPool',
  'MaxPoolGrad',
  'ResizeNearestNeighborGrad',
  'ResizeNearestNeighbor',
  'Identity',
  'Cast',
  'Slice',
  'PadV2',
  'Maximum',
  'Minimum',
  'GreaterEqual',
  'Relu',
  'Add',
  'Log',
] as const;

/** One of {@link WASM_KERNEL_NAMES}. */
export type WasmKernelName = (typeof WASM_KERNEL_NAMES)[number];

/** Which of vaelab's wasm kernels to install (all default to true). */
export interface WasmKernelOptions {
  /** Explicit transposes before matrix products (`BatchMatMul`, `_FusedMatMul`). */
  readonly fastMatMul?: boolean;
  /** `Conv2D` by vaelab's implicit-GEMM loops. */
  readonly fastConv?: boolean;
  /** `Conv2DBackpropInput` through forward convolutions. */
  readonly fastConvBackpropInput?: boolean;
  /** `Sum` over leading axes (bias gradients): SIMD column sums, or a product with a vector of ones. */
  readonly fastSum?: boolean;
  /** `MaxPool`, `MaxPoolGrad`, `ResizeNearestNeighborGrad` and `ResizeNearestNeighbor` (upsampling) over wasm memory. */
  readonly fastPoolGrads?: boolean;
  /** `Identity` (what TensorFlow.js saves for the backward pass) shares the buffer instead of copying it. */
  readonly sharedIdentity?: boolean;
  /** `Cast` to the dtype the tensor already has (ReLU's gradient casts to float32) shares the buffer too. */
  readonly sharedCast?: boolean;
  /** `Slice` and `PadV2` as runs of copyWithin in wasm memory. */
  readonly fastCopies?: boolean;
  /** `Maximum`, `Minimum`, `GreaterEqual` on float32 as SIMD loops (`wasm-compare.ts`; same numbers as wasm's). */
  readonly fastCompare?: boolean;
  /** ReLU dense layers as one kernel while training (`wasm-dense.ts`: stands in for `tf.fused.matMul`; same numbers). */
  readonly fusedDense?: boolean;
  /**
   * Convolution glue (`wasm-conv-gemm.ts`, {@link setConvGlue}): padding that zeroes only the border,
   * one padded dy for all stride phases of conv2d's input gradient, its sub-filters in one copy, the
   * padding in one wasm loop shared with the helper threads (same numbers).
   */
  readonly fastConvGlue?: boolean;
  /** ReLU conv2d layers as one kernel while training (`wasm-conv-relu.ts`: stands in for `tf.fused.conv2d`; same numbers). */
  readonly fusedConv?: boolean;
  /** Tensors saved for gradients share their buffer without an `Identity` kernel call (`shared-saves.ts`; needs `sharedIdentity`). */
  readonly sharedSaves?: boolean;
  /** The gradient of a full float32 `Sum` as a `Fill` of dy instead of dy times a ones tensor (`sum-grad.ts`; same numbers). */
  readonly fastSumGrad?: boolean;
  /** `Relu` and the bias-row `Add` as SIMD strips shared with the helper threads (`wasm-elementwise.ts`; same numbers as wasm's). */
  readonly fastElementwise?: boolean;
  /** ReLU's gradient as one kernel and one pass instead of `Step` and `Multiply` (`wasm-elementwise.ts`; same numbers). */
  readonly fusedReluGrad?: boolean;
  /** A sigmoid's gradient as one kernel and one pass instead of `Sub` and two `Multiply`s (`wasm-elementwise.ts`; same numbers). */
  readonly fusedSigmoidGrad?: boolean;
  /** Binary cross-entropy's log-likelihood and its gradient as one tape node each (`wasm-bernoulli.ts`; same numbers). */
  readonly fusedCrossEntropy?: boolean;
  /** `Log` on float32 by the C library's logf steps in a strip shared with the helper threads (`wasm-log.ts`; same numbers, checked against wasm's). */
  readonly fastLog?: boolean;
}

/** The kernels vaelab has currently installed. */
const installed = new Set<WasmKernelName>();

type Info = TensorInfo;

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
    const geometry = attrs as unknown as ConvGeometryAttrs & { inputShape: [number, number, number, number] };
    const inputShape = geometry.inputShape;
    const info = convInfoChannelsLast('Conv2DBackpropInput', inputShape, filter.shape as [number, number, number, number], geometry);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    if (oh !== dy.shape[1] || ow !== dy.shape[2]) return stockFunc(args);
    const [n, h, w, ci] = inputShape;
    const [, , , co] = dy.shape;
    const top = info.padInfo.top;
    const left = info.padInfo.left;
    const single = sh === 1 && sw === 1;
    const rowPhases = Array.from({ length: sh }, (_, p) => phase1d(h, oh, kh, sh, top, p));
    const colPhases = Array.from({ length: sw }, (_, q) => phase1d(w, ow, kw, sw, left, q));
    const oneCopy = convGlue().oneCopySubFilter && filter.dtype === 'float32';
    // dy padded once for every phase (each phase reads its window in place), when vaelab's loops run.
    const shared =
      convGlue().sharedPhasePad && dy.dtype === 'float32' && filter.dtype === 'float32' && convByGemmAvailable(backend)
        ? sharedPhasePadding(backend, dy, rowPhases, colPhases)
        : null;
    const out = single ? undefined : backend.makeOutput([n, h, w, ci], 'float32');
    try {
      if (out !== undefined) {
        // Rows or columns that meet no filter tap (a stride larger than the filter) stay zero.
        const covered = rowPhases.every((r) => r.taps > 0) && colPhases.every((c) => c.taps > 0);
        if (!covered) backend.typedArrayFromHeap(out).fill(0);
      }
      for (let p = 0; p < sh; p++) {
        const rows = rowPhases[p];
        for (let q = 0; q < sw; q++) {
          const cols = colPhases[q];
          if (rows.count === 0 || cols.count === 0) continue;
          if (rows.taps === 0 || cols.taps === 0) continue; // zero-filled above
          // Sub-filter W[p::sh, q::sw], flipped in space, [taps_h, taps_w, co, ci].
          const subFilter = oneCopy
            ? flippedSubFilter(backend, filter, p, q, sh, sw, rows.taps, cols.taps)
            : flippedSubFilterByKernels(backend, filter, p, q, sh, sw);
          let phaseOut: Info; // [n, rows.count, cols.count, ci]
          try {
            phaseOut =
              shared !== null
                ? phaseByWindow(backend, shared, rows, cols, subFilter, n, co)
                : phaseByCopy(backend, dy, rows, cols, subFilter, oh, ow);
          } finally {
            free(backend, subFilter);
          }
          if (out === undefined) return phaseOut; // stride 1: the single phase is dx
          scatterPhase(backend, phaseOut, out, rows, cols, p - top, q - left, sh, sw, [n, h, w, ci]);
          free(backend, phaseOut);
        }
      }
    } finally {
      if (shared !== null && shared.padded !== dy) free(backend, shared.padded);
    }
    if (out === undefined) {
      // Stride 1 with no tap at all cannot happen for kh, kw >= 1; keep the stock path as a guard.
      return stockFunc(args);
    }
    return out;
  };
}

/** The flipped, channel-swapped sub-filter W[p::sh, q::sw] by stock kernels (StridedSlice, Reverse, Transpose): the earlier path. */
function flippedSubFilterByKernels(backend: WasmHeapBackend, filter: Info, p: number, q: number, sh: number, sw: number): Info {
  const [kh, kw, ci, co] = filter.shape;
  const single = sh === 1 && sw === 1;
  const sub = single
    ? filter
    : run(
        'StridedSlice',
        backend,
        { x: filter },
        {
          begin: [p, q, 0, 0],
          end: [kh, kw, ci, co],
          strides: [sh, sw, 1, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        },
      );
  const flipped = run('Reverse', backend, { x: sub }, { dims: [0, 1] });
  if (sub !== filter) free(backend, sub);
  const subFilter = transpose(backend, flipped, [0, 1, 3, 2]);
  free(backend, flipped);
  return subFilter;
}

/**
 * The same sub-filter in one copy straight in wasm memory: out[a, b, o, i] = W[p + sh*(th-1-a),
 * q + sw*(tw-1-b), i, o] for a float32 filter W [kh, kw, ci, co] (th, tw its taps per axis).
 */
export function flippedSubFilter(backend: WasmHeapBackend, filter: Info, p: number, q: number, sh: number, sw: number, th: number, tw: number): Info {
  const [, kw, ci, co] = filter.shape;
  const out = backend.makeOutput([th, tw, co, ci], 'float32');
  const dst = backend.typedArrayFromHeap(out);
  const src = backend.typedArrayFromHeap(filter);
  const tap = ci * co;
  let d = 0;
  for (let a = 0; a < th; a++) {
    const r = p + sh * (th - 1 - a);
    for (let b = 0; b < tw; b++) {
      const base = (r * kw + q + sw * (tw - 1 - b)) * tap;
      for (let o = 0; o < co; o++) {
        for (let i = base + o, end = base + tap; i < end; i += co) dst[d++] = src[i];
      }
    }
  }
  return out;
}

/** dy padded once so that every stride phase's input is a window of it (see {@link phaseByWindow}). */
interface SharedPhasePad {
  readonly padded: Info;
  /** Zero rows / columns before dy in `padded`. */
  readonly top: number;
  readonly left: number;
  /** Rows and columns of one padded image. */
  readonly height: number;
  readonly width: number;
}

/**
 * Phase p reads dy row r' - before_p at its row r' (before = padBefore - cropBefore), zero
 * outside dy, for r' below count + taps - 1: a window starting at row top - before_p of dy padded
 * by top = max(0, before_p) rows (columns alike), so one padding serves every phase.
 */
function sharedPhasePadding(backend: WasmHeapBackend, dy: Info, rowPhases: Phase1d[], colPhases: Phase1d[]): SharedPhasePad {
  const extent = (phases: Phase1d[], size: number): [number, number] => {
    const used = phases.filter((ph) => ph.taps > 0 && ph.count > 0);
    const before = Math.max(0, ...used.map((ph) => ph.padBefore - ph.cropBefore));
    const total = Math.max(before + size, ...used.map((ph) => before - (ph.padBefore - ph.cropBefore) + ph.count + ph.taps - 1));
    return [before, total];
  };
  const [, oh, ow] = dy.shape;
  const [top, height] = extent(rowPhases, oh);
  const [left, width] = extent(colPhases, ow);
  const bottom = height - top - oh;
  const right = width - left - ow;
  const padded = top + bottom + left + right === 0 ? dy : padImages(backend, dy, top, bottom, left, right);
  return { padded, top, left, height, width };
}

/** One phase's stride-1 convolution over its window of the shared padded dy (vaelab's loops). */
function phaseByWindow(backend: WasmHeapBackend, shared: SharedPhasePad, rows: Phase1d, cols: Phase1d, subFilter: Info, n: number, co: number): Info {
  const row0 = shared.top - (rows.padBefore - rows.cropBefore);
  const col0 = shared.left - (cols.padBefore - cols.cropBefore);
  const phaseOut = conv2dWindowByGemm(backend, {
    x: heapAddress(backend, shared.padded) + 4 * (row0 * shared.width + col0) * co,
    batch: n,
    imageRows: shared.height,
    rowPixels: shared.width,
    inChannels: co,
    filter: subFilter,
    outHeight: rows.count,
    outWidth: cols.count,
  });
  if (phaseOut === null) throw new Error("conv2DBackpropInput: vaelab's convolution loops went away during a kernel.");
  return phaseOut;
}

/** One phase's stride-1 convolution of dy cropped (Slice) and padded for it: the earlier path. */
function phaseByCopy(backend: WasmHeapBackend, dy: Info, rows: Phase1d, cols: Phase1d, subFilter: Info, oh: number, ow: number): Info {
  const [n, , , co] = dy.shape;
  let src = dy;
  if (rows.cropBefore + rows.cropAfter + cols.cropBefore + cols.cropAfter > 0) {
    src = run(
      'Slice',
      backend,
      { x: dy },
      {
        begin: [0, rows.cropBefore, cols.cropBefore, 0],
        size: [n, oh - rows.cropBefore - rows.cropAfter, ow - cols.cropBefore - cols.cropAfter, co],
      },
    );
  }
  const phasePads: [[number, number], [number, number]] = [
    [rows.padBefore, rows.padAfter],
    [cols.padBefore, cols.padAfter],
  ];
  try {
    return (
      (useNarrowConv && !convByGemmAvailable(backend) ? conv2dOneOutputChannel(backend, src, subFilter, phasePads) : undefined) ??
      conv2dFast(backend, src, subFilter, {
        strides: [1, 1],
        pad: [[0, 0], ...phasePads, [0, 0]],
        dataFormat: 'NHWC',
        dilations: [1, 1],
      })
    );
  } finally {
    if (src !== dy) free(backend, src);
  }
}

/** Copies a phase's output into its rows and columns of dx: row y = sh*(u0+v) + rowShift, column x = sw*(c0+u) + colShift. */
function scatterPhase(
  backend: WasmHeapBackend,
  phaseOut: Info,
  out: Info,
  rows: Phase1d,
  cols: Phase1d,
  rowShift: number,
  colShift: number,
  sh: number,
  sw: number,
  [n, h, w, ci]: [number, number, number, number],
): void {
  const heap = backend.typedArrayFromHeap(out);
  const dst0 = heap.byteOffset / 4;
  const part = backend.typedArrayFromHeap(phaseOut);
  const src0 = part.byteOffset / 4;
  const buf = new Float32Array(heap.buffer);
  const y0 = sh * rows.u0 + rowShift;
  const x0 = sw * cols.u0 + colShift;
  let s = src0;
  const simd = ci % 4 === 0 ? wasmSimdKernels(backend) : null;
  for (let b = 0; b < n; b++) {
    for (let v = 0; v < rows.count; v++) {
      const rowStart = dst0 + ((b * h + y0 + sh * v) * w + x0) * ci;
      if (simd !== null) {
        simd.scatterPixels(4 * s, 4 * rowStart, cols.count, 4 * ci, 4 * sw * ci);
        s += cols.count * ci;
      } else if (ci === 1) {
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
}

/**
 * For A [..., M, K] times B^T with B [..., N, K] and no batch: whether (B A^T)^T moves fewer numbers
 * than A B^T (transposing and packing B costs N*K; the swap transposes and packs A, K*M, and
 * transposes the result, N*M). Measured on dense-VAE shapes: [100,784] x [512,784]^T 5.6 -> 3.0 ms,
 * [100,512] x [256,512]^T 2.2 -> 1.3 ms (1 thread).
 */
export function prefersSwappedProduct(aShape: readonly number[], bShape: readonly number[]): boolean {
  const batch = (shape: readonly number[]): number => shape.slice(0, -2).reduce((p, d) => p * d, 1);
  if (aShape.length < 2 || bShape.length < 2 || batch(aShape) !== 1 || batch(bShape) !== 1) return false;
  const m = aShape[aShape.length - 2];
  const k = aShape[aShape.length - 1];
  const n = bShape[bShape.length - 2];
  return n * k > k * m + n * m;
}

/** BatchMatMul and _FusedMatMul: vaelab's own product where it applies, else explicit transposes and wasm's fast plain product. */
function batchMatMulFast(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
    const own = ownMatMul(backend, inputs as Record<string, TensorInfo | undefined>, attrs ?? {});
    if (own !== null) return own;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const a = inputs.a as Info;
    const b = inputs.b as Info;
    if (transposeB && !transposeA && prefersSwappedProduct(a.shape, b.shape)) {
      // C = A B^T as C = (B A^T)^T: transposes (and XNNPACK packs) the small A instead of the big B
      // (the input gradient dy W^T of a wide dense layer: W [512,784] vs dy [100,784]).
      const aT = transpose(backend, a, swapLastTwo(a.shape.length));
      const cT = stockFunc({ inputs: { ...inputs, a: b, b: aT }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as Info;
      free(backend, aT);
      const c = transpose(backend, cT, swapLastTwo(cT.shape.length));
      free(backend, cT);
      return c;
    }
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

/** Conv2DBackpropFilter by vaelab's loops where they apply, else from XNNPACK products (`wasm-conv-filter.ts`). */
const conv2DBackpropFilterFast: KernelFunc = (args) => {
  const attrs = args.attrs as unknown as Conv2DAttrs & { filterShape: [number, number, number, number] };
  const own = conv2dFilterGradByGemm(args.backend as KernelBackend, args.inputs.x as Info, args.inputs.dy as Info, attrs.filterShape, attrs);
  return own ?? conv2DBackpropFilterWasm(args);
};

/**
 * Identity without a copy: the output shares x's buffer, with one more reference on it (what
 * wasm's Reshape does). TensorFlow.js clones every tensor it keeps for the backward pass, and wasm's
 * own Identity copies it (the weights and activations of every layer, every step). Safe because
 * no kernel writes into an existing buffer: every kernel, vaelab's included, writes fresh outputs.
 */
function identityShared(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as Info;
    if (x.dtype === 'string') return stockFunc(args);
    // Cast to the dtype x already has (ReLU's gradient casts its input to float32): the same sharing.
    const to = (args.attrs as { dtype?: string } | undefined)?.dtype;
    if (to !== undefined && to !== x.dtype) return stockFunc(args);
    (args.backend as KernelBackend & { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}

/** Conv2D by vaelab's loops where they apply (float32, dilation 1), else the stock kernel. */
function conv2DFast(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const own = conv2dByGemm(args.backend as KernelBackend, args.inputs.x as Info, args.inputs.filter as Info, args.attrs as unknown as Conv2DAttrs);
    return own ?? stockFunc(args);
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
 * Sum over the leading axes of a float32 tensor (what bias gradients need: dy [n,h,w,c] -> [c]):
 * SIMD column sums when the inner size is a multiple of 16, else x^T [inner, outer] times a kept
 * column of ones [outer, 1]. wasm's own Sum transposes too,
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
    const outShape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const simd = inner % 16 === 0 ? wasmSimdKernels(backend) : null;
    if (simd !== null) {
      // Column sums straight over wasm memory, 16 columns per pass.
      const heapBackend = backend as WasmHeapBackend;
      const out = heapBackend.makeOutput(outShape, 'float32');
      const src = heapBackend.typedArrayFromHeap(x).byteOffset;
      const dst = heapBackend.typedArrayFromHeap(out).byteOffset;
      for (let j = 0; j < inner; j += 16) simd.columnSum16(src + 4 * j, outer, 4 * inner, dst + 4 * j);
      return out;
    }
    // x^T [inner, outer] times a kept vector of ones [outer, 1]: XNNPACK packs the right-hand
    // matrix once per buffer, so the ones are packed once and x is only transposed.
    const x2 = run('Reshape', backend, { x }, { shape: [outer, inner] });
    const xt = transpose(backend, x2, [1, 0]);
    free(backend, x2);
    const product = matMulPlain(backend, xt, onesColumn(backend, outer));
    free(backend, xt);
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

/** A kernel vaelab swaps in for wasm's: built from the stock kernel function it stands in for. */
type KernelMaker = (stockFunc: KernelFunc) => KernelFunc;

/**
 * The options of {@link registerWasmKernels} that swap whole kernels, each with the kernels it
 * replaces (installed when the option is on, the default) or puts back (off), in installation order.
 */
const KERNEL_SWITCHES: ReadonlyArray<readonly [keyof WasmKernelOptions, ReadonlyArray<readonly [WasmKernelName, KernelMaker]>]> = [
  [
    'fastMatMul',
    [
      ['BatchMatMul', batchMatMulFast],
      ['_FusedMatMul', batchMatMulFast],
    ],
  ],
  ['fastConvBackpropInput', [['Conv2DBackpropInput', conv2DBackpropInputFast]]],
  ['fastConv', [['Conv2D', conv2DFast]]],
  ['fastSum', [['Sum', sumFast]]],
  ['sharedIdentity', [['Identity', identityShared]]],
  ['sharedCast', [['Cast', identityShared]]],
  [
    'fastCopies',
    [
      ['Slice', sliceWasm],
      ['PadV2', padV2Wasm],
    ],
  ],
  [
    'fastCompare',
    [
      ['Maximum', (f) => compareKernel('max', f)],
      ['Minimum', (f) => compareKernel('min', f)],
      ['GreaterEqual', (f) => compareKernel('ge', f)],
    ],
  ],
  [
    'fastElementwise',
    [
      ['Relu', reluWasm],
      ['Add', addWasm],
    ],
  ],
  ['fastLog', [['Log', logWasm]]],
  [
    'fastPoolGrads',
    [
      ['MaxPool', maxPoolWasm],
      ['MaxPoolGrad', () => maxPoolGradWasm],
      ['ResizeNearestNeighborGrad', () => resizeNearestNeighborGradWasm],
      ['ResizeNearestNeighbor', resizeNearestNeighborWasm],
    ],
  ],
];

/**
 * Registers vaelab's wasm kernels (idempotent; safe before or after the wasm backend starts).
 * `Conv2DBackpropFilter` is always added (conv training needs it); the speed-ups can be
 * switched off through `options` to measure or compare with the stock kernels.
 */
export function registerWasmKernels(options: WasmKernelOptions = {}): void {
  loadWasmModule();
  if (!installed.has('Conv2DBackpropFilter') && tf.getKernel('Conv2DBackpropFilter', WASM) === undefined) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: conv2DBackpropFilterFast });
    installed.add('Conv2DBackpropFilter');
  }
  for (const [option, kernels] of KERNEL_SWITCHES) {
    const on = options[option] ?? true;
    for (const [name, make] of kernels) {
      if (on) replace(name, make);
      else restore(name);
    }
  }
  setFusedDense(options.fusedDense ?? true);
  setFusedConv(options.fusedConv ?? true);
  const glueOn = options.fastConvGlue ?? true;
  setConvGlue({ borderOnly: glueOn, sharedPhasePad: glueOn, oneCopySubFilter: glueOn, wasmPad: glueOn });
  setFastSumGrad(options.fastSumGrad ?? true);
  setFusedReluGrad(options.fusedReluGrad ?? true);
  setFusedSigmoidGrad(options.fusedSigmoidGrad ?? true);
  setFusedBernoulli(options.fusedCrossEntropy ?? true);
  setSharedSaves(options.sharedSaves ?? true, () => installed.has('Identity'));
}

/** The vaelab wasm kernels currently installed. */
export function installedWasmKernels(): WasmKernelName[] {
  return WASM_KERNEL_NAMES.filter((name) => installed.has(name));
}
