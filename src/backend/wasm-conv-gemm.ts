/**
 * conv2d forward (NHWC, dilation 1) by vaelab's own loops (`wasm-gemm.ts`): the input is padded
 * once, then each output row is a product of the overlapping input rows with the filter, read in
 * place (implicit GEMM, no im2col matrix), split over vaelab's product threads by image. Used for
 * the `Conv2D` kernel and for the forward convolutions inside conv2d's input gradient.
 */
import type { KernelBackend, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { wasmGemmFor } from './wasm-gemm';
import {
  convInfoChannelsLast,
  freeWasm,
  runWasmKernel,
  wasmMemoryOf,
  type ConvGeometryAttrs,
  type WasmHeapBackend,
} from './wasm-heap';

/** Attributes of a forward conv2d as the Conv2D kernel receives them. */
export type Conv2DAttrs = ConvGeometryAttrs & { readonly dilations?: [number, number] | number };

const isOne = (d: [number, number] | number | undefined): boolean => d === undefined || (Array.isArray(d) ? d.every((v) => v === 1) : d === 1);

/** conv2d(x, filter) by vaelab's loops, or null when they do not apply (not float32, dilated, no loops). */
export function conv2dByGemm(backend: KernelBackend, x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): TensorInfo | null {
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape.length !== 4 || filter.shape.length !== 4) return null;
  if (!isOne(attrs.dilations)) return null;
  const memory = wasmMemoryOf(backend);
  const gemm = memory === undefined ? null : wasmGemmFor(memory);
  if (gemm === null) return null;
  const heap = backend as WasmHeapBackend;
  const info = convInfoChannelsLast('Conv2D', x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs);
  const { top, bottom, left, right } = info.padInfo;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) return null;
  const padded =
    top + bottom + left + right > 0
      ? runWasmKernel('PadV2', backend, { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
      : x;
  const [batch, , , inChannels] = x.shape;
  const out = heap.makeOutput([batch, info.outHeight, info.outWidth, info.outChannels], 'float32');
  const at = (t: TensorInfo): number => heap.typedArrayFromHeap(t).byteOffset;
  try {
    gemm.conv2d({
      x: at(padded),
      filter: at(filter),
      out: at(out),
      batch,
      inHeight: padded.shape[1],
      inWidth: padded.shape[2],
      inChannels,
      filterHeight: info.filterHeight,
      filterWidth: info.filterWidth,
      strideHeight: info.strideHeight,
      strideWidth: info.strideWidth,
      outHeight: info.outHeight,
      outWidth: info.outWidth,
      outChannels: info.outChannels,
    });
  } finally {
    if (padded !== x) freeWasm(backend, padded);
  }
  return out;
}

/** conv2d by vaelab's loops where they apply, else wasm's stock Conv2D kernel. */
export function conv2dFast(backend: KernelBackend, x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): TensorInfo {
  return conv2dByGemm(backend, x, filter, attrs) ?? runWasmKernel('Conv2D', backend, { x, filter }, attrs as unknown as NamedAttrMap);
}
