/**
 * The Adam update as a 128-bit WebAssembly SIMD loop that runs on the wasm backend's own memory
 * (four float32 weights per instruction). vaelab's own code: the module is assembled below from
 * the listing in {@link adamBody}, not a third-party binary.
 *
 * Why not plain JavaScript: a scalar JS loop needs one double square root and one double
 * division per weight, and on x86 both go through the same divider unit (about 13 cycles per
 * weight together, ~4 ns), so the tightest JS pass (`adam-kernel.ts`) costs about as much as
 * tfjs's ten composed SIMD kernels. `f32x4.sqrt` / `f32x4.div` do four weights per pass.
 *
 * Arithmetic: float32 per operation (like the composed tf ops), with the constants computed
 * in double precision by the caller and rounded once.
 */
import { compileOnMemory, functionBody, get, load, loopNext, loopWhileBelow, moduleImportingMemory, OP, set, simd, store, TYPE, V128, type WasmFunction } from './wasm-assembler';

/** (w, g, m, v, w1, m1, v1 byte offsets, byteCount multiple of 16, alpha, epsHat, b1, 1-b1, b2, 1-b2). */
export type AdamSimdFn = (
  w: number,
  g: number,
  m: number,
  v: number,
  w1: number,
  m1: number,
  v1: number,
  byteCount: number,
  alpha: number,
  epsHat: number,
  beta1: number,
  oneMinusBeta1: number,
  beta2: number,
  oneMinusBeta2: number,
) => void;

// Parameters 0..13 (see AdamSimdFn), then locals.
const [W, G, M, V, W1, M1, V1, BYTES, ALPHA, EPS, B1, C1, B2, C2] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];

/** f32.reinterpret_i32 */
const F32_REINTERPRET_I32 = 0xbe;

/**
 * The function body: splat the constants, then 16 bytes (4 weights) per iteration. With
 * `params` > 14 (the matrix product module's calling convention, `ADAM_GEMM_PARAMS` i32
 * parameters), the six constants arrive as the bits of float32 values in i32 parameters and are
 * reinterpreted; the loop itself is the same instruction for instruction.
 */
function adamBody(params = 14): number[] {
  const bits = params > 14;
  const I = params; // i32 byte index
  const [vALPHA, vEPS, vB1, vC1, vB2, vC2, vG, vM, vV] = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => params + d); // v128
  const splat = (from: number, to: number): number[] => [...get(from), ...(bits ? [F32_REINTERPRET_I32] : []), ...simd(V128.f32x4Splat), ...set(to)];
  const at = (base: number): number[] => [...get(base), ...get(I), OP.i32Add];
  const code = [
    ...splat(ALPHA, vALPHA),
    ...splat(EPS, vEPS),
    ...splat(B1, vB1),
    ...splat(C1, vC1),
    ...splat(B2, vB2),
    ...splat(C2, vC2),
    // while (i < byteCount)
    ...loopWhileBelow(I, BYTES),
    // g = load(G + i)
    ...at(G), ...load(), ...set(vG),
    // m = b1 * load(M + i) + (1 - b1) * g;  store(M1 + i, m)
    ...get(vB1), ...at(M), ...load(), ...simd(V128.f32x4Mul),
    ...get(vC1), ...get(vG), ...simd(V128.f32x4Mul), ...simd(V128.f32x4Add), ...set(vM),
    ...at(M1), ...get(vM), ...store(),
    // v = b2 * load(V + i) + (1 - b2) * g * g;  store(V1 + i, v)
    ...get(vB2), ...at(V), ...load(), ...simd(V128.f32x4Mul),
    ...get(vC2), ...get(vG), ...simd(V128.f32x4Mul), ...get(vG), ...simd(V128.f32x4Mul), ...simd(V128.f32x4Add), ...set(vV),
    ...at(V1), ...get(vV), ...store(),
    // store(W1 + i, load(W + i) - alpha * m / (sqrt(v) + epsHat))
    ...at(W1),
    ...at(W), ...load(),
    ...get(vALPHA), ...get(vM), ...simd(V128.f32x4Mul),
    ...get(vV), ...simd(V128.f32x4Sqrt), ...get(vEPS), ...simd(V128.f32x4Add),
    ...simd(V128.f32x4Div), ...simd(V128.f32x4Sub), ...store(),
    // i += 16; continue
    ...loopNext(I, 16),
  ];
  return functionBody([[1, TYPE.i32], [9, TYPE.v128]], code);
}

/** i32 parameters of the Adam loop in the matrix product module (its calls carry 18 arguments). */
export const ADAM_GEMM_PARAMS = 18;

/** Name of the Adam loop in the matrix product module. */
export const ADAM_GEMM_NAME = 'adam';

/**
 * The Adam loop for the matrix product module (`wasm-gemm.ts`), whose helper threads call every
 * function with {@link ADAM_GEMM_PARAMS} i32 arguments: (w, g, m, v, w1, m1, v1 byte addresses,
 * byteCount, then the float32 bits of alpha, epsHat, beta1, 1-beta1, beta2, 1-beta2, then four
 * unused). Same loop as {@link adamSimdModuleBytes}'s, so a split update gives the same numbers.
 */
export function adamGemmFunction(): WasmFunction {
  return { name: ADAM_GEMM_NAME, params: Array<number>(ADAM_GEMM_PARAMS).fill(TYPE.i32), body: adamBody(ADAM_GEMM_PARAMS) };
}

/** The module bytes; it imports `env.memory` (shared or not, as the backend's memory is). */
export function adamSimdModuleBytes(sharedMemory: boolean): Uint8Array {
  const params = [...Array<number>(8).fill(TYPE.i32), ...Array<number>(6).fill(TYPE.f32)];
  return moduleImportingMemory([{ name: 'adam', params, body: adamBody() }], sharedMemory);
}

/** A `WebAssembly.Memory`. */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

const cache = new WeakMap<WasmMemory, AdamSimdFn | null>();

/**
 * The SIMD Adam function bound to this memory, or null when the engine cannot run it
 * (no WebAssembly SIMD). Compiled once per memory.
 */
export function adamSimdFor(memory: WasmMemory): AdamSimdFn | null {
  const known = cache.get(memory);
  if (known !== undefined) return known;
  const fn = (compileOnMemory(adamSimdModuleBytes, memory)?.exports.adam as AdamSimdFn | undefined) ?? null;
  cache.set(memory, fn);
  return fn;
}
