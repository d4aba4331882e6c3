/**
 * `Conv2DBackpropFilter` (the filter gradient of conv2d and of conv2dTranspose) for the `wasm`
 * backend, which has none, without an im2col matrix:
 *
 *   dW[i,j,c,o] = sum over b,r,q of xpad[b, r*sh + i, q*sw + j, c] * dy[b,r,q,o].
 *
 * x is split once into stride phases, channels first, each phase on a zero-padded grid
 * Gh x Gw = (oh + taps - 1) x (ow + taps - 1), and dy is zero-padded to the same grid. On that
 * grid, the input a filter tap (i, j) meets is the phase's data shifted by a constant number of
 * elements, so the patch matrix of one tap, [ci, grid], is a window of that one buffer (a
 * borrowed view, no copy). The grid's padding meets zero gradient, so it adds nothing.
 *
 * - dy is the right-hand matrix, split into chunks of at most 16 columns (XNNPACK packs the
 *   right-hand matrix on every call, and wide ones several times slower per element).
 * - Large problems: one product window [ci, grid] x chunk per tap.
 * - Few input channels or small problems: the windows are stacked by memory copies into one
 *   [taps*ci, grid] matrix, one product per chunk.
 *
 * This is the fallback for when vaelab's own loops cannot run (`wasm-conv-gemm.ts` is the default);
 * XNNPACK always runs with one thread now (`wasm-threads.ts`), so no choice here depends on threads.
 * - One input channel and a multiple of 16 output channels: a WebAssembly SIMD loop
 *   (`wasm-simd.ts`) accumulates straight from the windows and dy, with no packing at all.
 * - Patches at most half as wide as dy (2*taps*ci <= co, no SIMD): the patch matrix is the
 *   right-hand side instead.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import {
  borrowView,
  convInfoChannelsLast,
  dropView,
  freeWasm,
  matMulPlain,
  runWasmKernel,
  type ConvGeometryAttrs,
  type WasmHeapBackend,
} from './wasm-heap';
import { wasmSimdKernels, type WasmSimdKernels } from './wasm-simd';

/** Below this many input channels the tap windows are stacked into one product (single-threaded). */
const STACK_BELOW_CHANNELS = 8;

/** How the tap windows are multiplied: chosen per call, or forced (measurements and tests). */
export type FilterGradWindows = 'auto' | 'stack' | 'views';

let windowsMode: FilterGradWindows = 'auto';

/** Forces stacked windows or one product per window, or restores the per-call choice ('auto'). */
export function setFilterGradWindows(mode: FilterGradWindows): void {
  windowsMode = mode;
}

/** Stacked windows up to this many floats are always stacked (cheaper than nine small products). */
const STACK_ALWAYS_BELOW = 1 << 20;

/** Widest right-hand matrix handed to one product (XNNPACK packs wide ones slowly). */
const CHUNK = 16;

