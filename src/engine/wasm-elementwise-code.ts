/**
 * Element-wise loops of the training step as strip functions of the product module
 * (`wasm-gemm-code.ts`), so that the helper threads can share them: ReLU, ReLU's gradient in one
 * pass, and a bias row added to every pixel. Each runs 16 bytes (four floats) at a time; the
 * caller gives whole vectors. Every float is computed by the rule of wasm's own kernels, so the
 * bits are theirs:
 *
 * - `relu`: max(x, 0) (`f32x4.max`: NaN stays NaN, -0 becomes +0), as wasm's `Relu`.
 * - `relugrad`: dy * step(y), step(y) = 1 for y > 0, NaN for a NaN y, else 0, as wasm's `Step`
 *   then `Multiply`.
 * - `biasadd`: x + bias, the bias row repeated every `rowBytes` bytes, as wasm's broadcasting `Add`.
 * - `sigmoidgrad`: dy * (y * (1 - y)), the gradient of a sigmoid from its output y, as tfjs-core's
 *   gradient computes it with wasm's `Sub` and two `Multiply`s.
 */
import { addTo, functionBody, get, i32, load, loopNext, loopWhileBelow, OP, set, simd, splatF32 as splat, store, TYPE, V128 as V, v128Zero, vectorAt as at, vectorStrip as strip, vectorTo as to, type WasmFunction } from './wasm-assembler';

/** ReLU strip: params (x, out, bytes); bytes a multiple of 16. */
export const RELU_NAME = 'relu';
/** ReLU gradient strip: params (dy, y, out, bytes); bytes a multiple of 16. */
export const RELU_GRAD_NAME = 'relugrad';
/** Bias strip: params (x, bias, out, rows, rowBytes); rowBytes a multiple of 16. */
export const BIAS_ADD_NAME = 'biasadd';
/** Sigmoid gradient strip: params (dy, y, out, bytes); bytes a multiple of 16. */
export const SIGMOID_GRAD_NAME = 'sigmoidgrad';

const i32s = (n: number): number[] => Array<number>(n).fill(TYPE.i32);

function reluBody(): number[] {
  const [X, OUT, BYTES] = [0, 1, 2];
  const ZERO = 4; // v128
  return strip(3, 1,
    () => [...v128Zero(), ...set(ZERO)],
    (I) => [...to(OUT, I), ...at(X, I), ...get(ZERO), ...simd(V.f32x4Max), ...store()],
    BYTES);
}

/** Parameters of an {@link outputGradBody} strip (dy, y, out, bytes), and its first v128 local: after them and the loop counter. */
const GRAD_PARAMS = 4;
const GRAD_V128 = GRAD_PARAMS + 1;

/**
 * A gradient strip from an activation's output: params (dy, y, out, bytes), `setup` once, then per
 * vector y into the local YV, dy on the stack, and `factor(YV)` to multiply dy by. The v128 locals
 * are GRAD_V128 onwards; YV is the last of the `v128Locals`, the ones before it are the caller's.
 */
function outputGradBody(v128Locals: number, setup: number[], factor: (YV: number) => number[]): number[] {
  const [DY, Y, OUT, BYTES] = [0, 1, 2, 3];
  const YV = GRAD_V128 + v128Locals - 1;
  return strip(GRAD_PARAMS, v128Locals,
    () => setup,
    (I) => [...at(Y, I), ...set(YV), ...to(OUT, I), ...at(DY, I), ...factor(YV), ...simd(V.f32x4Mul), ...store()],
    BYTES);
}

function reluGradBody(): number[] {
  const [ZERO, ONE] = [GRAD_V128, GRAD_V128 + 1];
  // step(y): 1 where y > 0, y itself (a NaN) where y != y, else +0.
  return outputGradBody(3, [...v128Zero(), ...set(ZERO), ...splat(1), ...set(ONE)], (YV) => [
    ...get(ONE), ...get(YV), ...get(ZERO), ...simd(V.f32x4Gt), ...simd(V.and),
    ...get(YV), ...get(YV), ...get(YV), ...simd(V.f32x4Ne), ...simd(V.and),
    ...simd(V.or),
  ]);
}

function sigmoidGradBody(): number[] {
  const ONE = GRAD_V128;
  // dy * (y * (1 - y))
  return outputGradBody(2, [...splat(1), ...set(ONE)], (YV) => [...get(YV), ...get(ONE), ...get(YV), ...simd(V.f32x4Sub), ...simd(V.f32x4Mul)]);
}

function biasAddBody(): number[] {
  const [X, BIAS, OUT, ROWS, ROW_BYTES, ROW, J] = [0, 1, 2, 3, 4, 5, 6];
  const code = [
    ...i32(0), ...set(ROW),
    ...loopWhileBelow(ROW, ROWS),
    ...i32(0), ...set(J),
    ...loopWhileBelow(J, ROW_BYTES),
    ...get(OUT), ...get(J), OP.i32Add,
    ...get(X), ...get(J), OP.i32Add, ...load(),
    ...get(BIAS), ...get(J), OP.i32Add, ...load(),
    ...simd(V.f32x4Add),
    ...store(),
    ...loopNext(J, 16),
    ...addTo(X, get(ROW_BYTES)), ...addTo(OUT, get(ROW_BYTES)),
    ...loopNext(ROW, 1),
  ];
  return functionBody([[2, TYPE.i32]], code);
}

/** The element-wise strips as functions of the product module. */
export function elementwiseFunctions(): WasmFunction[] {
  return [
    { name: RELU_NAME, params: i32s(3), body: reluBody() },
    { name: RELU_GRAD_NAME, params: i32s(GRAD_PARAMS), body: reluGradBody() },
    { name: BIAS_ADD_NAME, params: i32s(5), body: biasAddBody() },
    { name: SIGMOID_GRAD_NAME, params: i32s(GRAD_PARAMS), body: sigmoidGradBody() },
  ];
}
