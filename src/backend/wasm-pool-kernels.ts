/**
 * Gradient kernels of max pooling and nearest-neighbour upsampling for the `wasm` backend,
 * written as single passes straight over wasm memory (wasm's own are several times slower).
 *
 * - `MaxPoolGrad`: each dy value goes to the first maximum of its window (row-major scan),
 *   the rule of the cpu backend, so both backends give the same numbers.
 * - `ResizeNearestNeighborGrad`: each dy pixel is added onto the input pixel the forward pass
 *   copied it from.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

/** The parts of the wasm backend used to write a kernel's output in place. */
interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** MaxPoolGrad: dx[first argmax of each window] += dy. */
export const maxPoolGradWasm: KernelFunc = (args) => {
  const backend = args.backend as WasmHeapBackend;
  const { dy, input } = args.inputs as Record<'dy' | 'input' | 'output', TensorInfo>;
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
    filterSize: [number, number] | number;
    strides: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
  };
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, strideHeight, strideWidth } = info;
  const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = backend.makeOutput(input.shape, 'float32');
  const x = backend.typedArrayFromHeap(input);
  const g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
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
  const out = backend.makeOutput(images.shape, 'float32');
  const g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + rows[r]) * inW;
      for (let q = 0; q < outW; q++) {
        const base = (rowBase + cols[q]) * depth;
        for (let d = 0; d < depth; d++) dx[base + d] += g[k++];
      }
    }
  }
  return out;
};