/** Conv2DBackpropFilter on wasm (channels-last, no dilation). */
export const conv2DBackpropFilterWasm: KernelFunc = (args) => {
  const backend = args.backend as WasmHeapBackend;
  const x = args.inputs.x as TensorInfo;
  const dy = args.inputs.dy as TensorInfo;
  const attrs = args.attrs as unknown as ConvGeometryAttrs & { filterShape: [number, number, number, number] };
  const info = convInfoChannelsLast('Conv2DBackpropFilter', x.shape as [number, number, number, number], attrs.filterShape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const [n, h, w, ci] = x.shape;
  const co = dy.shape[3];
  if (dy.shape[1] !== oh || dy.shape[2] !== ow || dy.shape[0] !== n) {
    throw new Error(`Conv2DBackpropFilter: dy has shape [${dy.shape.join(',')}], expected [${n},${oh},${ow},${co}].`);
  }
  // Phases that hold at least one tap, taps per phase, and the common grid.
  const ph = Math.min(sh, kh);
  const pw = Math.min(sw, kw);
  const ah = Math.ceil(kh / sh);
  const aw = Math.ceil(kw / sw);
  const gh = oh + ah - 1;
  const gw = ow + aw - 1;
  const plane = gh * gw;
  const grid = n * plane;
  const maxShift = (ah - 1) * gw + (aw - 1);
  const phaseSize = ci * grid;
  const simd = ci === 1 && co % 16 === 0 ? wasmSimdKernels(backend) : null;
  if (simd === null && 2 * kh * kw * ci <= co) {
    return filterGradPatchesRight(backend, x, dy, { kh, kw, sh, sw, oh, ow, top, left });
  }

  // x -> phases [ph*pw, ci, n, gh, gw] (+ a zero tail the last window may read).
  const xt = backend.makeOutput([ph * pw * phaseSize + maxShift], 'float32');
  {
    const dst = backend.typedArrayFromHeap(xt);
    const src = backend.typedArrayFromHeap(x);
    dst.fill(0);
    const rowDst = new Int32Array(h).fill(-1);
    for (let y = 0; y < h; y++) {
      const yy = y + top;
      const p = yy % sh;
      const u = (yy - p) / sh;
      if (yy >= 0 && p < ph && u < gh) rowDst[y] = p * pw * phaseSize + u * gw;
    }
    const colDst = new Int32Array(w).fill(-1);
    for (let q = 0; q < w; q++) {
      const xx = q + left;
      const t = xx % sw;
      const v = (xx - t) / sw;
      if (xx >= 0 && t < pw && v < gw) colDst[q] = t * phaseSize + v;
    }
    let s = 0;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < h; y++) {
        const rd = rowDst[y];
        if (rd < 0) {
          s += w * ci;
          continue;
        }
        const rowBase = rd + b * plane;
        if (ci === 1) {
          for (let q = 0; q < w; q++, s++) {
            const cd = colDst[q];
            if (cd >= 0) dst[rowBase + cd] = src[s];
          }
        } else {
          for (let q = 0; q < w; q++) {
            const cd = colDst[q];
            if (cd < 0) {
              s += ci;
              continue;
            }
            let d = rowBase + cd;
            for (let c = 0; c < ci; c++, d += grid) dst[d] = src[s++];
          }
        }
      }
    }
  }

  if (simd !== null) {
    const out = filterGradOneChannelSimd(backend, simd, xt, dy, { kh, kw, sh, sw, oh, ow, gh, gw, grid, pw, phaseSize });
    freeWasm(backend, xt);
    return out;
  }

  // dy on the same grid (zeros right of and below the outputs), split by columns into chunks of
  // at most CHUNK output channels: [chunks, grid, width]. XNNPACK packs each right-hand chunk
  // once; narrow chunks pack several times faster than one wide matrix.
  const chunks = Math.ceil(co / CHUNK);
  const width = Math.min(co, CHUNK);
  let dyChunks: TensorInfo;
  if (chunks === 1 && gh === oh && gw === ow) {
    dyChunks = runWasmKernel('Reshape', backend, { x: dy }, { shape: [grid * co] });
  } else if (chunks === 1) {
    const padded = runWasmKernel(
      'PadV2',
      backend,
      { x: dy },
      {
        paddings: [
          [0, 0],
          [0, gh - oh],
          [0, gw - ow],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    dyChunks = runWasmKernel('Reshape', backend, { x: padded }, { shape: [grid * co] });
    freeWasm(backend, padded);
  } else {
    dyChunks = backend.makeOutput([chunks * grid * width], 'float32');
    const dst = backend.typedArrayFromHeap(dyChunks);
    const src = backend.typedArrayFromHeap(dy);
    dst.fill(0);
    const chunkSize = grid * width;
    let s = 0;
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < oh; r++) {
        for (let q = 0; q < ow; q++) {
          const g = (b * gh + r) * gw + q;
          for (let k = 0; k < chunks; k++) {
            // Chunk k holds channels [k*width, k*width + m) as rows of m values.
            const m = Math.min(width, co - k * width);
            const d = k * chunkSize + g * m;
            for (let j = 0; j < m; j++) dst[d + j] = src[s++];
          }
        }
      }
    }
  }

  const shiftOf = (i: number, j: number): number => ((i % sh) * pw + (j % sw)) * phaseSize + Math.floor(i / sh) * gw + Math.floor(j / sw);
  const taps = kh * kw;
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  /** Adds a product [rows, cols] (rows = (tap, c) from `row0`, cols from channel `col0`) into out. */
  const place = (product: TensorInfo, row0: number, col0: number): void => {
    const [rows, cols] = product.shape;
    const part = backend.typedArrayFromHeap(product);
    const dst = backend.typedArrayFromHeap(out);
    if (cols === co) {
      dst.set(part, row0 * co);
      return;
    }
    for (let r = 0, k = 0; r < rows; r++) {
      const d = (row0 + r) * co + col0;
      for (let c = 0; c < cols; c++) dst[d + c] = part[k++];
    }
  };
  // Stack (one product per chunk) with few channels and for small problems.
  const stack = windowsMode === 'auto' ? ci < STACK_BELOW_CHANNELS || taps * phaseSize <= STACK_ALWAYS_BELOW : windowsMode === 'stack';
  let stacked: TensorInfo | undefined;
  if (stack) {
    // Stack the windows: rows (i, j, c) of [taps*ci, grid].
    stacked = backend.makeOutput([taps * ci, grid], 'float32');
    const heap = backend.typedArrayFromHeap(stacked);
    const buf = new Float32Array(heap.buffer);
    const dst0 = heap.byteOffset / 4;
    const src0 = backend.typedArrayFromHeap(xt).byteOffset / 4;
    for (let i = 0, k = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, k++) {
        const from = src0 + shiftOf(i, j);
        buf.copyWithin(dst0 + k * phaseSize, from, from + phaseSize);
      }
    }
  }
  for (let k = 0; k < chunks; k++) {
    const cols = Math.min(width, co - k * width);
    const rhs = borrowView(backend, dyChunks, k * grid * width, [grid, cols]);
    if (stacked !== undefined) {
      const product = matMulPlain(backend, stacked, rhs);
      place(product, 0, k * width);
      freeWasm(backend, product);
    } else {
      for (let i = 0, t = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++, t++) {
          const window = borrowView(backend, xt, shiftOf(i, j), [ci, grid]);
          const product = matMulPlain(backend, window, rhs);
          dropView(backend, window);
          place(product, t * ci, k * width);
          freeWasm(backend, product);
        }
      }
    }
    dropView(backend, rhs);
  }
  if (stacked !== undefined) freeWasm(backend, stacked);
  freeWasm(backend, xt, dyChunks);
  return out;
};

