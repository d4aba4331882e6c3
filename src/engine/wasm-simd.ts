/**
 * Small 128-bit WebAssembly SIMD loops that run on the wasm backend's own memory, for the two
 * places where XNNPACK has no fitting operator and scalar JavaScript is the bottleneck. The
 * module is assembled below by vaelab's own code (no third-party binary); it imports the
 * backend's `env.memory`, so the loops read and write tensors in place.
 *
 * - `filterGradOneChannel{1,2,3}`: the filter gradient of a conv with ONE input channel, for 1..3
 *   filter taps and 16 output channels at a time, one image per call: out[t][o] += x[p + shift_t]
 *   * dy[p][o] over the output positions p (XNNPACK would pack all of dy, [positions, co], first).
 * - `maxPoolGrad2x2`: the gradient of one row of full, non-overlapping 2x2 max-pool windows with
 *   the cpu backend's rule (dy goes to the window's first maximum, compared with `>` from -inf).
 * - `scatterPixels`: copies contiguous pixels (channel vectors) to strided places, to interleave
 *   the stride phases of conv2dTranspose.
 * - `columnSum16`: sums of 16 columns over the rows of a matrix (bias gradients), in blocks of
 *   256 rows added into a running total (float32, close to the cpu backend's double sums).
 */
import { addLocal, addTo, compileOnMemory, countedLoop, functionBody as body, get, i32, load, loopNext, loopWhileBelow, moduleImportingMemory, OP, set, simd, store, TYPE, V128 as V } from './wasm-assembler';
import { maxPoolGrad2x2Function } from './wasm-maxpool-code';
import { wasmMemoryOf } from './wasm-heap';

/** (dy, rows, cols, dyPixelBytes, xRowBytes, x_0..x_{taps-1}, out_0..out_{taps-1}), byte addresses; out accumulates. */
export type FilterGradOneChannelFn = (dy: number, rows: number, cols: number, dyPixelBytes: number, xRowBytes: number, ...xAndOut: number[]) => void;

/** One row of 2x2 windows: (x row 0, x row 1, dx row 0, dx row 1, dy row, windows, channel bytes). */
export type MaxPoolGrad2x2Fn = (x0: number, x1: number, dx0: number, dx1: number, dy: number, windows: number, channelBytes: number) => void;

/** Column sums of 16 columns: (src, rows, rowBytes, dst), byte addresses. */
export type ColumnSum16Fn = (src: number, rows: number, rowBytes: number, dst: number) => void;

/** Copies `pixels` runs of `pixelBytes` (a multiple of 16) to `dstStride` apart: (src, dst, pixels, pixelBytes, dstStride). */
export type ScatterPixelsFn = (src: number, dst: number, pixels: number, pixelBytes: number, dstStride: number) => void;

/** The loops bound to one memory. */
export interface WasmSimdKernels {
  /** Filter gradient of a one-input-channel conv; index t-1 holds the variant for t taps (1..3). */
  readonly filterGradOneChannel: readonly [FilterGradOneChannelFn, FilterGradOneChannelFn, FilterGradOneChannelFn];
  /** Gradient of one row of full 2x2 max-pool windows. */
  readonly maxPoolGrad2x2: MaxPoolGrad2x2Fn;
  /** Column sums of 16 columns. */
  readonly columnSum16: ColumnSum16Fn;
  /** Strided copy of contiguous pixels. */
  readonly scatterPixels: ScatterPixelsFn;
}

const splatLoad = (): number[] => [...simd(V.load32Splat), 2, 0];
/**
 * Filter gradient of a one-channel conv for `taps` taps and 16 output channels, over one image:
 * params (dy, rows, cols, dyPixelBytes, xRowBytes, x_0.., out_0..). For each of rows x cols
 * output positions (dy contiguous, dyPixelBytes apart; x rows xRowBytes apart, 4 bytes per
 * column), out_t[0..16) += x_t[position] * dy[position][0..16). out is read and written back.
 */
function filterGradBody(taps: number): number[] {
  const [DY, ROWS, COLS, PIXEL, XROW] = [0, 1, 2, 3, 4];
  const X = 5; // x_t = X + t
  const OUT = X + taps; // out_t = OUT + t
  const R = OUT + taps; // i32 row
  const C = R + 1; // i32 column
  const Q = C + 1; // i32 byte offset into x of the current position
  const ROW0 = Q + 1; // i32 byte offset of the row start
  const D = ROW0 + 1; // v128 d0..d3
  const S = D + 4; // v128 splat
  const ACC = S + 1; // v128 acc[t*4 + k]
  const code: number[] = [];
  for (let t = 0; t < taps; t++) {
    for (let k = 0; k < 4; k++) code.push(...get(OUT + t), ...load(16 * k), ...set(ACC + t * 4 + k));
  }
  code.push(
    ...loopWhileBelow(R, ROWS),
    ...get(ROW0), ...set(Q),
    ...countedLoop(C, COLS),
  );
  for (let k = 0; k < 4; k++) code.push(...get(DY), ...load(16 * k), ...set(D + k));
  for (let t = 0; t < taps; t++) {
    code.push(...get(X + t), ...get(Q), OP.i32Add, ...splatLoad(), ...set(S));
    for (let k = 0; k < 4; k++) {
      const acc = ACC + t * 4 + k;
      code.push(...get(acc), ...get(S), ...get(D + k), ...simd(V.f32x4Mul), ...simd(V.f32x4Add), ...set(acc));
    }
  }
  code.push(
    ...addLocal(DY, PIXEL),
    ...addTo(Q, i32(4)),
    ...loopNext(C, 1),
    ...addLocal(ROW0, XROW),
    ...loopNext(R, 1),
  );
  for (let t = 0; t < taps; t++) {
    for (let k = 0; k < 4; k++) code.push(...get(OUT + t), ...get(ACC + t * 4 + k), ...store(16 * k));
  }
  return body([[4, TYPE.i32], [5 + 4 * taps, TYPE.v128]], code);
}

