/**
 * The element-wise arithmetic of binary cross-entropy (the Bernoulli log-likelihood of a target t
 * under a predicted probability p) as strip functions of the product module (`wasm-gemm-code.ts`),
 * so that the helper threads share them. The logarithms themselves stay wasm's own `Log`
 * (`wasm-bernoulli.ts` calls it); these strips do what tfjs's composed ops do around it, in the
 * same order, one IEEE float32 operation for each of theirs, so the bits are theirs:
 *
 *     LL = t * la + (1 - t) * le                      la = log p~, le = log(1 - p~)
 *
 * - `oneminus`: 1 - x (`tf.sub(1, x)`).
 * - `bernoullill`: LL from t, la, le.
 * - `bernoullillclamp`: LL with each logarithm first raised to -100 as PyTorch's `binary_cross_entropy`
 *   does (`tf.maximum(log, -100)`; wasm's `Maximum` keeps a NaN log, as `f32x4.pmax(log, -100)` does).
 * - `bernoulligradclip`: d LL / d p for p~ = clip(p, lo, hi), given dy = d loss / d LL:
 *   `-((dy * (1 - t)) / (1 - p)) + (dy * t) / p` where lo <= p <= hi, +0 elsewhere (tfjs's
 *   `clipByValue` gradient selects zeros there).
 * - `bernoulligradclamp`: d LL / d p for the clamped logarithms (la, le the logarithms before the
 *   clamp): `-((dy * (1 - t)) * [le >= -100]) / (1 - p) + ((dy * t) * [la >= -100]) / p`.
 *
 * Each runs 16 bytes (four floats) at a time over `bytes` bytes; the caller gives whole vectors.
 */
import { get, set, simd, splatF32 as splat, store, TYPE, V128 as V, vectorAt as at, vectorStrip as strip, vectorTo as to, type WasmFunction } from './wasm-assembler';

/** 1 - x strip: params (x, out, bytes). */
export const ONE_MINUS_NAME = 'oneminus';
/** Log-likelihood strip: params (t, la, le, out, bytes). */
export const BERNOULLI_LL_NAME = 'bernoullill';
/** Log-likelihood strip with the logarithms clamped at -100: params (t, la, le, out, bytes). */
export const BERNOULLI_LL_CLAMP_NAME = 'bernoullillclamp';
/** Gradient strip for clipped probabilities: params (dy, t, p, out, bytes, loBits, hiBits) (lo, hi as float32 bits). */
export const BERNOULLI_GRAD_CLIP_NAME = 'bernoulligradclip';
/** Gradient strip for clamped logarithms: params (dy, t, p, la, le, out, bytes). */
export const BERNOULLI_GRAD_CLAMP_NAME = 'bernoulligradclamp';

/** The floor PyTorch's binary cross-entropy puts under each logarithm. */
export const LOG_FLOOR = -100;

const i32s = (n: number): number[] => Array<number>(n).fill(TYPE.i32);
const F32X4_NEG = 0xe1;
const F32X4_LE = 0x45;
const F32_REINTERPRET_I32 = 0xbe;

function oneMinusBody(): number[] {
  const [X, OUT, BYTES] = [0, 1, 2];
  const ONE = 4;
  return strip(3, 1,
    () => [...splat(1), ...set(ONE)],
    (I) => [...to(OUT, I), ...get(ONE), ...at(X, I), ...simd(V.f32x4Sub), ...store()],
    BYTES);
}

function likelihoodBody(clamp: boolean): number[] {
  const [T, LA, LE, OUT, BYTES] = [0, 1, 2, 3, 4];
  const [ONE, FLOOR, TV] = [6, 7, 8];
  const log = (base: number, I: number): number[] => (clamp ? [...at(base, I), ...get(FLOOR), ...simd(V.f32x4Pmax)] : at(base, I));
  return strip(5, 3,
    () => [...splat(1), ...set(ONE), ...splat(LOG_FLOOR), ...set(FLOOR)],
    (I) => [
      ...to(OUT, I),
      ...at(T, I), ...set(TV),
      ...get(TV), ...log(LA, I), ...simd(V.f32x4Mul),
      ...get(ONE), ...get(TV), ...simd(V.f32x4Sub), ...log(LE, I), ...simd(V.f32x4Mul),
      ...simd(V.f32x4Add),
      ...store(),
    ],
    BYTES);
}

