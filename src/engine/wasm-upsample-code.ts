/**
 * The gradient of nearest-neighbour upsampling by an integer factor (fh x fw) as a strip function of
 * the product module (`wasm-gemm-code.ts`), so that the helper threads can share it by rows.
 *
 * vaelab's `ResizeNearestNeighborGrad` computes that gradient as wasm's `AvgPool` of dy over
 * fh x fw windows times fh * fw (`wasm-pool-kernels.ts`), and its numbers are those. This strip
 * repeats that computation float for float, four channels at a time: XNNPACK's 9-input average
 * pooling sums the window's values in a fixed tree, with the window read column by column
 * (input j = q * fh + r for window row r and column q; inputs past fh * fw read zeros):
 *
 *     s01 = i0 + i1, s23 = i2 + i3, s45 = i4 + i5, s67 = i6 + i7
 *     sum = (s23 + s45) + ((s01 + i8) + s67)
 *
 * then multiplies by 1 / (fh * fw) and clamps to [-inf, inf] (on x86 hosts XNNPACK's clamp turns a
 * NaN into -inf: `nanToNegInf`), and vaelab's kernel multiplies by fh * fw. The order was found by
 * comparing with wasm's kernel and is held to its bits by tests/backend-wasm-upsample-grad.test.ts.
 *
 * Any other resize (a factor that is not an integer, such as 8 -> 14) sums each input pixel's block
 * of dy in JavaScript's order (row by row, the first value copied, the others added one by one):
 * `upgradranges` does the same additions, four channels at a time, from tables of each input row's
 * and column's first dy row and column.
 */
import { addTo, f32, functionBody, get, i32, load, loadI32, loopNext, loopWhileBelow, OP, set, simd, store, TYPE, V128 as V, v128Zero, type WasmFunction } from './wasm-assembler';
import { windowStripBody, WINDOW_STRIP_PARAMS } from './wasm-window-code';

/** Window shapes (fh, fw) the strip is built for: the conv autoencoders' upsampling. */
export const UPSAMPLE_GRAD_WINDOWS: ReadonlyArray<readonly [number, number]> = [[2, 2], [2, 4]];

/**
 * Strip params (dy, dx, rows, inWidth, pixelBytes, dyRowBytes, nanToNegInf): a window strip
 * (`wasm-window-code.ts`) over `rows` rows of dx (images times input rows) of `inWidth` pixels,
 * each from its fh x fw window of dy.
 */
export const UPSAMPLE_GRAD_PARAMS = WINDOW_STRIP_PARAMS + 1;

/** Export name of the strip for an fh x fw window. */
export const upsampleGradName = (fh: number, fw: number): string => `upgrad${fh}x${fw}`;

function upsampleGradBody(fh: number, fw: number): number[] {
  const k = fh * fw;
  const NAN_FLAG = 0; // the extra param
  const SUM = 0; // the strip's v128 local
  const add = (a: number[], b: number[]): number[] => [...a, ...b, ...simd(V.f32x4Add)];
  return windowStripBody({
    fh,
    fw,
    extraParams: 1,
    v128Locals: 1,
    value: (l) => {
      const v = (j: number): number[] => (j < k ? l.input(j) : v128Zero());
      const tree = add(add(add(v(2), v(3)), add(v(4), v(5))), add(add(add(v(0), v(1)), v(8)), add(v(6), v(7))));
      const sum = l.v128(SUM);
      return [
        ...tree, ...f32(1 / k), ...simd(V.f32x4Splat), ...simd(V.f32x4Mul), ...set(sum),
        ...get(l.param(NAN_FLAG)), OP.if, OP.void, ...get(l.negInf), ...get(sum), ...simd(V.f32x4Pmax), ...set(sum), OP.end,
        ...get(sum), ...f32(k), ...simd(V.f32x4Splat), ...simd(V.f32x4Mul),
      ];
    },
  });
}

/**
 * Ranges strip params (dy, dx, rows, inHeight, inWidth, pixelBytes, dyRowBytes, dyImageBytes,
 * rowTable, colTable, firstRow): for `rows` rows of dx starting at row `firstRow` of the batch
 * (image = row / inHeight, y = row % inHeight), each pixel x and each 16 bytes of it: the sum of dy
 * over rows [rowTable[y], rowTable[y + 1]) and columns [colTable[x], colTable[x + 1]) (int32 tables),
 * the first value copied and the others added in row-major order; zeros for an empty block. dx
 * starts at the first of the rows.
 */