/** Geometry of a filter gradient (NHWC, no dilation). */
interface FilterGradGeometry {
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  oh: number;
  ow: number;
  top: number;
  left: number;
}

/**
 * The filter gradient when the patches are at most half as wide as dy (2*kh*kw*ci <= co, e.g. a first
 * conv layer with one input channel): dW^T [co, taps*ci] = dy^T [co, P] x patches [P, taps*ci],
 * so XNNPACK packs the narrow patch matrix (channels last, built in one pass, in chunks of at
 * most CHUNK columns) instead of the wide dy.
 */
function filterGradPatchesRight(backend: WasmHeapBackend, x: TensorInfo, dy: TensorInfo, g: FilterGradGeometry): TensorInfo {
  const { kh, kw, sh, sw, oh, ow, top, left } = g;
  const [n, h, w, ci] = x.shape;
  const co = dy.shape[3];
  const positions = n * oh * ow;
  const cols = kh * kw * ci;
  const chunks = Math.ceil(cols / CHUNK);
  const width = Math.min(cols, CHUNK);
  const chunkSize = positions * width;
  const patches = backend.makeOutput([chunks * chunkSize], 'float32');
  {
    const dst = backend.typedArrayFromHeap(patches);
    const src = backend.typedArrayFromHeap(x);
    dst.fill(0);
    // Column col = (i*kw + j)*ci + c lands in chunk floor(col / width), whose rows hold that
    // chunk's m columns: at chunkBase + p*m + col % width for position p.
    const colBase = new Int32Array(cols);
    const colStride = new Int32Array(cols);
    for (let col = 0; col < cols; col++) {
      const k = Math.floor(col / width);
      colBase[col] = k * chunkSize + (col % width);
      colStride[col] = Math.min(width, cols - k * width);
    }
    let p = 0;
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < oh; r++) {
        for (let q = 0; q < ow; q++, p++) {
          for (let i = 0; i < kh; i++) {
            const y = r * sh + i - top;
            if (y < 0 || y >= h) continue;
            for (let j = 0; j < kw; j++) {
              const xx = q * sw + j - left;
              if (xx < 0 || xx >= w) continue;
              const s = ((b * h + y) * w + xx) * ci;
              const col0 = (i * kw + j) * ci;
              for (let c = 0, col = col0; c < ci; c++, col++) dst[colBase[col] + p * colStride[col]] = src[s + c];
            }
          }
        }
      }
    }
  }
  const dy2 = runWasmKernel('Reshape', backend, { x: dy }, { shape: [positions, co] });
  const dyT = runWasmKernel('Transpose', backend, { x: dy2 }, { perm: [1, 0] });
  freeWasm(backend, dy2);
  const out = backend.makeOutput([kh, kw, ci, co], 'float32');
  for (let k = 0; k < chunks; k++) {
    const m = Math.min(width, cols - k * width);
    const rhs = borrowView(backend, patches, k * chunkSize, [positions, m]);
    const product = matMulPlain(backend, dyT, rhs); // [co, m]
    dropView(backend, rhs);
    const part = backend.typedArrayFromHeap(product);
    const dst = backend.typedArrayFromHeap(out);
    for (let o = 0; o < co; o++) {
      for (let j = 0; j < m; j++) dst[(k * width + j) * co + o] = part[o * m + j];
    }
    freeWasm(backend, product);
  }
  freeWasm(backend, patches, dyT);
  return out;
}

