/**
 * A fix vaelab registers for the TensorFlow.js `cpu` backend.
 *
 * tfjs-backend-cpu 4.22's `ResizeNearestNeighborGrad` reads dy with the batch stride of the
 * (smaller) input image, so for batch > 1 every image after the first gets another image's
 * gradient: UpSampling2D layers train wrongly on cpu. vaelab's kernel scatters each dy pixel
 * onto the input pixel the forward pass copied it from, with the forward kernel's own rule.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

/** The parts of the cpu backend the kernel uses. */
interface CpuBackend extends KernelBackend {
  data: { get(dataId: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** Index of the input pixel that output pixel `i` copies (forward rule of the cpu kernel). */
function sourceIndex(i: number, ratio: number, inSize: number, alignCorners: boolean, halfPixelCenters: boolean): number {
  const frac = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}

const resizeNearestNeighborGrad: KernelFunc = (args) => {
  const backend = args.backend as CpuBackend;
  const { images, dy } = args.inputs as Record<'images' | 'dy', TensorInfo>;
  const { alignCorners, halfPixelCenters } = args.attrs as unknown as { alignCorners: boolean; halfPixelCenters?: boolean };
  const [batch, inH, inW, depth] = images.shape;
  const [, outH, outW] = dy.shape;
  const ratio = (inSize: number, outSize: number): number =>
    (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  const hp = halfPixelCenters === true;
  const rows = Array.from({ length: outH }, (_, r) => sourceIndex(r, ratio(inH, outH), inH, alignCorners, hp));
  const cols = Array.from({ length: outW }, (_, c) => sourceIndex(c, ratio(inW, outW), inW, alignCorners, hp));
  const dyValues = backend.data.get(dy.dataId).values;
  const dx = new Float32Array(batch * inH * inW * depth);
  let k = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outH; r++) {
      const rowBase = (b * inH + rows[r]) * inW;
      for (let c = 0; c < outW; c++) {
        const base = (rowBase + cols[c]) * depth;
        for (let d = 0; d < depth; d++) dx[base + d] += dyValues[k++];
      }
    }
  }
  return backend.makeTensorInfo(images.shape, 'float32', dx);
};

let registered = false;

/** Replaces the cpu backend's `ResizeNearestNeighborGrad` with a correct one (idempotent). */
export function registerCpuKernels(): void {
  if (registered) return;
  const stock = tf.getKernel('ResizeNearestNeighborGrad', 'cpu');
  if (stock !== undefined) tf.unregisterKernel('ResizeNearestNeighborGrad', 'cpu');
  tf.registerKernel({ kernelName: 'ResizeNearestNeighborGrad', backendName: 'cpu', kernelFunc: resizeNearestNeighborGrad });
  registered = true;
}