export const UPSAMPLE_RANGES_PARAMS = 11;

/** Export name of the ranges strip. */
export const UPSAMPLE_RANGES_NAME = 'upgradranges';

function upsampleRangesBody(): number[] {
  const [DY, DX, ROWS, IN_HEIGHT, IN_WIDTH, PIXEL, DY_ROW, DY_IMAGE, ROW_TABLE, COL_TABLE, FIRST_ROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [ROW, END_ROW, Y, X, C, R, R1, Q, Q0, Q1, BASE, FIRST] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const ACC = 23; // v128
  const tableAt = (table: number, index: number[]): number[] => [...get(table), ...index, ...i32(2), OP.i32Shl, OP.i32Add, ...loadI32()];
  const code = [
    ...get(FIRST_ROW), ...set(ROW),
    ...get(FIRST_ROW), ...get(ROWS), OP.i32Add, ...set(END_ROW),
    ...loopWhileBelow(ROW, END_ROW),
    // y = row % inHeight; BASE = dy + image * dyImageBytes
    ...get(ROW), ...get(IN_HEIGHT), OP.i32RemU, ...set(Y),
    ...get(DY), ...get(ROW), ...get(IN_HEIGHT), OP.i32DivU, ...get(DY_IMAGE), OP.i32Mul, OP.i32Add, ...set(BASE),
    ...i32(0), ...set(X),
    ...loopWhileBelow(X, IN_WIDTH),
    ...tableAt(COL_TABLE, get(X)), ...set(Q0),
    ...tableAt(COL_TABLE, [...get(X), ...i32(1), OP.i32Add]), ...set(Q1),
    ...i32(0), ...set(C),
    ...loopWhileBelow(C, PIXEL),
    ...v128Zero(), ...set(ACC),
    ...i32(1), ...set(FIRST),
    ...tableAt(ROW_TABLE, get(Y)), ...set(R),
    ...tableAt(ROW_TABLE, [...get(Y), ...i32(1), OP.i32Add]), ...set(R1),
    ...loopWhileBelow(R, R1),
    ...get(Q0), ...set(Q),
    ...loopWhileBelow(Q, Q1),
    // v = dy[BASE + R * dyRow + Q * pixel + C]
    ...get(FIRST),
    OP.if, OP.void,
    ...dyAt(BASE, R, DY_ROW, Q, PIXEL, C), ...set(ACC),
    ...i32(0), ...set(FIRST),
    OP.else,
    ...get(ACC), ...dyAt(BASE, R, DY_ROW, Q, PIXEL, C), ...simd(V.f32x4Add), ...set(ACC),
    OP.end,
    ...loopNext(Q, 1),
    ...loopNext(R, 1),
    ...get(DX), ...get(C), OP.i32Add, ...get(ACC), ...store(),
    ...loopNext(C, 16),
    ...addTo(DX, get(PIXEL)),
    ...loopNext(X, 1),
    ...loopNext(ROW, 1),
  ];
  return functionBody([[12, TYPE.i32], [1, TYPE.v128]], code);
}

/** Loads the dy vector at base + r * rowBytes + q * pixelBytes + c (all locals). */
function dyAt(base: number, r: number, rowBytes: number, q: number, pixel: number, c: number): number[] {
  return [...get(base), ...get(r), ...get(rowBytes), OP.i32Mul, OP.i32Add, ...get(q), ...get(pixel), OP.i32Mul, OP.i32Add, ...get(c), OP.i32Add, ...load()];
}

/** The strips for {@link UPSAMPLE_GRAD_WINDOWS} as functions of the product module. */
export function upsampleGradFunctions(): WasmFunction[] {
  return [
    ...UPSAMPLE_GRAD_WINDOWS.map(([fh, fw]) => ({
      name: upsampleGradName(fh, fw),
      params: Array<number>(UPSAMPLE_GRAD_PARAMS).fill(TYPE.i32),
      body: upsampleGradBody(fh, fw),
    })),
    { name: UPSAMPLE_RANGES_NAME, params: Array<number>(UPSAMPLE_RANGES_PARAMS).fill(TYPE.i32), body: upsampleRangesBody() },
  ];
}
