/**
 * The natural logarithm of float32 as a strip function of the product module (`wasm-gemm-code.ts`),
 * so that the helper threads can share it. wasm's own `Log` calls its C library's `logf` once per
 * float through a function pointer, on one thread (about 5 ns a float here); binary cross-entropy
 * takes two logarithms of every pixel every step.
 *
 * The strip computes what that `logf` computes, step for step, so the bits are its bits. The C
 * library (musl, from Arm's optimized routines) reduces x = 2^k z with z near 1, picks one of 16
 * subintervals of z by the top mantissa bits, and evaluates in double precision
 *
 *     r = z * invc - 1,    log x = (A0 r^2 + (A1 r + A2)) r^2 + ((logc + k ln2) + r)
 *
 * rounded once to float32, where (invc, logc) are the subinterval's table row and A0..A2 the
 * polynomial. The strip reads that table where it lies in the backend's memory (`wasm-log.ts`
 * finds it and checks the strip against wasm's `Log` before using it). Special inputs follow the
 * same rules: +-0 gives -Infinity, +Infinity itself, a negative number or a NaN gives
 * (x - x) / (x - x) (a NaN), a subnormal is scaled by 2^23 first.
 */
import { f32, functionBody, get, i32, loadF32, loadI32, loopNext, loopWhileBelow, OP, set, storeF32, TYPE, uleb, type WasmFunction } from './wasm-assembler';

/** Logarithm strip: params (x, out, bytes, table); bytes a multiple of 4, table the C library's logf data. */
export const LOG_NAME = 'logf';

/** Rows of the logf table: (invc, logc) pairs of float64. */
export const LOG_TABLE_ROWS = 16;
/** Bytes of the logf data: the table, then ln 2 and the polynomial A0, A1, A2 (float64 each). */
export const LOG_TABLE_BYTES = 16 * LOG_TABLE_ROWS + 4 * 8;

const F64 = 0x7c;
const OPS = {
  f64Load: 0x2b,
  f64Const: 0x44,
  i32Eq: 0x46,
  i32ShrS: 0x75,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
  f32DemoteF64: 0xb6,
  f64ConvertI32S: 0xb7,
  f64PromoteF32: 0xbb,
  i32ReinterpretF32: 0xbc,
  f32ReinterpretI32: 0xbe,
} as const;

const f64Load = (offset: number): number[] => [OPS.f64Load, 3, ...uleb(offset)];
const f64 = (v: number): number[] => [OPS.f64Const, ...new Uint8Array(Float64Array.of(v).buffer)];

function logBody(): number[] {
  const [X, OUT, BYTES, TABLE] = [0, 1, 2, 3];
  const [I, IX, TMP, ROW] = [4, 5, 6, 7]; // i32
  const [R, R2, Y, LN2, A0, A1, A2] = [8, 9, 10, 11, 12, 13, 14]; // f64
  const XF = 15; // f32
  const addr = (base: number): number[] => [...get(base), ...get(I), OP.i32Add];
  /** Stores the f32 that `value` pushes at out + i, then goes on with the next float (`depth`: enclosing blocks inside the float's block). */
  const storeAndNext = (value: number[], depth: number): number[] => [...addr(OUT), ...value, ...storeF32(), OP.br, depth];
  const code = [
    ...get(TABLE), ...f64Load(16 * LOG_TABLE_ROWS), ...set(LN2),
    ...get(TABLE), ...f64Load(16 * LOG_TABLE_ROWS + 8), ...set(A0),
    ...get(TABLE), ...f64Load(16 * LOG_TABLE_ROWS + 16), ...set(A1),
    ...get(TABLE), ...f64Load(16 * LOG_TABLE_ROWS + 24), ...set(A2),
    ...i32(0), ...set(I),
    ...loopWhileBelow(I, BYTES),
    OP.block, OP.void, // one float; br 0 from here ends it
    ...addr(X), ...loadI32(), ...set(IX),
    // Below the smallest normal, +Infinity, negative or NaN: 0x00800000 <= ix < 0x7f800000 fails.
    ...get(IX), ...i32(0x00800000), OP.i32Sub, ...i32(0x7f000000), OP.i32GeU,
    OP.if, OP.void,
    ...get(IX), ...i32(1), OP.i32Shl, OP.i32Eqz,
    OP.if, OP.void, ...storeAndNext(f32(-Infinity), 2), OP.end,
    ...get(IX), ...i32(0x7f800000), OPS.i32Eq,
    OP.if, OP.void, ...storeAndNext(f32(Infinity), 2), OP.end,
    ...get(IX), ...i32(31), OP.i32ShrU, ...get(IX), ...i32(1), OP.i32Shl, ...i32(0xff000000 | 0), OP.i32GeU, OP.i32Or,
    OP.if, OP.void,
    ...addr(X), ...loadF32(), ...set(XF),
    ...storeAndNext([...get(XF), ...get(XF), OPS.f32Sub, ...get(XF), ...get(XF), OPS.f32Sub, OPS.f32Div], 2),
    OP.end,
    // A subnormal: scaled to a normal, its exponent taken back.
    ...addr(X), ...loadF32(), ...f32(2 ** 23), OPS.f32Mul, OPS.i32ReinterpretF32, ...i32(23 << 23), OP.i32Sub, ...set(IX),
    OP.end,
    // tmp = ix - OFF; row = table + 16 * ((tmp >> 19) % 16); k = tmp >> 23 (arithmetic).
    ...get(IX), ...i32(0x3f330000), OP.i32Sub, ...set(TMP),
    ...get(TABLE), ...get(TMP), ...i32(19), OP.i32ShrU, ...i32(15), OP.i32And, ...i32(4), OP.i32Shl, OP.i32Add, ...set(ROW),
    // r = z * invc - 1, z = asfloat(ix - (tmp & 0x1ff << 23)) in double.
    ...get(IX), ...get(TMP), ...i32(0xff800000 | 0), OP.i32And, OP.i32Sub, OPS.f32ReinterpretI32, OPS.f64PromoteF32,
    ...get(ROW), ...f64Load(0), OPS.f64Mul, ...f64(1), OPS.f64Sub, ...set(R),
    ...get(R), ...get(R), OPS.f64Mul, ...set(R2),
    // y = A1 r + A2; y = A0 r2 + y; y = y r2 + ((logc + k ln2) + r).
    ...get(A1), ...get(R), OPS.f64Mul, ...get(A2), OPS.f64Add, ...set(Y),
    ...get(A0), ...get(R2), OPS.f64Mul, ...get(Y), OPS.f64Add, ...set(Y),
    ...addr(OUT),
    ...get(Y), ...get(R2), OPS.f64Mul,
    ...get(ROW), ...f64Load(8), ...get(TMP), ...i32(23), OPS.i32ShrS, OPS.f64ConvertI32S, ...get(LN2), OPS.f64Mul, OPS.f64Add,
    ...get(R), OPS.f64Add,
    OPS.f64Add,
    OPS.f32DemoteF64,
    ...storeF32(),
    OP.end,
    ...loopNext(I, 4),
  ];
  return functionBody(
    [
      [4, TYPE.i32],
      [7, F64],
      [1, TYPE.f32],
    ],
    code,
  );
}

/** The logarithm strip as a function of the product module. */
export function logFunctions(): WasmFunction[] {
  return [{ name: LOG_NAME, params: Array<number>(4).fill(TYPE.i32), body: logBody() }];
}
