/**
 * The gradient of one row of full, non-overlapping 2x2 max-pool windows with the cpu backend's rule
 * (dy goes to the window's first maximum, compared with `>` from -inf; every other float of the
 * window is written 0). One function for two modules: vaelab's SIMD loops (`wasm-simd.ts`) and
 * the product module (`wasm-gemm-code.ts`), whose helper threads share a batch's rows.
 */
import { addLocal, countedLoop, functionBody, get, loopNext, loopWhileBelow, OP, set, simd, store, TYPE, V128 as V, load, type WasmFunction } from './wasm-assembler';

/** Export name of the row function. */
export const MAX_POOL_GRAD_2X2_NAME = 'maxPoolGrad2x2';

/** One row of full 2x2 max-pool windows (first-maximum rule), channel bytes a multiple of 16. */
function maxPoolGradBody(): number[] {
  const [X0, X1, DX0, DX1, G, WINDOWS, CB] = [0, 1, 2, 3, 4, 5, 6];
  const W = 7; // i32 window counter
  const K = 8; // i32 byte offset inside the window's channels
  const CB2 = 9; // i32 2 * channel bytes
  const A = 10; // i32 scratch address
  const [V00, V01, V10, V11, BEST, M0, M1, M2, M3, GV, NINF, LATER] = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22];
  const negInf = [0x00, 0x00, 0x80, 0xff];
  const gt = (a: number, b: number, m: number): number[] => [...get(a), ...get(b), ...simd(V.f32x4Gt), ...set(m)];
  const select = (v: number, m: number): number[] => [...get(v), ...get(BEST), ...get(m), ...simd(V.bitselect), ...set(BEST)];
  /** store(address, (g & m) & ~later) */
  const put = (addrLocal: number, plusChannel: boolean, m: number, withLater: boolean): number[] => [
    ...get(addrLocal), ...get(K), OP.i32Add,
    ...(plusChannel ? [...get(CB), OP.i32Add] : []),
    ...get(GV), ...get(m), ...simd(V.and),
    ...(withLater ? [...get(LATER), ...simd(V.andnot)] : []),
    ...store(),
  ];
  const code: number[] = [
    ...simd(V.const), ...negInf, ...negInf, ...negInf, ...negInf, ...set(NINF),
    ...get(CB), ...get(CB), OP.i32Add, ...set(CB2),
    ...loopWhileBelow(W, WINDOWS),
    ...countedLoop(K, CB),
    ...get(X0), ...get(K), OP.i32Add, ...set(A),
    ...get(A), ...load(), ...set(V00),
    ...get(A), ...get(CB), OP.i32Add, ...load(), ...set(V01),
    ...get(X1), ...get(K), OP.i32Add, ...set(A),
    ...get(A), ...load(), ...set(V10),
    ...get(A), ...get(CB), OP.i32Add, ...load(), ...set(V11),
    ...get(NINF), ...set(BEST),
    ...gt(V00, BEST, M0), ...select(V00, M0),
    ...gt(V01, BEST, M1), ...select(V01, M1),
    ...gt(V10, BEST, M2), ...select(V10, M2),
    ...gt(V11, BEST, M3),
    ...get(G), ...get(K), OP.i32Add, ...load(), ...set(GV),
    // The last window position whose value beat every earlier one is the first maximum.
    ...put(DX1, true, M3, false),
    ...get(M3), ...set(LATER),
    ...put(DX1, false, M2, true),
    ...get(LATER), ...get(M2), ...simd(V.or), ...set(LATER),
    ...put(DX0, true, M1, true),
    ...get(LATER), ...get(M1), ...simd(V.or), ...set(LATER),
    ...put(DX0, false, M0, true),
    ...loopNext(K, 16),
    ...addLocal(X0, CB2), ...addLocal(X1, CB2), ...addLocal(DX0, CB2), ...addLocal(DX1, CB2), ...addLocal(G, CB),
    ...loopNext(W, 1),
  ];
  return functionBody([[4, TYPE.i32], [12, TYPE.v128]], code);
}


/** The row function: params (x row 0, x row 1, dx row 0, dx row 1, dy row, windows, channel bytes), byte addresses. */
export function maxPoolGrad2x2Function(): WasmFunction {
  return { name: MAX_POOL_GRAD_2X2_NAME, params: Array<number>(7).fill(TYPE.i32), body: maxPoolGradBody() };
}
