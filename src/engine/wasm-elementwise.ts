/**
 * The element-wise passes that tfjs-layers runs unfused around a `conv2dTranspose` (bias `Add`,
 * `Relu`) and ReLU's gradient, on wasm through vaelab's strips (`wasm-elementwise-code.ts`), split
 * over the helper threads. wasm's own kernels run on one thread, and its broadcasting `Add` of a
 * bias row takes about 1.7 ns per float (1.4 ms for the conv VAE's [100,28,28,32] decoder layer).
 * ReLU's gradient is `dy * step(x)` in tfjs: two kernels and two passes; here one kernel,
 * `VaelabReluGrad`, makes one pass; a sigmoid's gradient `dy * (y * (1 - y))` is three kernels in
 * tfjs, one pass here (`VaelabSigmoidGrad`). Every float is computed by the rule of wasm's kernels, so the
 * numbers are the same bit for bit (tested against them); any case the strips do not take (other
 * dtypes, sizes that are not whole vectors, other broadcasts) goes to the stock kernels.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { freeWasm, heapAddress, runWasmKernel, wasmGemmOf, WASM, type WasmHeapBackend } from './wasm-heap';
import { GradientStandIn } from './stand-in';

/** Name of the one-pass ReLU gradient kernel: inputs `{dy, y}`, output dy * step(y). */
export const RELU_GRAD_KERNEL = 'VaelabReluGrad';

/** `Relu` by vaelab's strip (float32, a whole number of vectors), else `stockFunc`. */
export function reluWasm(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const x = args.inputs.x as TensorInfo;
    const backend = args.backend as WasmHeapBackend;
    const gemm = wasmGemmOf(backend);
    const n = tf.util.sizeFromShape(x.shape);
    if (gemm === null || x.dtype !== 'float32' || n % 4 !== 0 || n === 0) return stockFunc(args);
    const out = backend.makeOutput(x.shape, 'float32');
    gemm.elementwise({ op: 'relu', x: heapAddress(backend, x), out: heapAddress(backend, out), n });
    return out;
  };
}

/**
 * `Add` of a bias row (b has a's last axis and ones elsewhere, a multiple of 4 floats) by vaelab's
 * strip, as `tf.add(x, bias)` and tfjs-layers' bias add call it; every other `Add` goes to `stockFunc`.
 */
export function addWasm(stockFunc: KernelFunc): KernelFunc {
  return (args) => {
    const a = args.inputs.a as TensorInfo;
    const b = args.inputs.b as TensorInfo;
    const backend = args.backend as WasmHeapBackend;
    const gemm = wasmGemmOf(backend);
    const channels = a.shape.length === 0 ? 0 : a.shape[a.shape.length - 1];
    const biasRow =
      b.shape.length >= 1 &&
      b.shape.length <= a.shape.length &&
      b.shape[b.shape.length - 1] === channels &&
      tf.util.sizeFromShape(b.shape) === channels;
    const n = tf.util.sizeFromShape(a.shape);
    if (gemm === null || a.dtype !== 'float32' || b.dtype !== 'float32' || !biasRow || channels % 4 !== 0 || n === 0) return stockFunc(args);
    const out = backend.makeOutput(a.shape, 'float32');
    const at = (t: TensorInfo): number => heapAddress(backend, t);
    gemm.biasAdd({ x: at(a), bias: at(b), out: at(out), rows: n / channels, channels });
    return out;
  };
}

