/**
 * `Slice` and `PadV2` on the wasm backend as runs of `copyWithin` straight in wasm memory.
 *
 * wasm's `Slice` reads its whole input out of wasm memory first (`readSync` copies it) and, for a
 * rank-4 slice that is not one contiguous block, copies one innermost row at a time through a new
 * subarray view: cropping [n, 32, 32, 1] images to their central 28x28 (the 5LSL0 models' data step)
 * made a view per pixel, about 0.3 ms per image, half of those models' decoding. `PadV2` (the
 * gradient of that crop, and the 5LSL0 encoders' zero border) is C++ but walks every element
 * (about 45 ns per output value for [n, 28, 28, 1] -> [n, 32, 32, 1]).
 *
 * Both kernels here treat the tensor as nested runs: the trailing axes a slice keeps whole (or a
 * pad leaves unpadded) join the innermost axis into one contiguous run, and every run is one
 * `copyWithin` over the heap (a byte copy: the values are bit for bit the input's). float32 and
 * int32 only (4-byte values); other dtypes go to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { WasmHeapBackend } from './wasm-heap';

/** What makeOutput / typedArrayFromHeap need: a backend whose tensors live in wasm memory. */
type HeapBackend = WasmHeapBackend & { makeOutput(shape: number[], dtype: 'float32' | 'int32'): TensorInfo };

/** Copy plan of a strided block: outer loop sizes and strides, and the contiguous run length. */
interface RunPlan {
  /** Sizes of the outer axes (the run is below them). */
  readonly outer: number[];
  /** Source strides (elements) of the outer axes. */
  readonly srcStrides: number[];
  /** Destination strides (elements) of the outer axes. */
  readonly dstStrides: number[];
  /** Elements per contiguous run. */
  readonly run: number;
}

/**
 * The runs of a block of shape `size` that sits in a source of shape `srcShape` and a destination
 * of shape `dstShape` (both row-major). Trailing axes where size equals both shapes merge with
 * the first axis above them into one run.
 */
function runPlan(size: readonly number[], srcShape: readonly number[], dstShape: readonly number[]): RunPlan {
  const rank = size.length;
  let j = rank - 1;
  let run = 1;
  // Merge trailing axes that are whole in both tensors.
  while (j > 0 && size[j] === srcShape[j] && size[j] === dstShape[j]) {
    run *= size[j];
    j--;
  }
  run *= size[j];
  const srcStrides: number[] = [];
  const dstStrides: number[] = [];
  let s = 1;
  let d = 1;
  const srcAll: number[] = new Array<number>(rank);
  const dstAll: number[] = new Array<number>(rank);
  for (let a = rank - 1; a >= 0; a--) {
    srcAll[a] = s;
    dstAll[a] = d;
    s *= srcShape[a];
    d *= dstShape[a];
  }
  for (let a = 0; a < j; a++) {
    srcStrides.push(srcAll[a]);
    dstStrides.push(dstAll[a]);
  }
  return { outer: size.slice(0, j), srcStrides, dstStrides, run };
}

/** Copies every run of `plan` from element `src0` to element `dst0` of `heap`. */
function copyRuns(heap: Float32Array, plan: RunPlan, src0: number, dst0: number): void {
  const { outer, srcStrides, dstStrides, run } = plan;
  const depth = outer.length;
  if (depth === 0) {
    heap.copyWithin(dst0, src0, src0 + run);
    return;
  }
  if (depth === 1) {
    const [n0] = outer;
    const [s0] = srcStrides;
    const [d0] = dstStrides;
    for (let a = 0; a < n0; a++) heap.copyWithin(dst0 + a * d0, src0 + a * s0, src0 + a * s0 + run);
    return;
  }
  if (depth === 2) {
    const [n0, n1] = outer;
    const [s0, s1] = srcStrides;
    const [d0, d1] = dstStrides;
    for (let a = 0; a < n0; a++) {
      for (let b = 0; b < n1; b++) {
        const from = src0 + a * s0 + b * s1;
        heap.copyWithin(dst0 + a * d0 + b * d1, from, from + run);
      }
    }
    return;
  }
  // Any depth: an odometer over the outer axes.
  const index = new Array<number>(depth).fill(0);
  let from = src0;
  let to = dst0;
  for (;;) {
    heap.copyWithin(to, from, from + run);
    let a = depth - 1;
    while (a >= 0) {
      index[a]++;
      from += srcStrides[a];
      to += dstStrides[a];
      if (index[a] < outer[a]) break;
      from -= srcStrides[a] * outer[a];
      to -= dstStrides[a] * outer[a];
      index[a] = 0;
      a--;
    }
    if (a < 0) return;
  }
}

function heapOf(backend: KernelBackend): HeapBackend | null {
  const b = backend as Partial<HeapBackend>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' ? (backend as HeapBackend) : null;
}

/** The whole heap as float32 elements, and where `info`'s data starts in it. */
function heapView(backend: HeapBackend, info: TensorInfo): { heap: Float32Array; offset: number } {
  const view = backend.typedArrayFromHeap(info);
  return { heap: new Float32Array(view.buffer), offset: view.byteOffset / 4 };
}

/** `Slice` by runs of copyWithin (float32 / int32), else the stock kernel. */
export function sliceWasm(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const backend = heapOf(args.backend as KernelBackend);
    if (backend === null || (x.dtype !== 'float32' && x.dtype !== 'int32')) return stockFunc(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
    const out = backend.makeOutput(size_, x.dtype);
    if (tf.util.sizeFromShape(size_) === 0) return out;
    // Views after makeOutput: it may grow (and so replace) the heap.
    const src = heapView(backend, x);
    const dst = heapView(backend, out);
    let start = src.offset;
    let stride = 1;
    for (let a = x.shape.length - 1; a >= 0; a--) {
      start += begin_[a] * stride;
      stride *= x.shape[a];
    }
    copyRuns(src.heap, runPlan(size_, x.shape, size_), start, dst.offset);
    return out;
  };
}

/** `PadV2` by a fill with the constant and runs of copyWithin (float32 / int32), else the stock kernel. */
export function padV2Wasm(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const backend = heapOf(args.backend as KernelBackend);
    if (backend === null || (x.dtype !== 'float32' && x.dtype !== 'int32')) return stockFunc(args);
    const { paddings, constantValue } = args.attrs as unknown as { paddings: Array<[number, number]>; constantValue: number };
    if (paddings.length !== x.shape.length || paddings.some(([b, a]) => b < 0 || a < 0)) return stockFunc(args);
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const out = backend.makeOutput(outShape, x.dtype);
    const outView = backend.typedArrayFromHeap(out);
    if (x.dtype === 'int32') new Int32Array(outView.buffer, outView.byteOffset, outView.length).fill(constantValue);
    else outView.fill(constantValue);
    if (tf.util.sizeFromShape(x.shape) === 0) return out;
    const src = heapView(backend, x);
    const dst = heapView(backend, out);
    let start = dst.offset;
    let stride = 1;
    for (let a = outShape.length - 1; a >= 0; a--) {
      start += paddings[a][0] * stride;
      stride *= outShape[a];
    }
    copyRuns(src.heap, runPlan(x.shape, x.shape, outShape), src.offset, start);
    return out;
  };
}
