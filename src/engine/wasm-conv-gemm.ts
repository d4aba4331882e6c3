/**
 * conv2d forward and its filter gradient (NHWC, dilation 1) by vaelab's own loops (`wasm-gemm.ts`):
 * the input is padded once, then each output row is a product of the overlapping input rows with
 * the filter, read in place (implicit GEMM, no im2col matrix); forward split over vaelab's threads
 * by image, the filter gradient by filter rows. Used for the `Conv2D` and `Conv2DBackpropFilter`
 * kernels and for the forward convolutions inside conv2d's input gradient.
 */
import type * as tf from '@tensorflow/tfjs';
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { GemmConv } from './wasm-gemm';
import { convInfoChannelsLast, freeWasm, runWasmKernel, heapAddress, wasmGemmOf, type ConvGeometryAttrs, type WasmHeapBackend } from './wasm-heap';

/** Attributes of a forward conv2d as the Conv2D kernel receives them. */
export type Conv2DAttrs = ConvGeometryAttrs & { readonly dilations?: [number, number] | number };

const isOne = (d: [number, number] | number | undefined): boolean => d === undefined || (Array.isArray(d) ? d.every((v) => v === 1) : d === 1);

/**
 * The padding details vaelab's convolution glue runs with (all on by default; off restores the
 * earlier path, for measurements and the tests that compare the two bit for bit).
 */
export interface ConvGlueOptions {
  /** Padding zeroes only the border (else: the whole padded buffer, then the rows over it). */
  readonly borderOnly?: boolean;
  /** conv2d's input gradient pads dy once for all stride phases and reads each phase in place (else: a Slice and a padded copy per phase). */
  readonly sharedPhasePad?: boolean;
  /** conv2d's input gradient builds each flipped, channel-swapped sub-filter in one copy (else: StridedSlice, Reverse, Transpose). */
  readonly oneCopySubFilter?: boolean;
  /** Padding runs in vaelab's wasm loop, split by images over its threads (else: copyWithin and fill per row from JavaScript). */
  readonly wasmPad?: boolean;
}

const glue = { borderOnly: true, sharedPhasePad: true, oneCopySubFilter: true, wasmPad: true };

/** Sets the convolution glue's switches (those not given keep their value); see {@link ConvGlueOptions}. */
export function setConvGlue(options: ConvGlueOptions): void {
  if (options.borderOnly !== undefined) glue.borderOnly = options.borderOnly;
  if (options.sharedPhasePad !== undefined) glue.sharedPhasePad = options.sharedPhasePad;
  if (options.oneCopySubFilter !== undefined) glue.oneCopySubFilter = options.oneCopySubFilter;
  if (options.wasmPad !== undefined) glue.wasmPad = options.wasmPad;
}

/** The convolution glue's current switches. */
export function convGlue(): Required<ConvGlueOptions> {
  return { ...glue };
}

/**
 * A new float32 tensor: x [n, h, w, c] with `top`/`bottom` zero rows and `left`/`right` zero
 * columns around each image (all four >= 0). An input row (w pixels, channels last) is one
 * contiguous run in the padded tensor too, so the copy is one memmove per row; the zeros between
 * two rows (one row's right border, the next one's left border, or the rows above and below an
 * image) are one fill each, so every float is written once (wasm's PadV2 takes about 1 ms for a
 * [100,28,28,1] batch; this, a tenth of that). With vaelab's loops and {@link ConvGlueOptions.wasmPad}
 * (the default) the same bytes are written by one wasm loop per run of images, shared with the
 * helper threads: no JavaScript call per row.
 */
