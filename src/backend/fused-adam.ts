/**
 * Adam with its per-variable update fused into one pass on the `wasm` backend.
 *
 * tfjs's Adam runs about a dozen elementwise kernels per variable and step (each a full pass
 * over the weights, plus scalar tensors for every constant). On wasm, vaelab registers the
 * kernel `VaelabAdamUpdate`, which reads weights, gradient and both moments once and writes
 * the new weights and moments in one loop, as new tensors (variables are updated with
 * `Variable.assign`, never in place, so snapshots that share buffers stay valid).
 * On any other backend, or when the kernel is missing, the stock tfjs update runs.
 * The arithmetic is the stock one, in the same order, in double precision rounded to float32 on
 * store; it differs from the stock float32 path by about one rounding (tested to 1e-6).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/** Name of the fused Adam update kernel vaelab registers for wasm. */
export const ADAM_UPDATE_KERNEL = 'VaelabAdamUpdate';

/** The parts of the wasm backend used to write a kernel's output in place. */
interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** Attributes of {@link ADAM_UPDATE_KERNEL}. */
interface AdamUpdateAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^t and 1 - beta2^t (bias corrections of step t). */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
}

const f32 = Math.fround;

/** One pass of Adam over value, gradient and moments; returns [newValue, newM, newV]. */
const adamUpdate: KernelFunc = (args) => {
  const backend = args.backend as WasmHeapBackend;
  const { value, gradient, m, v } = args.inputs as Record<'value' | 'gradient' | 'm' | 'v', TensorInfo>;
  const a = args.attrs as unknown as AdamUpdateAttrs;
  const shape = value.shape;
  const outValue = backend.makeOutput(shape, 'float32');
  const outM = backend.makeOutput(shape, 'float32');
  const outV = backend.makeOutput(shape, 'float32');
  // Views after all allocations (allocation may grow and move the wasm memory).
  const w = backend.typedArrayFromHeap(value);
  const g = backend.typedArrayFromHeap(gradient);
  const m0 = backend.typedArrayFromHeap(m);
  const v0 = backend.typedArrayFromHeap(v);
  const w1 = backend.typedArrayFromHeap(outValue);
  const m1 = backend.typedArrayFromHeap(outM);
  const v1 = backend.typedArrayFromHeap(outV);
  // Constants rounded to float32 as the stock path's scalar tensors are.
  const b1 = f32(a.beta1);
  const c1 = f32(1 - a.beta1);
  const b2 = f32(a.beta2);
  const c2 = f32(1 - a.beta2);
  const k1 = f32(a.oneMinusAccBeta1);
  const k2 = f32(a.oneMinusAccBeta2);
  const eps = f32(a.epsilon);
  const lr = f32(-a.learningRate);
  const n = w.length;
  // The stock formula in the stock order, evaluated in double precision and rounded to float32
  // when stored (the moments before they are used, as the stock path stores them): results differ
  // from the float32-per-operation stock path by at most about one float32 rounding.
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = f32(m0[i] * b1 + gi * c1);
    const vi = f32(v0[i] * b2 + gi * gi * c2);
    m1[i] = mi;
    v1[i] = vi;
    w1[i] = ((mi / k1) / (Math.sqrt(vi / k2) + eps)) * lr + w[i];
  }
  return [outValue, outM, outV];
};

/** Registers {@link ADAM_UPDATE_KERNEL} for wasm (idempotent). */
export function registerFusedAdamKernel(): void {
  if (tf.getKernel(ADAM_UPDATE_KERNEL, 'wasm') !== undefined) return;
  tf.registerKernel({ kernelName: ADAM_UPDATE_KERNEL, backendName: 'wasm', kernelFunc: adamUpdate });
}

/** The private state of tfjs's AdamOptimizer (tfjs 4.22), which the fused path updates. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * tfjs's AdamOptimizer (same state, weights, serialisation) whose update runs the fused kernel
 * on wasm. Construct it through `createAdam` in `src/training/optimizer.ts`.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getBackend() !== 'wasm' || tf.getKernel(ADAM_UPDATE_KERNEL, 'wasm') === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const s = this as unknown as AdamState;
    const entries: Array<[string, tf.Tensor | undefined]> = Array.isArray(variableGradients)
      ? variableGradients.map((v) => [v.name, v.tensor])
      : Object.keys(variableGradients).map((name) => [name, variableGradients[name]]);
    const oneMinusAccBeta1 = 1 - s.accBeta1.dataSync()[0];
    const oneMinusAccBeta2 = 1 - s.accBeta2.dataSync()[0];
    const attrs: AdamUpdateAttrs = {
      learningRate: s.learningRate,
      beta1: s.beta1,
      beta2: s.beta2,
      epsilon: s.epsilon,
      oneMinusAccBeta1,
      oneMinusAccBeta2,
    };
    entries.forEach(([name, gradient], i) => {
      const value = tf.engine().registeredVariables[name];
      if (value === undefined) throw new Error(`FusedAdamOptimizer: no variable named '${name}'`);
      if (s.accumulatedFirstMoment[i] == null) {
        s.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      if (s.accumulatedSecondMoment[i] == null) {
        s.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      }
      if (gradient == null) return;
      const m = s.accumulatedFirstMoment[i]!.variable;
      const v = s.accumulatedSecondMoment[i]!.variable;
      const [newValue, newM, newV] = tf.engine().runKernel(
        ADAM_UPDATE_KERNEL,
        { value, gradient, m, v },
        attrs as unknown as NamedAttrMap,
      ) as tf.Tensor[];
      m.assign(newM);
      v.assign(newV);
      value.assign(newValue);
      tf.dispose([newValue, newM, newV]);
    });
    tf.tidy(() => {
      s.accBeta1.assign(tf.mul(s.accBeta1, s.beta1));
      s.accBeta2.assign(tf.mul(s.accBeta2, s.beta2));
    });
    this.incrementIterations();
  }
}
