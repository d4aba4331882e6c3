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
 *   conv2dTranspose; wasm's own is about ten times slower than its forward conv): a forward
 *   convolution of the zero-dilated output gradient with the flipped filter.
 * - `BatchMatMul` and `_FusedMatMul` with `transposeA`/`transposeB` (a slow path in wasm):
 *   transpose explicitly, then the fast plain product.
 *
 * The numbers equal the stock kernels' (and the cpu backend's) up to float rounding;
 * `tests/backend-wasm-kernels.test.ts` checks every one against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

const WASM = 'wasm';

/** Names of the wasm kernels vaelab registers or replaces. */
export const WASM_KERNEL_NAMES = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', '_FusedMatMul'] as const;

/** One of {@link WASM_KERNEL_NAMES}. */
export type WasmKernelName = (typeof WASM_KERNEL_NAMES)[number];

/** Which of vaelab's wasm kernels to install (all default to true). */
export interface WasmKernelOptions {
  /** Explicit transposes before matrix products (`BatchMatMul`, `_FusedMatMul`). */
  readonly fastMatMul?: boolean;
  /** `Conv2DBackpropInput` through a forward convolution. */
  readonly fastConvBackpropInput?: boolean;
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
            if (sw === 1) {
              dst.set(src.subarray(rowBase + q0, rowBase + q1), d);
              d += q1 - q0;
              q = q1;
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
  const product = run('BatchMatMul', backend, { a: patches, b: dy2 }, { transposeA: false, transposeB: false });
  free(backend, patches, dy2);
  const out = run('Reshape', backend, { x: product }, { shape: [kh, kw, ci, co] });
  free(backend, product);
  return out;
};

/**
 * Input gradient of conv2d (= forward pass of conv2dTranspose):
 * dx[n,h,w,ci] = sum dy[n,oh,ow,co] W[kh,kw,ci,co] over h = oh*s + kh - top.
 * That is a forward stride-1 convolution of dy dilated by the stride (zeros between rows
 * and columns) with the filter flipped in space and its channel axes swapped.
 */
function conv2DBackpropInputFast(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
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
    const [n, h, w] = inputShape;
    const co = dy.shape[3];
    const padTop = kh - 1 - info.padInfo.top;
    const padLeft = kw - 1 - info.padInfo.left;
    if (padTop < 0 || padLeft < 0 || oh !== dy.shape[1] || ow !== dy.shape[2]) return stockFunc(args);
    // Dilate dy by the stride: [n,oh,1,ow,1,co] padded to [n,oh,sh,ow,sw,co] -> [n,oh*sh,ow*sw,co].
    let dilated = dy;
    if (sh > 1 || sw > 1) {
      const six = run('Reshape', backend, { x: dy }, { shape: [n, oh, 1, ow, 1, co] });
      const padded = run('PadV2', backend, { x: six }, {
        paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
        constantValue: 0,
      } as unknown as NamedAttrMap);
      free(backend, six);
      dilated = run('Reshape', backend, { x: padded }, { shape: [n, oh * sh, ow * sw, co] });
      free(backend, padded);
    }
    // Rows needed: output h reads dilated rows [h - padTop, h - padTop + kh).
    const needH = h - padTop + kh - 1;
    const needW = w - padLeft + kw - 1;
    const cropped = cropBottomRight(backend, dilated, needH, needW);
    if (cropped !== dilated && dilated !== dy) free(backend, dilated);
    const bottom = needH - cropped.shape[1];
    const right = needW - cropped.shape[2];
    // Filter [kh,kw,ci,co] -> flipped in space, channels swapped: [kh,kw,co,ci].
    const flipped = run('Reverse', backend, { x: filter }, { dims: [0, 1] });
    const swapped = transpose(backend, flipped, [0, 1, 3, 2]);
    free(backend, flipped);
    const out = run('Conv2D', backend, { x: cropped, filter: swapped }, {
      strides: [1, 1],
      pad: [[0, 0], [padTop, bottom], [padLeft, right], [0, 0]],
      dataFormat: 'NHWC',
      dilations: [1, 1],
    } as unknown as NamedAttrMap);
    free(backend, swapped);
    if (cropped !== dy) free(backend, cropped);
    return out;
  };
}

/** BatchMatMul with explicit transposes, then wasm's fast plain product. */
function batchMatMulFast(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as KernelBackend;
    const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB) return stockFunc(args);
    const a = inputs.a as Info;
    const b = inputs.b as Info;
    const at = transposeA ? transpose(backend, a, swapLastTwo(a.shape.length)) : a;
    const bt = transposeB ? transpose(backend, b, swapLastTwo(b.shape.length)) : b;
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
}

/** The vaelab wasm kernels currently installed. */
export function installedWasmKernels(): WasmKernelName[] {
  return WASM_KERNEL_NAMES.filter((name) => installed.has(name));
}