/** The one-pass ReLU gradient: vaelab's strip, or wasm's `Step` then `Multiply` where it does not apply. */
const reluGradKernel: KernelFunc = (args) => {
  const inputs = args.inputs;
  const backend = args.backend as WasmHeapBackend;
  const dy = inputs.dy as TensorInfo;
  const y = inputs.y as TensorInfo;
  const gemm = wasmGemmOf(backend);
  const n = tf.util.sizeFromShape(dy.shape);
  if (gemm === null || dy.dtype !== 'float32' || y.dtype !== 'float32' || !tf.util.arraysEqual(dy.shape, y.shape) || n % 4 !== 0 || n === 0) {
    const step = runWasmKernel('Step', backend, { x: y }, { alpha: 0 } as unknown as NamedAttrMap);
    try {
      return runWasmKernel('Multiply', backend, { a: dy, b: step });
    } finally {
      freeWasm(backend, step);
    }
  }
  const out = backend.makeOutput(dy.shape, 'float32');
  const at = (t: TensorInfo): number => heapAddress(backend, t);
  gemm.elementwise({ op: 'reluGrad', x: at(dy), y: at(y), out: at(out), n });
  return out;
};

/** Whether ReLU gradients take the one-pass kernel (see {@link setFusedReluGrad}). */
let fused = false;

/**
 * dy * step(y), the gradient of ReLU (y its input or its output: step is the same for both): one
 * `VaelabReluGrad` kernel on wasm while {@link setFusedReluGrad} is on, else tfjs's `mul` and `step`.
 */
export function reluGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (fused && tf.getBackend() === WASM && dy.dtype === 'float32' && y.dtype === 'float32') {
    return tf.engine().runKernel(RELU_GRAD_KERNEL, { dy, y }, {}) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(y));
}

function reluGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap): Record<string, () => tf.Tensor> {
  const g = Array.isArray(dy) ? dy[0] : dy;
  const [x] = saved;
  if (g.dtype === 'float32' && x.dtype === 'float32' && tf.getBackend() === WASM) return { x: () => reluGradient(g, x) };
  return standIn.original.gradFunc(dy, saved, attrs) as Record<string, () => tf.Tensor>;
}

/** vaelab's gradient in the place of tfjs-core's `Relu` gradient. */
const standIn = new GradientStandIn('Relu', reluGrad);

/**
 * Installs (`on`) or removes the one-pass ReLU gradient: the `VaelabReluGrad` kernel for wasm and
 * its own gradient (registered once), and vaelab's gradient for `Relu` (tfjs's is put back when
 * off; the fused dense and conv layers' gradients call {@link reluGradient}). Idempotent.
 */
export function setFusedReluGrad(on: boolean): void {
  if (tf.getKernel(RELU_GRAD_KERNEL, WASM) === undefined) {
    tf.registerKernel({ kernelName: RELU_GRAD_KERNEL, backendName: WASM, kernelFunc: reluGradKernel });
  }
  if (tf.getGradient(RELU_GRAD_KERNEL) === undefined) {
    // d(dy * step(y)) / d(dy) = step(y); step has no slope: the gradient to y is zero.
    tf.registerGradient({
      kernelName: RELU_GRAD_KERNEL,
      inputsToSave: ['y'],
      gradFunc: (dz, saved) => {
        const [y] = saved;
        const g = Array.isArray(dz) ? dz[0] : dz;
        return { dy: () => reluGradient(g, y), y: () => tf.zerosLike(y) };
      },
    });
  }
  fused = on;
  standIn.set(on);
}

/** Whether the one-pass ReLU gradient is installed. */
export function fusedReluGradInstalled(): boolean {
  return fused;
}

/** Name of the one-pass sigmoid gradient kernel: inputs `{dy, y}` (y the sigmoid's output), output dy * (y * (1 - y)). */
export const SIGMOID_GRAD_KERNEL = 'VaelabSigmoidGrad';

/** Whether the strip takes dy * (y * (1 - y)) for these tensors (float32, one shape, a positive multiple of 4 floats). */
function sigmoidStripTakes(dy: TensorInfo, y: TensorInfo): boolean {
  const n = tf.util.sizeFromShape(dy.shape);
  return dy.dtype === 'float32' && y.dtype === 'float32' && tf.util.arraysEqual(dy.shape, y.shape) && n % 4 === 0 && n > 0;
}