/** Column sums of 16 float32 columns over `rows` rows `rowBytes` apart, blocks of 256 rows. */
function columnSumBody(): number[] {
  const [SRC, ROWS, ROW_BYTES, DST] = [0, 1, 2, 3];
  const R = 4; // i32 row
  const END = 5; // i32 end of the block
  const TOTAL = 6; // v128 x4
  const PART = 10; // v128 x4
  const zero = [...simd(V.const), ...Array<number>(16).fill(0)];
  const code: number[] = [
    ...loopWhileBelow(R, ROWS),
    // end = min(r + 256, rows)
    ...get(R), OP.i32Const, ...[0x80, 0x02], OP.i32Add, ...set(END),
    ...get(END), ...get(ROWS), ...get(END), ...get(ROWS), OP.i32LtU, OP.select, ...set(END),
  ];
  for (let k = 0; k < 4; k++) code.push(...zero, ...set(PART + k));
  code.push(...loopWhileBelow(R, END));
  for (let k = 0; k < 4; k++) code.push(...get(PART + k), ...get(SRC), ...load(16 * k), ...simd(V.f32x4Add), ...set(PART + k));
  code.push(...addLocal(SRC, ROW_BYTES), ...loopNext(R, 1));
  for (let k = 0; k < 4; k++) code.push(...get(TOTAL + k), ...get(PART + k), ...simd(V.f32x4Add), ...set(TOTAL + k));
  code.push(OP.br, 0, OP.end, OP.end);
  for (let k = 0; k < 4; k++) code.push(...get(DST), ...get(TOTAL + k), ...store(16 * k));
  return body([[2, TYPE.i32], [8, TYPE.v128]], code);
}

/** Pixel-by-pixel strided copy, 16 bytes per step. */
function scatterBody(): number[] {
  const [SRC, DST, PIXELS, PB, STRIDE] = [0, 1, 2, 3, 4];
  const P = 5; // i32 pixel counter
  const K = 6; // i32 byte offset in the pixel
  const code: number[] = [
    ...loopWhileBelow(P, PIXELS),
    ...countedLoop(K, PB),
    ...get(DST), ...get(K), OP.i32Add, ...get(SRC), ...get(K), OP.i32Add, ...load(), ...store(),
    ...loopNext(K, 16),
    ...addLocal(SRC, PB), ...addLocal(DST, STRIDE),
    ...loopNext(P, 1),
  ];
  return body([[2, TYPE.i32]], code);
}

/** The module bytes; it imports `env.memory` (shared when the backend's memory is). */
export function wasmSimdModuleBytes(sharedMemory: boolean): Uint8Array {
  const i32s = (n: number): number[] => Array<number>(n).fill(TYPE.i32);
  return moduleImportingMemory(
    [
      { name: 'filterGrad1', params: i32s(5 + 2), body: filterGradBody(1) },
      { name: 'filterGrad2', params: i32s(5 + 4), body: filterGradBody(2) },
      { name: 'filterGrad3', params: i32s(5 + 6), body: filterGradBody(3) },
      maxPoolGrad2x2Function(),
      { name: 'columnSum16', params: i32s(4), body: columnSumBody() },
      { name: 'scatterPixels', params: i32s(5), body: scatterBody() },
    ],
    sharedMemory,
  );
}

/** Whether vaelab's SIMD loops may be used (tests and measurements switch them off). */
let enabled = true;

/** Switches vaelab's WebAssembly SIMD loops on (default) or off (then the other paths run). */
export function setWasmSimdKernels(on: boolean): void {
  enabled = on;
}

const cache = new WeakMap<object, WasmSimdKernels | null>();

/** The SIMD loops bound to this backend's memory, or null (no SIMD support, switched off, not wasm). */
export function wasmSimdKernels(backend: unknown): WasmSimdKernels | null {
  if (!enabled) return null;
  const memory = wasmMemoryOf(backend);
  if (memory === undefined) return null;
  const known = cache.get(memory);
  if (known !== undefined) return known;
  const e = compileOnMemory(wasmSimdModuleBytes, memory)?.exports;
  const kernels: WasmSimdKernels | null =
    e === undefined
      ? null
      : {
          filterGradOneChannel: [e.filterGrad1, e.filterGrad2, e.filterGrad3] as [FilterGradOneChannelFn, FilterGradOneChannelFn, FilterGradOneChannelFn],
          maxPoolGrad2x2: e.maxPoolGrad2x2 as MaxPoolGrad2x2Fn,
          columnSum16: e.columnSum16 as ColumnSum16Fn,
          scatterPixels: e.scatterPixels as ScatterPixelsFn,
        };
  cache.set(memory, kernels);
  return kernels;
}
