/**
 * Gradient kernels of max pooling and nearest-neighbour upsampling for the `wasm` backend,
 * written as single passes straight over wasm memory (wasm's own are several times slower).
 *
 * - `MaxPool`: windows that cover the input exactly through vaelab's strip (`wasm-maxpool-code.ts`),
 *   rows shared with the helper threads, with the rule of wasm's own kernel (asked once per backend;
 *   where it differs, and for every other pool, wasm's kernel runs).
 * - `MaxPoolGrad`: each dy value goes to the first maximum of its window (row-major scan),
 *   the rule of the cpu backend, so both backends give the same numbers. 2x2 windows that cover
 *   the input exactly go to the SIMD row loop over rows shared with the helper threads.
 * - `ResizeNearestNeighborGrad`: each dy pixel is added onto the input pixel the forward pass
 *   copied it from; an integer upsampling as wasm's AvgPool times the window, any other resize by
 *   a loop over each input pixel's block, both through vaelab's strips (`wasm-upsample-code.ts`)
 *   where channels come in fours.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { freeWasm, heapAddress, runWasmKernel, wasmGemmOf, type WasmHeapBackend } from './wasm-heap';
import { UPSAMPLE_GRAD_WINDOWS } from './wasm-upsample-code';
import { MAX_POOL_WINDOWS } from './wasm-maxpool-code';
import type { WasmGemm } from './wasm-gemm';
import { wasmSimdKernels, type MaxPoolGrad2x2Fn } from './wasm-simd';

/** Whether a max pool whose windows cover its input exactly runs vaelab's strip (see {@link setMaxPoolStrip}). */
let maxPoolStrip = true;

/** Switches the max-pool strip on (default) or off (then wasm's MaxPool runs; same numbers). */
export function setMaxPoolStrip(on: boolean): void {
  maxPoolStrip = on;
}

/** Per backend: whether wasm's MaxPool follows the strip's rule (`wasm-maxpool-code.ts`) for every window shape it has. */
const maxPoolRuleKnown = new WeakMap<object, boolean>();

/** Special floats whose order of comparison shows in a max: NaN, both zeros, -inf. */
const MAX_POOL_PROBE_VALUES = [Number.NaN, -0, 0, 1, -1, Number.NEGATIVE_INFINITY];

/**
 * Whether wasm's MaxPool computes what the strip computes, bit for bit, over every window of
 * {@link MAX_POOL_PROBE_VALUES} (for 2x2 windows: 6^4, a different one in each channel). XNNPACK picks
 * its kernels by host (x86 or ARM), and the two order NaNs and zeros differently. Exported for tests;
 * the kernel asks once per backend.
 */
export function probeMaxPoolRule(backend: WasmHeapBackend, gemm: WasmGemm): boolean {
  let holds = true;
  const values = MAX_POOL_PROBE_VALUES;
  for (const [fh, fw] of MAX_POOL_WINDOWS) {
    const k = fh * fw;
    const channels = 4;
    const windows = values.length ** k;
    const x = backend.makeOutput([windows, fh, fw, channels], 'float32');
    const data = backend.typedArrayFromHeap(x);
    for (let n = 0; n < windows; n++) {
      for (let c = 0; c < channels; c++) {
        let code = (n + c * 7) % windows; // each channel a different window
        for (let j = 0; j < k; j++, code = Math.floor(code / values.length)) data[(n * k + j) * channels + c] = values[code % values.length];
      }
    }
    const stock = runWasmKernel('MaxPool', backend, { x }, { filterSize: [fh, fw], strides: [fh, fw], pad: 'valid' });
    const mine = backend.makeOutput(stock.shape, 'float32');
    gemm.maxPool({ x: heapAddress(backend, x), out: heapAddress(backend, mine), batch: windows, height: fh, width: fw, channels, fh, fw });
    const a = backend.typedArrayFromHeap(stock);
    const b = backend.typedArrayFromHeap(mine);
    const bitsA = new Uint32Array(a.buffer, a.byteOffset, a.length);
    const bitsB = new Uint32Array(b.buffer, b.byteOffset, b.length);
    holds = holds && bitsA.length === bitsB.length && bitsA.every((bits, i) => bits === bitsB[i]);
    freeWasm(backend, x, stock, mine);
  }
  return holds;
}