const sigmoidGradKernel: KernelFunc = (args) => {
  const backend = args.backend as WasmHeapBackend;
  const dy = args.inputs.dy as TensorInfo;
  const y = args.inputs.y as TensorInfo;
  const gemm = wasmGemmOf(backend);
  if (gemm === null || !sigmoidStripTakes(dy, y))
    throw new Error(
      `${SIGMOID_GRAD_KERNEL}: expected float32 dy and y of one shape, a positive multiple of 4 floats, on wasm with vaelab's product module; got dy ${dy.dtype} [${dy.shape.join(',')}], y ${y.dtype} [${y.shape.join(',')}]`,
    );
  const out = backend.makeOutput(dy.shape, 'float32');
  const at = (t: TensorInfo): number => heapAddress(backend, t);
  gemm.elementwise({ op: 'sigmoidGrad', x: at(dy), y: at(y), out: at(out), n: tf.util.sizeFromShape(dy.shape) });
  return out;
};

/** Whether sigmoid gradients take the one-pass kernel (see {@link setFusedSigmoidGrad}). */
let sigmoidFused = false;

/**
 * dy * (y * (1 - y)), the gradient of a sigmoid whose output is y: one `VaelabSigmoidGrad` kernel
 * on wasm while {@link setFusedSigmoidGrad} is on and the strip takes the tensors, else tfjs's
 * `mul`, `mul` and `sub` (the same operations in the same order, so the same bits).
 */
export function sigmoidGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (sigmoidFused && tf.getBackend() === WASM && sigmoidStripTakes(dy, y) && wasmGemmOf(tf.backend()) !== null) {
    return tf.engine().runKernel(SIGMOID_GRAD_KERNEL, { dy, y }, {}) as tf.Tensor;
  }
  return tf.mul(dy, tf.mul(y, tf.sub(tf.scalar(1), y)));
}

function sigmoidGrad(dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: NamedAttrMap): Record<string, () => tf.Tensor> {
  const g = Array.isArray(dy) ? dy[0] : dy;
  const [y] = saved;
  if (tf.getBackend() === WASM) return { x: () => sigmoidGradient(g, y) };
  return sigmoidStandIn.original.gradFunc(dy, saved, attrs) as Record<string, () => tf.Tensor>;
}

/** vaelab's gradient in the place of tfjs-core's `Sigmoid` gradient. */
const sigmoidStandIn = new GradientStandIn('Sigmoid', sigmoidGrad);

/**
 * Installs (`on`) or removes the one-pass sigmoid gradient: the `VaelabSigmoidGrad` kernel for
 * wasm and its own gradient (registered once), and vaelab's gradient for `Sigmoid` (tfjs's is put
 * back when off). Idempotent.
 */
export function setFusedSigmoidGrad(on: boolean): void {
  if (tf.getKernel(SIGMOID_GRAD_KERNEL, WASM) === undefined) {
    tf.registerKernel({ kernelName: SIGMOID_GRAD_KERNEL, backendName: WASM, kernelFunc: sigmoidGradKernel });
  }
  if (tf.getGradient(SIGMOID_GRAD_KERNEL) === undefined) {
    // z = dy * u, u = y * (1 - y): dz/d(dy) = u; dz/dy = dy * ((1 - y) - y), as tfjs's mul and sub gradients give it.
    tf.registerGradient({
      kernelName: SIGMOID_GRAD_KERNEL,
      inputsToSave: ['dy', 'y'],
      gradFunc: (dz, saved) => {
        const [dy, y] = saved;
        const g = Array.isArray(dz) ? dz[0] : dz;
        return {
          dy: () => sigmoidGradient(g, y),
          y: () => {
            const du = tf.mul(g, dy);
            return tf.sub(tf.mul(du, tf.sub(tf.scalar(1), y)), tf.mul(du, y));
          },
        };
      },
    });
  }
  sigmoidFused = on;
  sigmoidStandIn.set(on);
}

/** Whether the one-pass sigmoid gradient is installed. */
export function fusedSigmoidGradInstalled(): boolean {
  return sigmoidFused;
}
