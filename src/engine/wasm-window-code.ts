/**
 * The skeleton shared by vaelab's pooling strips (the forward max pool of `wasm-maxpool-code.ts`,
 * the upsampling gradient of `wasm-upsample-code.ts`): fh x fw windows that tile the source exactly,
 * one output pixel per window, 16 bytes at a time. Each strip supplies only the value of a window
 * from its loaded inputs.
 *
 * Params: (src, dst, rows, windows, pixelBytes, srcRowBytes, ...extra). For each of `rows` output
 * rows (the next row's windows start fh source rows on) and each of its `windows` pixels, every 16
 * bytes of the pixel (pixelBytes a multiple of 16): the window's inputs are loaded column by column
 * (input j = q * fh + r for window row r and column q, as XNNPACK's pooling reads them) into v128
 * locals, and the strip's value is stored at dst. dst runs on pixel by pixel, row after row.
 * A v128 local holds -inf in every lane: the low end of XNNPACK's output clamp, which both
 * pooling kernels the strips repeat apply (`pmax(-inf, v)`).
 */
import { addTo, f32, functionBody, get, i32, load, loopNext, loopWhileBelow, OP, set, simd, store, TYPE, V128 as V } from './wasm-assembler';

/** Params every window strip starts with: src, dst, rows, windows, pixelBytes, srcRowBytes. */
export const WINDOW_STRIP_PARAMS = 6;

/** Where a window strip's value code finds its inputs and its own locals. */
export interface WindowLocals {
  /** Code that pushes input j (j < fh * fw) of the current 16 bytes of the window. */
  readonly input: (j: number) => number[];
  /** The index of extra param i (after the six common ones). */
  readonly param: (i: number) => number;
  /** The index of the strip's own v128 local i. */
  readonly v128: (i: number) => number;
  /** The index of the v128 local that holds -inf in every lane. */
  readonly negInf: number;
}

/** What a window strip computes. */
export interface WindowStrip {
  readonly fh: number;
  readonly fw: number;
  /** Params after the six common ones. */
  readonly extraParams: number;
  /** v128 locals of the strip's own (partial results). */
  readonly v128Locals: number;
  /** Code that pushes the window's value (one v128) for the current 16 bytes. */
  readonly value: (l: WindowLocals) => number[];
}

/** The function body of a window strip. */
export function windowStripBody(s: WindowStrip): number[] {
  const [SRC, DST, ROWS, WINDOWS, PIXEL, SRC_ROW] = [0, 1, 2, 3, 4, 5];
  const first = WINDOW_STRIP_PARAMS + s.extraParams;
  const [ROW, W, C, ORIGIN, ROW_ORIGIN] = [first, first + 1, first + 2, first + 3, first + 4];
  const IN = first + 5; // v128 inputs at IN + j
  const k = s.fh * s.fw;
  const NEG_INF = IN + k;
  const locals: WindowLocals = {
    input: (j) => {
      if (!Number.isInteger(j) || j < 0 || j >= k) throw new RangeError(`window strip: input ${j} of a ${s.fh}x${s.fw} window`);
      return get(IN + j);
    },
    param: (i) => WINDOW_STRIP_PARAMS + i,
    v128: (i) => NEG_INF + 1 + i,
    negInf: NEG_INF,
  };
  const loadWindow: number[] = [];
  for (let j = 0; j < k; j++) {
    const r = j % s.fh;
    const q = Math.floor(j / s.fh);
    loadWindow.push(
      ...get(ORIGIN), ...get(C), OP.i32Add,
      ...get(SRC_ROW), ...i32(r), OP.i32Mul, OP.i32Add,
      ...get(PIXEL), ...i32(q), OP.i32Mul, OP.i32Add,
      ...load(), ...set(IN + j),
    );
  }
  const code = [
    ...f32(Number.NEGATIVE_INFINITY), ...simd(V.f32x4Splat), ...set(NEG_INF),
    ...get(SRC), ...set(ROW_ORIGIN),
    ...i32(0), ...set(ROW),
    ...loopWhileBelow(ROW, ROWS),
    ...get(ROW_ORIGIN), ...set(ORIGIN),
    ...i32(0), ...set(W),
    ...loopWhileBelow(W, WINDOWS),
    ...i32(0), ...set(C),
    ...loopWhileBelow(C, PIXEL),
    ...loadWindow,
    ...get(DST), ...get(C), OP.i32Add,
    ...s.value(locals),
    ...store(),
    ...loopNext(C, 16),
    ...addTo(ORIGIN, [...get(PIXEL), ...i32(s.fw), OP.i32Mul]),
    ...addTo(DST, get(PIXEL)),
    ...loopNext(W, 1),
    ...addTo(ROW_ORIGIN, [...get(SRC_ROW), ...i32(s.fh), OP.i32Mul]),
    ...loopNext(ROW, 1),
  ];
  return functionBody([[5, TYPE.i32], [k + 1 + s.v128Locals, TYPE.v128]], code);
}