/** {@link probeMaxPoolRule}, asked once per backend. */
function maxPoolRuleHolds(backend: WasmHeapBackend, gemm: WasmGemm): boolean {
  const known = maxPoolRuleKnown.get(backend);
  if (known !== undefined) return known;
  const holds = probeMaxPoolRule(backend, gemm);
  maxPoolRuleKnown.set(backend, holds);
  return holds;
}

/** The geometry of a max pool (`MaxPool`, `MaxPoolGrad`) of x shaped `shape`, from the kernel's attributes. */
function poolInfo(attrs: unknown, shape: number[]): tf.backend_util.Conv2DInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  return tf.backend_util.computePool2DInfo(shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
}

/** Whether the pool's windows tile x exactly: stride = window, no padding, every row and column in one window. */
function coversExactly(info: tf.backend_util.Conv2DInfo): boolean {
  const fh = info.effectiveFilterHeight;
  const fw = info.effectiveFilterWidth;
  return (
    info.strideHeight === fh &&
    info.strideWidth === fw &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight * fh === info.inHeight &&
    info.outWidth * fw === info.inWidth
  );
}

/**
 * MaxPool by vaelab's strip where the windows cover the input exactly (stride = window, no padding, a
 * window of `MAX_POOL_WINDOWS`), float32 channels in fours, and wasm's kernel follows the strip's
 * rule on this host; every other pool goes to `stockFunc`.
 */
export function maxPoolWasm(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as WasmHeapBackend;
    const x = args.inputs.x as TensorInfo;
    const gemm = maxPoolStrip && x.dtype === 'float32' && x.shape.length === 4 ? wasmGemmOf(backend) : null;
    if (gemm === null) return stockFunc(args);
    const info = poolInfo(args.attrs, x.shape);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
    const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
    const exact =
      MAX_POOL_WINDOWS.some(([h, w]) => h === fh && w === fw) && coversExactly(info) && inChannels % 4 === 0 && batchSize * outHeight * outWidth > 0;
    if (!exact || !maxPoolRuleHolds(backend, gemm)) return stockFunc(args);
    const out = backend.makeOutput([batchSize, outHeight, outWidth, inChannels], 'float32');
    gemm.maxPool({
      x: heapAddress(backend, x),
      out: heapAddress(backend, out),
      batch: batchSize,
      height: inHeight,
      width: inWidth,
      channels: inChannels,
      fh,
      fw,
    });
    return out;
  };
}

/** MaxPoolGrad: dx[first argmax of each window] += dy. */
export const maxPoolGradWasm: KernelFunc = (args) => {
  const backend = args.backend as WasmHeapBackend;
  const { dy, input } = args.inputs as Record<'dy' | 'input' | 'output', TensorInfo>;
  const info = poolInfo(args.attrs, input.shape);
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = backend.makeOutput(input.shape, 'float32');
  const gemm = maxPoolGradRows ? wasmGemmOf(backend) : null;
  const exact2x2 = fh === 2 && fw === 2 && coversExactly(info);
  if (gemm !== null && exact2x2 && c % 4 === 0 && input.dtype === 'float32') {
    // Windows that cover x exactly: every float of dx is written, no zero fill; rows shared with the helper threads.
    const at = (t: TensorInfo): number => heapAddress(backend, t);
    gemm.maxPoolGrad2x2({ x: at(input), dy: at(dy), dx: at(out), batch: batchSize, height: inHeight, width: inWidth, channels: c });
    return out;
  }
  const x = backend.typedArrayFromHeap(input);
  const g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  if (strideHeight >= fh && strideWidth >= fw) {
    const simd = fh === 2 && fw === 2 && strideHeight === 2 && strideWidth === 2 && c % 4 === 0 ? wasmSimdKernels(backend) : null;
    disjointMaxPoolGrad(
      x,
      g,
      dx,
      { batchSize, inHeight, inWidth, c, outHeight, outWidth, strideHeight, strideWidth, fh, fw, top, left },
      simd?.maxPoolGrad2x2,
    );
    return out;
  }
  const best = new Float32Array(c);
  const where = new Int32Array(c);
  let k = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      const r0 = r * strideHeight - top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + fh);
      for (let q = 0; q < outWidth; q++) {
        const q0 = q * strideWidth - left;
        const qMin = Math.max(0, q0);
        const qMax = Math.min(inWidth, q0 + fw);
        best.fill(Number.NEGATIVE_INFINITY);
        where.fill(-1);
        for (let xr = rMin; xr < rMax; xr++) {
          for (let xc = qMin; xc < qMax; xc++) {
            const base = ((b * inHeight + xr) * inWidth + xc) * c;
            for (let d = 0; d < c; d++) {
              const v = x[base + d];
              if (v > best[d]) {
                best[d] = v;
                where[d] = base + d;
              }
            }
          }
        }
        for (let d = 0; d < c; d++, k++) {
          if (where[d] >= 0) dx[where[d]] += g[k];
        }
      }
    }
  }
  return out;
};