/**
 * One input channel, co a multiple of 16: the SIMD loop sums x[p + shift_t] * dy[p, o] over the
 * output positions of one image for up to three taps and 16 output channels per call.
 */
function filterGradOneChannelSimd(
  backend: WasmHeapBackend,
  simd: WasmSimdKernels,
  xt: TensorInfo,
  dy: TensorInfo,
  g: { kh: number; kw: number; sh: number; sw: number; oh: number; ow: number; gh: number; gw: number; grid: number; pw: number; phaseSize: number },
): TensorInfo {
  const { kh, kw, sh, sw, oh, ow, gh, gw, pw, phaseSize } = g;
  const [n, , , co] = dy.shape;
  const out = backend.makeOutput([kh, kw, 1, co], 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  const xAt = backend.typedArrayFromHeap(xt).byteOffset;
  const dyAt = backend.typedArrayFromHeap(dy).byteOffset;
  const outAt = backend.typedArrayFromHeap(out).byteOffset;
  const taps: Array<{ x: number; out: number }> = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const shift = ((i % sh) * pw + (j % sw)) * phaseSize + Math.floor(i / sh) * gw + Math.floor(j / sw);
      taps.push({ x: xAt + 4 * shift, out: outAt + 4 * (i * kw + j) * co });
    }
  }
  // One image per call (dy read in place, no padding); out accumulates image by image.
  for (let b = 0; b < n; b++) {
    const xImage = 4 * b * gh * gw;
    const dyImage = dyAt + 4 * b * oh * ow * co;
    for (let t0 = 0; t0 < taps.length; t0 += 3) {
      const group = taps.slice(t0, t0 + 3);
      const fn = simd.filterGradOneChannel[group.length - 1];
      for (let o = 0; o < co; o += 16) {
        fn(dyImage + 4 * o, oh, ow, 4 * co, 4 * gw, ...group.map((t) => t.x + xImage), ...group.map((t) => t.out + 4 * o));
      }
    }
  }
  return out;
}