function gradClipBody(): number[] {
  const [DY, T, P, OUT, BYTES, LO, HI] = [0, 1, 2, 3, 4, 5, 6];
  const [ONE, LOV, HIV, G, TV, PV] = [8, 9, 10, 11, 12, 13];
  const bitsSplat = (param: number): number[] => [...get(param), F32_REINTERPRET_I32, ...simd(V.f32x4Splat)];
  return strip(7, 6,
    () => [...splat(1), ...set(ONE), ...bitsSplat(LO), ...set(LOV), ...bitsSplat(HI), ...set(HIV)],
    (I) => [
      ...to(OUT, I),
      ...at(DY, I), ...set(G), ...at(T, I), ...set(TV), ...at(P, I), ...set(PV),
      // -((dy * (1 - t)) / (1 - p))
      ...get(G), ...get(ONE), ...get(TV), ...simd(V.f32x4Sub), ...simd(V.f32x4Mul),
      ...get(ONE), ...get(PV), ...simd(V.f32x4Sub), ...simd(V.f32x4Div), ...simd(F32X4_NEG),
      // + (dy * t) / p
      ...get(G), ...get(TV), ...simd(V.f32x4Mul), ...get(PV), ...simd(V.f32x4Div),
      ...simd(V.f32x4Add),
      // where lo <= p <= hi, else +0
      ...get(PV), ...get(LOV), ...simd(V.f32x4Ge), ...get(PV), ...get(HIV), ...simd(F32X4_LE), ...simd(V.and),
      ...simd(V.and),
      ...store(),
    ],
    BYTES);
}

function gradClampBody(): number[] {
  const [DY, T, P, LA, LE, OUT, BYTES] = [0, 1, 2, 3, 4, 5, 6];
  const [ONE, FLOOR, G, TV, PV] = [8, 9, 10, 11, 12];
  // [log >= -100] as 1 or +0 (tfjs casts the comparison to float32).
  const indicator = (base: number, I: number): number[] => [...at(base, I), ...get(FLOOR), ...simd(V.f32x4Ge), ...get(ONE), ...simd(V.and)];
  return strip(7, 5,
    () => [...splat(1), ...set(ONE), ...splat(LOG_FLOOR), ...set(FLOOR)],
    (I) => [
      ...to(OUT, I),
      ...at(DY, I), ...set(G), ...at(T, I), ...set(TV), ...at(P, I), ...set(PV),
      // -(((dy * (1 - t)) * [le >= -100]) / (1 - p))
      ...get(G), ...get(ONE), ...get(TV), ...simd(V.f32x4Sub), ...simd(V.f32x4Mul),
      ...indicator(LE, I), ...simd(V.f32x4Mul),
      ...get(ONE), ...get(PV), ...simd(V.f32x4Sub), ...simd(V.f32x4Div), ...simd(F32X4_NEG),
      // + ((dy * t) * [la >= -100]) / p
      ...get(G), ...get(TV), ...simd(V.f32x4Mul), ...indicator(LA, I), ...simd(V.f32x4Mul), ...get(PV), ...simd(V.f32x4Div),
      ...simd(V.f32x4Add),
      ...store(),
    ],
    BYTES);
}

/** The cross-entropy strips as functions of the product module. */
export function bernoulliFunctions(): WasmFunction[] {
  return [
    { name: ONE_MINUS_NAME, params: i32s(3), body: oneMinusBody() },
    { name: BERNOULLI_LL_NAME, params: i32s(5), body: likelihoodBody(false) },
    { name: BERNOULLI_LL_CLAMP_NAME, params: i32s(5), body: likelihoodBody(true) },
    { name: BERNOULLI_GRAD_CLIP_NAME, params: i32s(7), body: gradClipBody() },
    { name: BERNOULLI_GRAD_CLAMP_NAME, params: i32s(7), body: gradClampBody() },
  ];
}