/** Geometry of a max pool whose windows do not overlap. */
interface DisjointPool {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  c: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  fh: number;
  fw: number;
  top: number;
  left: number;
}

/**
 * MaxPoolGrad when no two windows overlap (stride >= window, as in every pool of the curriculum):
 * each dy value is written (not added) at its window's first maximum, channel by channel, with
 * no scratch arrays; full 2x2 windows are unrolled. dx must be zero-filled.
 */
function disjointMaxPoolGrad(x: Float32Array, g: Float32Array, dx: Float32Array, p: DisjointPool, simd2x2?: MaxPoolGrad2x2Fn): void {
  const { batchSize, inHeight, inWidth, c, outHeight, outWidth, strideHeight, strideWidth, fh, fw, top, left } = p;
  const rowStride = inWidth * c;
  // With the SIMD loop (2x2 windows, stride 2): full windows q in [qa, qb) of a full row.
  const qa = Math.max(0, Math.ceil(left / 2));
  const qb = Math.min(outWidth, Math.floor((inWidth + left - 2) / 2) + 1);
  for (let b = 0; b < batchSize; b++) {
    for (let r = 0; r < outHeight; r++) {
      const r0 = r * strideHeight - top;
      const rMin = Math.max(0, r0);
      const rMax = Math.min(inHeight, r0 + fh);
      let skipFrom = outWidth;
      let skipTo = outWidth;
      if (simd2x2 !== undefined && r0 >= 0 && rMax - r0 === 2 && qb > qa) {
        const xAt = x.byteOffset + 4 * ((b * inHeight + r0) * inWidth + (2 * qa - left)) * c;
        const dxAt = dx.byteOffset + 4 * ((b * inHeight + r0) * inWidth + (2 * qa - left)) * c;
        const gAt = g.byteOffset + 4 * ((b * outHeight + r) * outWidth + qa) * c;
        simd2x2(xAt, xAt + 4 * rowStride, dxAt, dxAt + 4 * rowStride, gAt, qb - qa, 4 * c);
        skipFrom = qa;
        skipTo = qb;
      }
      for (let q = 0; q < outWidth; q++) {
        if (q === skipFrom) {
          q = skipTo - 1;
          continue;
        }
        let k = ((b * outHeight + r) * outWidth + q) * c;
        const q0 = q * strideWidth - left;
        const qMin = Math.max(0, q0);
        const qMax = Math.min(inWidth, q0 + fw);
        const corner = ((b * inHeight + rMin) * inWidth + qMin) * c;
        if (rMax - rMin === 2 && qMax - qMin === 2) {
          for (let d = 0; d < c; d++, k++) {
            const i00 = corner + d;
            const i01 = i00 + c;
            const i10 = i00 + rowStride;
            const i11 = i10 + c;
            let best = Number.NEGATIVE_INFINITY;
            let at = -1;
            if (x[i00] > best) {
              best = x[i00];
              at = i00;
            }
            if (x[i01] > best) {
              best = x[i01];
              at = i01;
            }
            if (x[i10] > best) {
              best = x[i10];
              at = i10;
            }
            if (x[i11] > best) at = i11;
            if (at >= 0) dx[at] = g[k];
          }
          continue;
        }
        for (let d = 0; d < c; d++, k++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let xr = rMin; xr < rMax; xr++) {
            let idx = ((b * inHeight + xr) * inWidth + qMin) * c + d;
            for (let xc = qMin; xc < qMax; xc++, idx += c) {
              const v = x[idx];
              if (v > best) {
                best = v;
                at = idx;
              }
            }
          }
          if (at >= 0) dx[at] = g[k];
        }
      }
    }
  }
}

/**
 * For a non-decreasing map `source` (output index -> input index in [0, inSize)), the first
 * output index of each input index: input i receives outputs [starts[i], starts[i + 1]).
 */
