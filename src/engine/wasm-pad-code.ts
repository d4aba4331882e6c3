/**
 * The padding loop of vaelab's convolutions, as a strip function of the product module
 * (`wasm-gemm-code.ts`), so that the helper threads can share it by images: each image's rows are
 * copied into a buffer with zero rows above and below and zero columns left and right, every byte
 * written once, 16 bytes at a time (SIMD) and then 4.
 */
import { addTo, functionBody, get, i32, load, loadI32, loopNext, loopWhileBelow, OP, set, store, storeI32, TYPE, v128Zero, type WasmFunction } from './wasm-assembler';

/**
 * Padding strip: params (src, dst, images, rows, rowBytes, left, right, top, bottom), byte addresses
 * and byte counts (all multiples of 4). For each of `images` images: `top` zero bytes, then per row
 * `left` zero bytes, the row's `rowBytes` bytes from src, `right` zero bytes; then `bottom` zero bytes.
 * src and dst move on as they are read and written, so consecutive images follow each other.
 */
export const PAD_PARAMS = 9;

/** Export name of the padding strip (see {@link PAD_PARAMS}). */
export const PAD_NAME = 'padimages';

const [SRC, DST, IMAGES, ROWS, ROW_BYTES, LEFT, RIGHT, TOP, BOTTOM] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const [IMAGE, ROW, I, LIMIT] = [9, 10, 11, 12];
const ZERO = 13; // v128

/** Bytes [0, count) at dst (and, with `fromSrc`, from src) in 16-byte then 4-byte steps; then both move on by count. */
function run(count: number, fromSrc: boolean): number[] {
  const at = (base: number): number[] => [...get(base), ...get(I), OP.i32Add];
  return [
    ...get(count), ...i32(-16), OP.i32And, ...set(LIMIT),
    ...i32(0), ...set(I),
    ...loopWhileBelow(I, LIMIT),
    ...at(DST), ...(fromSrc ? [...at(SRC), ...load()] : get(ZERO)), ...store(),
    ...loopNext(I, 16),
    ...loopWhileBelow(I, count),
    ...at(DST), ...(fromSrc ? [...at(SRC), ...loadI32()] : i32(0)), ...storeI32(),
    ...loopNext(I, 4),
    ...addTo(DST, get(count)),
    ...(fromSrc ? addTo(SRC, get(count)) : []),
  ];
}

/** The padding strip's body (see {@link PAD_PARAMS}). */
function padBody(): number[] {
  const code = [
    ...v128Zero(), ...set(ZERO),
    ...i32(0), ...set(IMAGE),
    ...loopWhileBelow(IMAGE, IMAGES),
    ...run(TOP, false),
    ...i32(0), ...set(ROW),
    ...loopWhileBelow(ROW, ROWS),
    ...run(LEFT, false), ...run(ROW_BYTES, true), ...run(RIGHT, false),
    ...loopNext(ROW, 1),
    ...run(BOTTOM, false),
    ...loopNext(IMAGE, 1),
  ];
  return functionBody([[4, TYPE.i32], [1, TYPE.v128]], code);
}

/** The padding strip as a function of the product module. */
export function padFunction(): WasmFunction {
  return { name: PAD_NAME, params: Array<number>(PAD_PARAMS).fill(TYPE.i32), body: padBody() };
}
