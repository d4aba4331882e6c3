/**
 * ReLU and linear dense layers as one kernel each while gradients are recorded. TensorFlow.js's
 * `tf.fused.matMul` (what every `tf.layers.dense` with a ReLU or linear activation calls, and
 * the product of every other dense layer) fuses bias and ReLU only outside gradient recording;
 * while training a ReLU layer runs three kernels (`BatchMatMul`, `Add`, `Relu`), three tape
 * nodes and five saved-tensor copies, and a linear one runs its fused kernel inside a
 * `customGrad` that reshapes to 3-D and copies its inputs (seven kernels forward, five reshapes
 * back). A registered gradient for `_FusedMatMul` would not help: the fused op records its own
 * gradient function (`customGrad`), and that one computes the input gradient even for the
 * first layer, whose input needs none.
 *
 * While gradients are recorded on wasm with vaelab's product, `tf.fused.matMul` with a ReLU or
 * no activation (2-D float32, no transposes, a bias row or none) runs the kernel
 * `VaelabDenseRelu` or `VaelabDenseLinear` instead: vaelab's product with bias (and ReLU) in its
 * epilogue, one call, one tape node. The registered gradient is lazy per input like tfjs's own
 * (an unneeded input gradient is never computed):
 *
 *     dyAct = dy * step(y) for ReLU (y: the layer's output; step(y) = step(x) for y = relu(x)),
 *     dyAct = dy for linear
 *     da = dyAct b^T,   db = a^T dyAct,   dbias = sum(dyAct, 0)
 *
 * These are the same kernels, in the same order, as the unfused path's gradients (`Relu`,
 * `Add`, `BatchMatMul`, the bias's `Sum`), so training gives the same numbers bit for bit
 * (tested). Everything else (inference, other activations, other backends) goes to tfjs's own
 * `tf.fused.matMul`.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { ownMatMul, wasmGemmOf, WASM } from './wasm-heap';
import { reluGradient } from './wasm-elementwise';
import { recordingGradients, StandIn } from './stand-in';

/** Name of the ReLU dense kernel. */
export const DENSE_RELU_KERNEL = 'VaelabDenseRelu';

/** Name of the linear dense kernel (no activation). */
export const DENSE_LINEAR_KERNEL = 'VaelabDenseLinear';

/** The activations that run as one dense kernel while training, and each one's kernel. */
const DENSE_KERNELS = { relu: DENSE_RELU_KERNEL, linear: DENSE_LINEAR_KERNEL } as const;
type DenseActivation = keyof typeof DENSE_KERNELS;

/** The arguments of `tf.fused.matMul`. */
type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];
type FusedMatMul = (args: FusedMatMulArgs) => tf.Tensor;

/** The kernel: act(a b + bias) by vaelab's product, inputs `{a, b, bias?}`. */
function denseWasm(activation: DenseActivation): KernelFunc {
  const name = DENSE_KERNELS[activation];
  return ({ inputs, backend }) => {
    const out = ownMatMul(backend as KernelBackend, inputs as Record<string, TensorInfo | undefined>, {
      transposeA: false,
      transposeB: false,
      activation,
    });
    if (out === null) throw new Error(`${name}: vaelab's product does not take these inputs (expected 2-D float32 a [m,k], b [k,n], bias [n])`);
    return out;
  };
}

/** Whether linear layers run as {@link DENSE_LINEAR_KERNEL} (see {@link setFusedDenseLinear}). */
let linearTaken = true;

/**
 * Lets linear layers run as {@link DENSE_LINEAR_KERNEL} (`on`, the default) or leaves them to
 * tfjs's `tf.fused.matMul` while ReLU layers keep their kernel: for `bench-step --toggle denselinear`.
 */
export function setFusedDenseLinear(on: boolean): void {
  linearTaken = on;
}

/** The dense kernel's activation for `tf.fused.matMul(args)` now, or null when tfjs's own must run. */
function denseActivation(args: FusedMatMulArgs): DenseActivation | null {
  const { a, b, bias } = args;
  const activation = args.activation ?? 'linear';
  if (activation !== 'relu' && (activation !== 'linear' || !linearTaken)) return null;
  if (args.transposeA === true || args.transposeB === true || args.preluActivationWeights != null) return null;
  // Outside gradient recording tfjs already runs one fused kernel.
  if (!recordingGradients()) return null;
  if (!(a instanceof tf.Tensor) || !(b instanceof tf.Tensor) || a.rank !== 2 || b.rank !== 2) return null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape[1] !== b.shape[0] || a.shape[1] === 0) return null;
  if (bias != null && (!(bias instanceof tf.Tensor) || bias.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== b.shape[1])) return null;
  return tf.getBackend() === WASM && wasmGemmOf(tf.backend()) !== null ? activation : null;
}

function denseOrOriginal(args: FusedMatMulArgs): tf.Tensor {
  const activation = denseActivation(args);
  if (activation === null) {
    const original = standIn.original;
    return original(args);
  }
  const inputs: Record<string, tf.Tensor> = { a: args.a as tf.Tensor, b: args.b as tf.Tensor };
  if (args.bias != null) inputs.bias = args.bias as tf.Tensor;
  return tf.engine().runKernel(DENSE_KERNELS[activation], inputs, {}) as tf.Tensor;
}

/** vaelab's function in the place of `tf.fused.matMul` (on the namespace object tfjs-layers calls too). */
const standIn = new StandIn(() => tf.fused as unknown as { matMul: FusedMatMul }, 'matMul', denseOrOriginal);

/**
 * The dense kernels' gradient, lazy per input: `dyAct` is `dy * step(y)` for ReLU and `dy` itself
 * for linear; then `da = dyAct b^T`, `db = a^T dyAct`, `dbias = sum(dyAct, 0)`.
 */
function denseGradient(activation: DenseActivation): tf.GradConfig {
  return {
    kernelName: DENSE_KERNELS[activation],
    inputsToSave: ['a', 'b'],
    outputsToSave: [activation === 'relu'],
    gradFunc: (dy, saved) => {
      const [a, b, y] = saved;
      const g = Array.isArray(dy) ? dy[0] : dy;
      const dyAct = activation === 'relu' ? reluGradient(g, y) : g;
      return {
        a: () => tf.matMul(dyAct, b, false, true),
        b: () => tf.matMul(a, dyAct, true, false),
        bias: () => tf.sum(dyAct, 0),
      };
    },
  };
}

/**
 * Installs (`on`) or removes the dense kernels: registers the kernels for wasm and their gradients
 * (once), and puts vaelab's function in `tf.fused.matMul`'s place (or tfjs's back). Idempotent.
 */
export function setFusedDense(on: boolean): void {
  for (const activation of Object.keys(DENSE_KERNELS) as DenseActivation[]) {
    const kernelName = DENSE_KERNELS[activation];
    if (tf.getKernel(kernelName, WASM) === undefined) {
      tf.registerKernel({ kernelName, backendName: WASM, kernelFunc: denseWasm(activation) });
    }
    if (tf.getGradient(kernelName) === undefined) tf.registerGradient(denseGradient(activation));
  }
  standIn.set(on);
}

/** Whether the dense kernels currently stand in for `tf.fused.matMul` while training. */
export function fusedDenseInstalled(): boolean {
  return standIn.installed;
}