export function padImages(backend: KernelBackend, x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  const heap = backend as WasmHeapBackend;
  const [n, h, w, c] = x.shape;
  const hp = h + top + bottom;
  const wp = w + left + right;
  const out = heap.makeOutput([n, hp, wp, c], 'float32');
  const gemm = glue.wasmPad && glue.borderOnly ? wasmGemmOf(backend) : null;
  if (gemm !== null) {
    gemm.pad({ x: heapAddress(backend, x), out: heapAddress(backend, out), batch: n, height: h, width: w, channels: c, top, bottom, left, right });
    return out;
  }
  const dst = heap.typedArrayFromHeap(out);
  if (!glue.borderOnly) dst.fill(0);
  // One view of the whole heap and copyWithin / fill: no view object per row.
  const all = new Float32Array(dst.buffer);
  const dst0 = dst.byteOffset / 4;
  const src0 = heap.typedArrayFromHeap(x).byteOffset / 4;
  const row = w * c;
  let zeroFrom = dst0; // first float not yet written
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < h; y++) {
      const from = src0 + (b * h + y) * row;
      const to = dst0 + ((b * hp + y + top) * wp + left) * c;
      if (glue.borderOnly && to > zeroFrom) all.fill(0, zeroFrom, to);
      all.copyWithin(to, from, from + row);
      zeroFrom = to + row;
    }
  }
  const end = dst0 + n * hp * wp * c;
  if (glue.borderOnly && end > zeroFrom) all.fill(0, zeroFrom, end);
  return out;
}

/** x padded as the convolution's geometry says (x itself when there is no padding), or null for negative padding. */
function padded(backend: KernelBackend, x: TensorInfo, info: tf.backend_util.Conv2DInfo): TensorInfo | null {
  const { top, bottom, left, right } = info.padInfo;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) return null;
  if (top + bottom + left + right === 0) return x;
  return padImages(backend, x, top, bottom, left, right);
}

/**
 * A stride-1 convolution read in place from an already padded input: `x` is the byte address of
 * the first pixel the convolution reads, rows `rowPixels` pixels apart and images `imageRows` rows
 * apart (so a window into a larger padded tensor); writes out [batch, outHeight, outWidth,
 * outChannels] with the same loops, and so the same numbers, as a padded copy of just that window.
 */
export interface ConvWindow {
  readonly x: number;
  readonly batch: number;
  readonly imageRows: number;
  readonly rowPixels: number;
  readonly inChannels: number;
  readonly filter: TensorInfo;
  readonly outHeight: number;
  readonly outWidth: number;
}

/** The convolution of a {@link ConvWindow} into a new tensor, or null without vaelab's loops. */
export function conv2dWindowByGemm(backend: KernelBackend, w: ConvWindow): TensorInfo | null {
  const gemm = wasmGemmOf(backend);
  if (gemm === null || w.filter.dtype !== 'float32') return null;
  const [fh, fw, fc, co] = w.filter.shape;
  if (fc !== w.inChannels) throw new Error(`conv2dWindowByGemm: filter has ${fc} input channels, the window ${w.inChannels}.`);
  const out = (backend as WasmHeapBackend).makeOutput([w.batch, w.outHeight, w.outWidth, co], 'float32');
  gemm.conv2d({
    x: w.x,
    filter: heapAddress(backend, w.filter),
    out: heapAddress(backend, out),
    batch: w.batch,
    inHeight: w.imageRows,
    inWidth: w.rowPixels,
    inChannels: w.inChannels,
    filterHeight: fh,
    filterWidth: fw,
    strideHeight: 1,
    strideWidth: 1,
    outHeight: w.outHeight,
    outWidth: w.outWidth,
    outChannels: co,
  });
  return out;
}

/** The geometry fields of a GemmConv from tfjs's conv info and the padded input. */
function geometry(info: tf.backend_util.Conv2DInfo, xp: TensorInfo): Omit<GemmConv, 'x' | 'filter' | 'out'> {
  return {
    batch: xp.shape[0],
    inHeight: xp.shape[1],
    inWidth: xp.shape[2],
    inChannels: xp.shape[3],
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
  };
}

/** Whether vaelab's convolution loops run on this backend (wasm memory found, WebAssembly SIMD, not switched off). */
export function convByGemmAvailable(backend: KernelBackend): boolean {
  return wasmGemmOf(backend) !== null;
}

/** What a convolution's epilogue adds after the sum: a bias row [outChannels] and / or ReLU. */
export interface ConvEpilogue {
  readonly bias?: TensorInfo;
  readonly relu: boolean;
}

