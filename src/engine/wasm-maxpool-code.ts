/**
 * Max pooling in vaelab's wasm loops.
 *
 * The gradient of one row of full, non-overlapping 2x2 max-pool windows with the cpu backend's rule
 * (dy goes to the window's first maximum, compared with `>` from -inf; every other float of the
 * window is written 0). One function for two modules: vaelab's SIMD loops (`wasm-simd.ts`) and
 * the product module (`wasm-gemm-code.ts`), whose helper threads share a batch's rows.
 *
 * The forward pool, as wasm's `MaxPool` (XNNPACK's 9-input max pooling on x86 hosts) computes it,
 * four channels at a time. With `pmax(a, b) = a < b ? b : a` (wasm's f32x4.pmax), the window read
 * column by column (input j = q * fh + r for window row r and column q; inputs past fh * fw repeat
 * input 0):
 *
 *     s01 = pmax(i1, i0), s23 = pmax(i3, i2), s45 = pmax(i5, i4), s67 = pmax(i7, i6)
 *     max = pmax(pmax(s45, s23), pmax(s67, pmax(i8, s01)))
 *
 * then the clamp pmax(-inf, max), which turns a NaN into -inf. Only NaNs and signed zeros can tell the
 * order apart; it was found by comparing every argument order of the eight pmax with wasm's kernel over windows
 * of NaN, -0, +0, -inf and finite values, and the kernel (`wasm-pool-kernels.ts`) asks wasm's
 * `MaxPool` once per backend whether this rule is its rule before using the strip.
 */
import { addLocal, countedLoop, functionBody, get, loopNext, loopWhileBelow, OP, set, simd, store, TYPE, V128 as V, load, type WasmFunction } from './wasm-assembler';
import { windowStripBody, WINDOW_STRIP_PARAMS } from './wasm-window-code';

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

/** Window shapes (fh, fw) the forward strip is built for: the 2x2 pools of the conv autoencoders. */
export const MAX_POOL_WINDOWS: ReadonlyArray<readonly [number, number]> = [[2, 2]];

/** Export name of the forward strip for an fh x fw window. */
export const maxPoolName = (fh: number, fw: number): string => `maxpool${fh}x${fw}`;

/**
 * Forward strip params (x, out, rows, windows, pixelBytes, xRowBytes): a window strip
 * (`wasm-window-code.ts`) over `rows` output rows (images times output rows) of `windows` pixels.
 */
export const MAX_POOL_PARAMS = WINDOW_STRIP_PARAMS;

function maxPoolBody(fh: number, fw: number): number[] {
  const k = fh * fw;
  const pmax = (a: number[], b: number[]): number[] => [...a, ...b, ...simd(V.f32x4Pmax)];
  return windowStripBody({
    fh,
    fw,
    extraParams: 0,
    v128Locals: 0,
    value: (l) => {
      const v = (j: number): number[] => l.input(j < k ? j : 0);
      const tree = pmax(pmax(pmax(v(5), v(4)), pmax(v(3), v(2))), pmax(pmax(v(7), v(6)), pmax(v(8), pmax(v(1), v(0)))));
      return pmax(get(l.negInf), tree);
    },
  });
}

/** The forward strips for {@link MAX_POOL_WINDOWS} as functions of the product module. */
export function maxPoolFunctions(): WasmFunction[] {
  return MAX_POOL_WINDOWS.map(([fh, fw]) => ({
    name: maxPoolName(fh, fw),
    params: Array<number>(MAX_POOL_PARAMS).fill(TYPE.i32),
    body: maxPoolBody(fh, fw),
  }));
}
