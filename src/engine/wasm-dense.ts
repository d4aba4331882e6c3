/**
 * A ReLU dense layer as one kernel while gradients are recorded. TensorFlow.js's
 * `tf.fused.matMul` (what every `tf.layers.dense` with a ReLU or linear activation calls) fuses
 * bias and ReLU only outside gradient recording; while training it runs three kernels
 * (`BatchMatMul`, `Add`, `Relu`), three tape nodes and five saved-tensor copies, and the backward
 * pass adds the `Add` gradient's reshapes. A registered gradient for `_FusedMatMul` would not
 * help: the fused op records its own gradient function (`customGrad`), and that one computes
 * the input gradient even for the first layer, whose input needs none.
 *
 * While gradients are recorded on wasm with vaelab's product, `tf.fused.matMul` with a ReLU
 * (2-D float32, no transposes, a bias row or none) runs the kernel `VaelabDenseRelu` instead:
 * vaelab's product with bias and ReLU in its epilogue, one call, one tape node. Its registered
 * gradient is lazy per input like tfjs's own (an unneeded input gradient is never computed):
 *
 *     dyAct = dy * step(y)        (y: the layer's output; step(y) = step(x) for y = relu(x))
 *     da = dyAct b^T,   db = a^T dyAct,   dbias = sum(dyAct, 0)
 *
 * These are the same kernels, in the same order, as the unfused path's gradients (`Relu`,
 * `Add`, `BatchMatMul`), so training gives the same numbers bit for bit (tested). Everything
 * else (inference, other activations, other backends) goes to tfjs's own `tf.fused.matMul`.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { ownMatMul, wasmGemmOf, WASM } from './wasm-heap';
import { reluGradient } from './wasm-elementwise';
import { recordingGradients, StandIn } from './stand-in';

/** Name of the ReLU dense kernel. */
export const DENSE_RELU_KERNEL = 'VaelabDenseRelu';

/** The arguments of `tf.fused.matMul`. */
type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];
type FusedMatMul = (args: FusedMatMulArgs) => tf.Tensor;

/** The kernel: relu(a b + bias) by vaelab's product, inputs `{a, b, bias?}`. */
const denseReluWasm: KernelFunc = ({ inputs, backend }) => {
  const out = ownMatMul(backend as KernelBackend, inputs as Record<string, TensorInfo | undefined>, {
    transposeA: false,
    transposeB: false,
    activation: 'relu',
  });
  if (out === null)
    throw new Error(`${DENSE_RELU_KERNEL}: vaelab's product does not take these inputs (expected 2-D float32 a [m,k], b [k,n], bias [n])`);
  return out;
};

/** Whether `tf.fused.matMul(args)` may run as {@link DENSE_RELU_KERNEL} now. */
function takesDenseRelu(args: FusedMatMulArgs): boolean {
  const { a, b, bias } = args;
  if (args.activation !== 'relu' || args.transposeA === true || args.transposeB === true || args.preluActivationWeights != null) return false;
  // Outside gradient recording tfjs already runs one fused kernel.
  if (!recordingGradients()) return false;
  if (!(a instanceof tf.Tensor) || !(b instanceof tf.Tensor) || a.rank !== 2 || b.rank !== 2) return false;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape[1] !== b.shape[0] || a.shape[1] === 0) return false;
  if (bias != null && (!(bias instanceof tf.Tensor) || bias.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== b.shape[1])) return false;
  return tf.getBackend() === WASM && wasmGemmOf(tf.backend()) !== null;
}

function denseOrOriginal(args: FusedMatMulArgs): tf.Tensor {
  if (!takesDenseRelu(args)) {
    const original = standIn.original;
    return original(args);
  }
  const inputs: Record<string, tf.Tensor> = { a: args.a as tf.Tensor, b: args.b as tf.Tensor };
  if (args.bias != null) inputs.bias = args.bias as tf.Tensor;
  return tf.engine().runKernel(DENSE_RELU_KERNEL, inputs, {}) as tf.Tensor;
}

/** vaelab's function in the place of `tf.fused.matMul` (on the namespace object tfjs-layers calls too). */
const standIn = new StandIn(() => tf.fused as unknown as { matMul: FusedMatMul }, 'matMul', denseOrOriginal);

/**
 * Installs (`on`) or removes the ReLU dense kernel: registers the kernel for wasm and its gradient
 * (once), and puts vaelab's function in `tf.fused.matMul`'s place (or tfjs's back). Idempotent.
 */
export function setFusedDense(on: boolean): void {
  if (tf.getKernel(DENSE_RELU_KERNEL, WASM) === undefined) {
    tf.registerKernel({ kernelName: DENSE_RELU_KERNEL, backendName: WASM, kernelFunc: denseReluWasm });
  }
  if (tf.getGradient(DENSE_RELU_KERNEL) === undefined) {
    tf.registerGradient({
      kernelName: DENSE_RELU_KERNEL,
      inputsToSave: ['a', 'b'],
      outputsToSave: [true],
      gradFunc: (dy, saved) => {
        const [a, b, y] = saved;
        const g = Array.isArray(dy) ? dy[0] : dy;
        const dyAct = reluGradient(g, y);
        return {
          a: () => tf.matMul(dyAct, b, false, true),
          b: () => tf.matMul(a, dyAct, true, false),
          bias: () => tf.sum(dyAct, 0),
        };
      },
    });
  }
  standIn.set(on);
}

/** Whether the ReLU dense kernel currently stands in for `tf.fused.matMul` while training. */
export function fusedDenseInstalled(): boolean {
  return standIn.installed;
}