function rangeStarts(source: number[], inSize: number): Int32Array {
  const starts = new Int32Array(inSize + 1);
  let o = 0;
  for (let i = 0; i <= inSize; i++) {
    while (o < source.length && source[o] < i) o++;
    starts[i] = o;
  }
  return starts;
}

/** Whether a 2x2 max pool that covers its input exactly takes its gradient by rows shared with the helper threads. */
let maxPoolGradRows = true;

/** Switches the shared-rows 2x2 max-pool gradient on (default) or off (then the row loop runs from JavaScript after a zero fill; same numbers). */
export function setMaxPoolGradRows(on: boolean): void {
  maxPoolGradRows = on;
}

/** Whether an integer upsampling's gradient runs vaelab's strip (`wasm-upsample-code.ts`) where it has one. */
let upsampleGradStrip = true;

/** Switches the upsampling-gradient strips on (default) or off (then wasm's AvgPool and Multiply, or the JavaScript loop, run; same numbers). */
export function setUpsampleGradStrip(on: boolean): void {
  upsampleGradStrip = on;
}

/** Per backend: whether wasm's AvgPool turns a NaN mean into -inf (XNNPACK's clamp on x86 hosts). */
const nanToNegInf = new WeakMap<object, boolean>();

/** Asks wasm's AvgPool once per backend what it makes of a window of NaNs. */
function avgPoolNaNToNegInf(backend: WasmHeapBackend): boolean {
  const known = nanToNegInf.get(backend);
  if (known !== undefined) return known;
  const x = backend.makeOutput([1, 2, 2, 4], 'float32');
  backend.typedArrayFromHeap(x).fill(Number.NaN);
  const mean = runWasmKernel('AvgPool', backend, { x }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' });
  const answer = backend.typedArrayFromHeap(mean)[0] === Number.NEGATIVE_INFINITY;
  freeWasm(backend, x, mean);
  nanToNegInf.set(backend, answer);
  return answer;
}

/** ResizeNearestNeighborGrad: dx[source pixel of each dy pixel] += dy. */
export const resizeNearestNeighborGradWasm: KernelFunc = (args) => {
  const backend = args.backend as WasmHeapBackend;
  const { images, dy } = args.inputs as Record<'images' | 'dy', TensorInfo>;
  const { alignCorners, halfPixelCenters } = args.attrs as unknown as { alignCorners: boolean; halfPixelCenters?: boolean };
  const [batch, inH, inW, depth] = images.shape;
  const [, outH, outW] = dy.shape;
  const hp = halfPixelCenters === true;
  const source = (i: number, inSize: number, outSize: number): number => {
    const ratio = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
    const frac = hp ? ratio * (i + 0.5) : ratio * i;
    const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    return hp ? Math.max(0, nearest) : nearest;
  };
  const rows = Array.from({ length: outH }, (_, r) => source(r, inH, outH));
  const cols = Array.from({ length: outW }, (_, q) => source(q, inW, outW));
  // Integer upscaling (UpSampling2D): each input pixel receives a whole fh x fw block of dy, so
  // dx is wasm's (XNNPACK) average pool of dy times fh*fw.
  const fh = outH / inH;
  const fw = outW / inW;
  if (
    Number.isInteger(fh) &&
    Number.isInteger(fw) &&
    fh * fw > 1 &&
    dy.dtype === 'float32' &&
    rows.every((s, r) => s === Math.floor(r / fh)) &&
    cols.every((s, q) => s === Math.floor(q / fw))
  ) {
    const gemm = upsampleGradStrip && depth % 4 === 0 && UPSAMPLE_GRAD_WINDOWS.some(([h, w]) => h === fh && w === fw) ? wasmGemmOf(backend) : null;
    if (gemm !== null) {
      // The same floats as the average pool below, in one pass shared with the helper threads.
      const negInf = avgPoolNaNToNegInf(backend);
      const dx = backend.makeOutput(images.shape, 'float32');
      gemm.upsampleGrad({
        dy: heapAddress(backend, dy),
        dx: heapAddress(backend, dx),
        batch,
        inHeight: inH,
        inWidth: inW,
        channels: depth,
        fh,
        fw,
        nanToNegInf: negInf,
      });
      return dx;
    }
    const mean = runWasmKernel('AvgPool', backend, { x: dy }, { filterSize: [fh, fw], strides: [fh, fw], pad: 'valid' });
    const scale = backend.makeOutput([], 'float32');
    backend.typedArrayFromHeap(scale)[0] = fh * fw;
    const out = runWasmKernel('Multiply', backend, { a: mean, b: scale });
    freeWasm(backend, mean, scale);
    return out;
  }
  // The source index is non-decreasing in the output index, so each input row (column) receives
  // a contiguous range of output rows (columns): [rowFrom[y], rowFrom[y + 1]).
  const rowFrom = rangeStarts(rows, inH);
  const colFrom = rangeStarts(cols, inW);
  const out = backend.makeOutput(images.shape, 'float32');
  const gemm = upsampleGradStrip && depth % 4 === 0 && dy.dtype === 'float32' ? wasmGemmOf(backend) : null;
  if (gemm !== null) {
    // The same additions in the same order, in one wasm pass shared with the helper threads.
    const tables = backend.makeOutput([inH + 1 + inW + 1], 'float32');
    const at = heapAddress(backend, tables);
    const ints = new Int32Array(backend.typedArrayFromHeap(tables).buffer, at, inH + 1 + inW + 1);
    ints.set(rowFrom);
    ints.set(colFrom, inH + 1);
    try {
      gemm.upsampleGradRanges({
        dy: heapAddress(backend, dy),
        dx: heapAddress(backend, out),
        batch,
        inHeight: inH,
        inWidth: inW,
        outHeight: outH,
        outWidth: outW,
        channels: depth,
        rowTable: at,
        colTable: at + 4 * (inH + 1),
      });
    } finally {
      freeWasm(backend, tables);
    }
    return out;
  }
  const g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(out);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < inH; y++) {
      const r0 = rowFrom[y];
      const r1 = rowFrom[y + 1];
      for (let x = 0; x < inW; x++, k += depth) {
        const q0 = colFrom[x];
        const q1 = colFrom[x + 1];
        if (r0 === r1 || q0 === q1) {
          dx.fill(0, k, k + depth);
          continue;
        }
        // First dy pixel of the block is copied, the others are added (one write pass over dx).
        let first = true;
        for (let r = r0; r < r1; r++) {
          let src = ((b * outH + r) * outW + q0) * depth;
          for (let q = q0; q < q1; q++, src += depth) {
            if (first) {
              for (let d = 0; d < depth; d++) dx[k + d] = g[src + d];
              first = false;
            } else {
              for (let d = 0; d < depth; d++) dx[k + d] += g[src + d];
            }
          }
        }
      }
    }
  }
  return out;
};

