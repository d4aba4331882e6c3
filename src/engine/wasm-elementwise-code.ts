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
import { addTo, f32, functionBody, get, i32, load, loopNext, loopWhileBelow, OP, set, simd, store, TYPE, V128 as V, v128Zero, type WasmFunction } from './wasm-assembler';

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
  const [X, OUT, BYTES, I] = [0, 1, 2, 3];
  const ZERO = 4; // v128
  const code = [
    ...v128Zero(), ...set(ZERO),
    ...i32(0), ...set(I),
    ...loopWhileBelow(I, BYTES),
    ...get(OUT), ...get(I), OP.i32Add,
    ...get(X), ...get(I), OP.i32Add, ...load(), ...get(ZERO), ...simd(V.f32x4Max),
    ...store(),
    ...loopNext(I, 16),
  ];
  return functionBody([[1, TYPE.i32], [1, TYPE.v128]], code);
}

function reluGradBody(): number[] {
  const [DY, Y, OUT, BYTES, I] = [0, 1, 2, 3, 4];
  const [ZERO, ONE, YV] = [5, 6, 7]; // v128
  const code = [
    ...v128Zero(), ...set(ZERO),
    ...f32(1), ...simd(V.f32x4Splat), ...set(ONE),
    ...i32(0), ...set(I),
    ...loopWhileBelow(I, BYTES),
    ...get(Y), ...get(I), OP.i32Add, ...load(), ...set(YV),
    ...get(OUT), ...get(I), OP.i32Add,
    ...get(DY), ...get(I), OP.i32Add, ...load(),
    // step(y): 1 where y > 0, y itself (a NaN) where y != y, else +0.
    ...get(ONE), ...get(YV), ...get(ZERO), ...simd(V.f32x4Gt), ...simd(V.and),
    ...get(YV), ...get(YV), ...get(YV), ...simd(V.f32x4Ne), ...simd(V.and),
    ...simd(V.or),
    ...simd(V.f32x4Mul),
    ...store(),
    ...loopNext(I, 16),
  ];
  return functionBody([[1, TYPE.i32], [3, TYPE.v128]], code);
}

function sigmoidGradBody(): number[] {
  const [DY, Y, OUT, BYTES, I] = [0, 1, 2, 3, 4];
  const [ONE, YV] = [5, 6]; // v128
  const code = [
    ...f32(1), ...simd(V.f32x4Splat), ...set(ONE),
    ...i32(0), ...set(I),
    ...loopWhileBelow(I, BYTES),
    ...get(Y), ...get(I), OP.i32Add, ...load(), ...set(YV),
    ...get(OUT), ...get(I), OP.i32Add,
    ...get(DY), ...get(I), OP.i32Add, ...load(),
    // dy * (y * (1 - y))
    ...get(YV), ...get(ONE), ...get(YV), ...simd(V.f32x4Sub), ...simd(V.f32x4Mul),
    ...simd(V.f32x4Mul),
    ...store(),
    ...loopNext(I, 16),
  ];
  return functionBody([[1, TYPE.i32], [2, TYPE.v128]], code);
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
    { name: RELU_GRAD_NAME, params: i32s(4), body: reluGradBody() },
    { name: BIAS_ADD_NAME, params: i32s(5), body: biasAddBody() },
    { name: SIGMOID_GRAD_NAME, params: i32s(4), body: sigmoidGradBody() },
  ];
}
