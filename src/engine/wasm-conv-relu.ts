/**
 * A ReLU conv2d layer as one kernel while gradients are recorded (the convolutional twin of
 * `wasm-dense.ts`). tfjs-layers' `Conv2D` calls `tf.fused.conv2d`, which fuses bias and ReLU only
 * outside gradient recording; while training it runs `Conv2D`, `Add` and `Relu`: three kernels,
 * three tape nodes, and two more passes over the layer's output.
 *
 * While gradients are recorded on wasm with vaelab's loops, `tf.fused.conv2d` with a ReLU (NHWC,
 * float32, dilation 1, a bias row or none, more than one output channel) runs the kernel
 * `VaelabConv2DRelu` instead: vaelab's convolution with bias and ReLU in its epilogue. Its
 * registered gradient is lazy per input like tfjs's own:
 *
 *     dyAct = dy * step(y)        (y: the layer's output; step(y) = step(x) for y = relu(x))
 *     dx = conv2DBackpropInput(dyAct),  dfilter = conv2DBackpropFilter(x, dyAct),  dbias = sum(dyAct, [0, 1, 2])
 *
 * the same kernels, in the same order, as the unfused path's gradients (`Relu`, `Add`, `Conv2D`),
 * so training gives the same numbers bit for bit (tested). Everything else goes to tfjs's own
 * `tf.fused.conv2d`.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { conv2dByGemm, conv2dFast, type Conv2DAttrs } from './wasm-conv-gemm';
import { freeWasm, runWasmKernel, wasmGemmOf, WASM } from './wasm-heap';
import { reluGradient } from './wasm-elementwise';
import { recordingGradients, StandIn } from './stand-in';

/** Name of the ReLU conv2d kernel. */
export const CONV_RELU_KERNEL = 'VaelabConv2DRelu';

/** The arguments of `tf.fused.conv2d`. */
type FusedConv2DArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedConv2D = (args: FusedConv2DArgs) => tf.Tensor;

/** The kernel's attributes: the geometry of `tf.conv2d`. */
interface ConvReluAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The kernel: relu(conv2d(x, filter) + bias) by vaelab's loops, inputs `{x, filter, bias?}`. */
const convReluWasm: KernelFunc = ({ inputs, backend, attrs }) => {
  const a = attrs as unknown as ConvReluAttrs;
  const geometry: Conv2DAttrs = { strides: a.strides, pad: a.pad, dimRoundingMode: a.dimRoundingMode, dataFormat: 'NHWC', dilations: [1, 1] };
  const bias = inputs.bias as TensorInfo | undefined;
  const b = backend as KernelBackend;
  const out = conv2dByGemm(b, inputs.x as TensorInfo, inputs.filter as TensorInfo, geometry, { bias, relu: true });
  if (out !== null) return out;
  // The unfused path's kernels, at backend level (same numbers).
  const conv = conv2dFast(b, inputs.x as TensorInfo, inputs.filter as TensorInfo, geometry);
  const sum = bias === undefined ? conv : runWasmKernel('Add', b, { a: conv, b: bias });
  if (sum !== conv) freeWasm(b, conv);
  const y = runWasmKernel('Relu', b, { x: sum });
  freeWasm(b, sum);
  return y;
};

const isOne = (d: FusedConv2DArgs['dilations']): boolean => d === undefined || (Array.isArray(d) ? d.every((v) => v === 1) : d === 1);

/** Whether `tf.fused.conv2d(args)` may run as {@link CONV_RELU_KERNEL} now. */
function takesConvRelu(args: FusedConv2DArgs): boolean {
  const { x, filter, bias } = args;
  if (args.activation !== 'relu' || args.preluActivationWeights != null || (args.dataFormat ?? 'NHWC') !== 'NHWC' || !isOne(args.dilations))
    return false;
  if (typeof args.pad !== 'number' && args.pad !== 'same' && args.pad !== 'valid') return false;
  // Outside gradient recording tfjs already runs one fused kernel.
  if (!recordingGradients()) return false;
  if (!(x instanceof tf.Tensor) || !(filter instanceof tf.Tensor) || x.rank !== 4 || filter.rank !== 4) return false;
  if (x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape[3] !== filter.shape[2] || filter.shape[3] < 2) return false;
  if (bias != null && (!(bias instanceof tf.Tensor) || bias.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== filter.shape[3]))
    return false;
  return tf.getBackend() === WASM && wasmGemmOf(tf.backend()) !== null;
}

function convReluOrOriginal(args: FusedConv2DArgs): tf.Tensor {
  if (!takesConvRelu(args)) {
    const original = standIn.original;
    return original(args);
  }
  const inputs: Record<string, tf.Tensor> = { x: args.x as tf.Tensor, filter: args.filter as tf.Tensor };
  if (args.bias != null) inputs.bias = args.bias as tf.Tensor;
  const attrs: ConvReluAttrs = { strides: args.strides, pad: args.pad as ConvReluAttrs['pad'] };
  if (args.dimRoundingMode !== undefined) attrs.dimRoundingMode = args.dimRoundingMode;
  return tf.engine().runKernel(CONV_RELU_KERNEL, inputs, attrs as unknown as NamedAttrMap) as tf.Tensor;
}

/** vaelab's function in the place of `tf.fused.conv2d` (on the namespace object tfjs-layers calls too). */
const standIn = new StandIn(() => tf.fused as unknown as { conv2d: FusedConv2D }, 'conv2d', convReluOrOriginal);

/**
 * Installs (`on`) or removes the ReLU conv2d kernel: registers the kernel for wasm and its gradient
 * (once), and puts vaelab's function in `tf.fused.conv2d`'s place (or tfjs's back). Idempotent.
 */
export function setFusedConv(on: boolean): void {
  if (tf.getKernel(CONV_RELU_KERNEL, WASM) === undefined) {
    tf.registerKernel({ kernelName: CONV_RELU_KERNEL, backendName: WASM, kernelFunc: convReluWasm });
  }
  if (tf.getGradient(CONV_RELU_KERNEL) === undefined) {
    tf.registerGradient({
      kernelName: CONV_RELU_KERNEL,
      inputsToSave: ['x', 'filter'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const { strides, pad } = attrs as unknown as ConvReluAttrs;
        const g = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor4D;
        const dyAct = reluGradient(g, y) as tf.Tensor4D;
        return {
          // tfjs's Conv2D gradient: conv2DBackpropInput and conv2DBackpropFilter with the layer's geometry.
          x: () =>
            tf
              .engine()
              .runKernel('Conv2DBackpropInput', { dy: dyAct, filter }, { strides, pad, dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor,
          filter: () =>
            tf
              .engine()
              .runKernel('Conv2DBackpropFilter', { x, dy: dyAct }, { strides, pad, dataFormat: 'NHWC', filterShape: filter.shape }) as tf.Tensor,
          // tfjs's Add gradient for the bias: the sum over the broadcast axes.
          bias: () => tf.sum(dyAct, [0, 1, 2]),
        };
      },
    });
  }
  standIn.set(on);
}

/** Whether the ReLU conv2d kernel currently stands in for `tf.fused.conv2d` while training. */
export function fusedConvInstalled(): boolean {
  return standIn.installed;
}