/**
 * ResizeNearestNeighbor (UpSampling2D) for power-of-two integer factors (no align-corners, no
 * half-pixel centres) and channels in fours: every input pixel copied to its fh x fw block by
 * the SIMD copy loop (`wasm-simd.ts`). Other cases run the stock kernel. Copies, so the output
 * is bit-identical to the stock kernel's.
 */
export function resizeNearestNeighborWasm(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const backend = args.backend as WasmHeapBackend;
    const images = args.inputs.images as TensorInfo;
    const { alignCorners, halfPixelCenters, size } = args.attrs as unknown as {
      alignCorners: boolean;
      halfPixelCenters: boolean;
      size: [number, number];
    };
    const [batch, inH, inW, depth] = images.shape;
    const [outH, outW] = size;
    const fh = outH / inH;
    const fw = outW / inW;
    const powerOfTwo = (f: number): boolean => Number.isInteger(f) && f >= 1 && (f & (f - 1)) === 0;
    const simd =
      !alignCorners && !halfPixelCenters && images.dtype === 'float32' && depth % 4 === 0 && powerOfTwo(fh) && powerOfTwo(fw) && fh * fw > 1
        ? wasmSimdKernels(backend)
        : null;
    if (simd === null) return stockFunc(args);
    const out = backend.makeOutput([batch, outH, outW, depth], 'float32');
    const src0 = backend.typedArrayFromHeap(images).byteOffset;
    const dst0 = backend.typedArrayFromHeap(out).byteOffset;
    const pixelBytes = 4 * depth;
    for (let b = 0; b < batch; b++) {
      for (let y = 0; y < inH; y++) {
        const src = src0 + (b * inH + y) * inW * pixelBytes;
        for (let r = y * fh; r < (y + 1) * fh; r++) {
          const dst = dst0 + (b * outH + r) * outW * pixelBytes;
          for (let q = 0; q < fw; q++) simd.scatterPixels(src, dst + q * pixelBytes, inW, pixelBytes, fw * pixelBytes);
        }
      }
    }
    return out;
  };
}
