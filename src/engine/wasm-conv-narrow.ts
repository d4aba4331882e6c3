/**
 * Stride-1 conv2d with a single output channel on the `wasm` backend. XNNPACK computes output
 * channels in groups of eight, so one channel wastes most of its work (a 16->1 3x3 conv over
 * 28x28 runs at a tenth of the 16->16 speed). Here V neighbouring output columns become V output
 * channels: a filter widened to kw + V - 1 columns, with filter v holding the original taps
 * shifted right by v, run with horizontal stride V, gives [n, oh, ow/V, V], which is exactly
 * [n, oh, ow, 1] in memory.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { conv2dFast } from './wasm-conv-gemm';
import { freeWasm, runWasmKernel, type WasmHeapBackend } from './wasm-heap';

/** Output columns turned into channels, tried in this order (must divide the output width). */
const WIDTHS = [8, 7, 6, 5, 4];

/**
 * conv2d(x, filter [kh, kw, ci, 1]) with stride 1 and explicit padding `pads`
 * ([top, bottom], [left, right]); undefined when the trick does not apply (then run the
 * plain kernel).
 */
export function conv2dOneOutputChannel(
  backend: WasmHeapBackend,
  x: TensorInfo,
  filter: TensorInfo,
  pads: [[number, number], [number, number]],
): TensorInfo | undefined {
  const [kh, kw, ci, co] = filter.shape;
  if (co !== 1 || x.dtype !== 'float32') return undefined;
  const [n, h, w] = x.shape;
  const [[top, bottom], [left, right]] = pads;
  const oh = h + top + bottom - kh + 1;
  const ow = w + left + right - kw + 1;
  if (oh < 1 || ow < 1) return undefined;
  const v = WIDTHS.find((d) => ow % d === 0);
  if (v === undefined) return undefined;
  const wideW = kw + v - 1;
  const wide = backend.makeOutput([kh, wideW, ci, v], 'float32');
  {
    const dst = backend.typedArrayFromHeap(wide);
    const src = backend.typedArrayFromHeap(filter);
    dst.fill(0);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        for (let c = 0; c < ci; c++) {
          const value = src[(i * kw + j) * ci + c];
          for (let s = 0; s < v; s++) dst[((i * wideW + j + s) * ci + c) * v + s] = value;
        }
      }
    }
  }
  const y = conv2dFast(backend, x, wide, {
    strides: [1, v],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dilations: [1, 1],
  });
  freeWasm(backend, wide);
  const out = runWasmKernel('Reshape', backend, { x: y }, { shape: [n, oh, ow, 1] });
  freeWasm(backend, y);
  return out;
}
