/**
 * Kernels vaelab adds to, or speeds up on, the TensorFlow.js `wasm` backend.
 *
 * Every kernel here is built only from kernels the wasm backend already has (its fast
 * XNNPACK forward convolution and plain matrix product, transposes, pads, slices), run at
 * backend level so no intermediate tensor reaches the engine's bookkeeping:
 *
 * - `Conv2DBackpropFilter` (missing in wasm, so conv training threw): im2col (strided
 *   slices of the padded input) and one plain matrix product with the output gradient.
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

/**
 * Filter gradient of conv2d: dW[kh,kw,ci,co] = sum_{n,oh,ow} xpad[n, oh*s+kh, ow*s+kw, ci] dy[n,oh,ow,co].
 * im2col with the patch axis first: x is transposed to [ci,n,H,W] and padded, each filter tap
 * (kh,kw) is a strided slice [ci,n,oh,ow], the taps stacked give the patch matrix
 * [kh*kw*ci, n*oh*ow], and one plain matrix product with dy [n*oh*ow, co] gives dW.
 */
const conv2DBackpropFilter: KernelFunc = (args) => {
  const { inputs, attrs } = args;
  const backend = args.backend as KernelBackend;
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
  const [n, h, w, ci] = x.shape;
  const co = dy.shape[3];
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const bottom = Math.max(0, (oh - 1) * sh + kh - top - h);
  const right = Math.max(0, (ow - 1) * sw + kw - left - w);
  let xt = transpose(backend, x, [3, 0, 1, 2]); // [ci, n, H, W]
  if (top > 0 || left > 0 || bottom > 0 || right > 0) {
    const padded = run('PadV2', backend, { x: xt }, {
      paddings: [[0, 0], [0, 0], [top, bottom], [left, right]],
      constantValue: 0,
    } as unknown as NamedAttrMap);
    free(backend, xt);
    xt = padded;
  }
  const taps: Info[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      taps.push(
        run('StridedSlice', backend, { x: xt }, {
          begin: [0, 0, i, j],
          end: [ci, n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1],
          strides: [1, 1, sh, sw],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        }),
      );
    }
  }
  free(backend, xt);
  const stacked = taps.length === 1 ? taps[0] : run('Concat', backend, taps as unknown as Record<string, Info>, { axis: 0 });
  if (taps.length > 1) free(backend, ...taps);
  const patches = run('Reshape', backend, { x: stacked }, { shape: [kh * kw * ci, n * oh * ow] });
  free(backend, stacked);
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