/**
 * conv2d(x, filter) by vaelab's loops (then + bias, then ReLU, in the loops' epilogue when
 * `epilogue` is given), or null when they do not apply (not float32, dilated, no loops; with an
 * epilogue also one output channel, whose dot-product loops have none).
 */
export function conv2dByGemm(
  backend: KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  attrs: Conv2DAttrs,
  epilogue?: ConvEpilogue,
): TensorInfo | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  if (epilogue !== undefined) {
    const bias = epilogue.bias;
    if (filter.shape[3] === 1) return null;
    if (bias !== undefined && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== filter.shape[3])) return null;
  }
  if (!isOne(attrs.dilations)) return null;
  const gemm = wasmGemmOf(backend);
  if (gemm === null) return null;
  const info = convInfoChannelsLast('Conv2D', x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs);
  const xp = padded(backend, x, info);
  if (xp === null) return null;
  const out = (backend as WasmHeapBackend).makeOutput([x.shape[0], info.outHeight, info.outWidth, info.outChannels], 'float32');
  try {
    gemm.conv2d({
      ...geometry(info, xp),
      x: heapAddress(backend, xp),
      filter: heapAddress(backend, filter),
      out: heapAddress(backend, out),
      bias: epilogue?.bias === undefined ? undefined : heapAddress(backend, epilogue.bias),
      relu: epilogue?.relu === true,
    });
  } finally {
    if (xp !== x) freeWasm(backend, xp);
  }
  return out;
}

/** Conv2DBackpropFilter (dW of conv2d) by vaelab's loops, or null when they do not apply. */
export function conv2dFilterGradByGemm(
  backend: KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: [number, number, number, number],
  attrs: Conv2DAttrs,
): TensorInfo | null {
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4 || dy.shape.length !== 4) return null;
  if (!isOne(attrs.dilations)) return null;
  const gemm = wasmGemmOf(backend);
  if (gemm === null) return null;
  const info = convInfoChannelsLast('Conv2DBackpropFilter', x.shape as [number, number, number, number], filterShape, attrs);
  if (dy.shape[0] !== x.shape[0] || dy.shape[1] !== info.outHeight || dy.shape[2] !== info.outWidth || dy.shape[3] !== filterShape[3]) {
    throw new Error(
      `Conv2DBackpropFilter: dy has shape [${dy.shape.join(',')}], expected [${x.shape[0]},${info.outHeight},${info.outWidth},${filterShape[3]}].`,
    );
  }
  const xp = padded(backend, x, info);
  if (xp === null) return null;
  const heap = backend as WasmHeapBackend;
  const conv = { ...geometry(info, xp), x: heapAddress(backend, xp), out: heapAddress(backend, dy) };
  const partials = gemm.filterGradPartials({ ...conv, filter: 0 });
  const dw = heap.makeOutput([...filterShape], 'float32');
  // Partial gradients over runs of images (computed in parallel), added up in a fixed order.
  const scratch = partials > 1 ? heap.makeOutput([partials, ...filterShape], 'float32') : dw;
  try {
    heap.typedArrayFromHeap(scratch).fill(0);
    gemm.conv2dFilterGrad({ ...conv, filter: heapAddress(backend, scratch) }, partials);
    if (scratch !== dw) {
      const parts = heap.typedArrayFromHeap(scratch);
      const sum = heap.typedArrayFromHeap(dw);
      const size = sum.length;
      sum.set(parts.subarray(0, size));
      for (let i = 1; i < partials; i++) {
        const part = parts.subarray(i * size, (i + 1) * size);
        for (let j = 0; j < size; j++) sum[j] += part[j];
      }
    }
  } finally {
    if (xp !== x) freeWasm(backend, xp);
    if (scratch !== dw) freeWasm(backend, scratch);
  }
  return dw;
}

/** conv2d by vaelab's loops where they apply, else wasm's stock Conv2D kernel. */
export function conv2dFast(backend: KernelBackend, x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): TensorInfo {
  return conv2dByGemm(backend, x, filter, attrs) ?? runWasmKernel('Conv2D', backend, { x, filter }, attrs as unknown as NamedAttrMap);
}
