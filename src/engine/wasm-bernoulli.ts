/**
 * The Bernoulli log-likelihood of binary cross-entropy, `LL = t log p~ + (1 - t) log(1 - p~)`, as
 * one tape node instead of tfjs's nine composed kernels forward and seventeen backward (on a
 * [100, 784] batch each is a pass over 78,400 floats and a dispatch of its own).
 *
 * Two guards keep p away from 0 and 1, the two conventions the curriculum meets:
 * - `clip` (Keras, vaelab's `bceLoss`): p~ = clip(p, epsilon, 1 - epsilon);
 * - `logFloor` (PyTorch's `binary_cross_entropy`, the bench's peer): each logarithm raised to -100.
 *
 * On wasm with vaelab's product module (float32, same shapes, a whole number of vectors), the
 * logarithms are wasm's own `Log`, run outside the tape, and enter the kernel `VaelabBernoulliLL`
 * as inputs; the arithmetic around them and the whole gradient are strips of
 * `wasm-bernoulli-code.ts`, split over the helper threads. Each strip repeats the composed ops'
 * float32 operations in their order, so values and gradients are the composed path's bit for bit
 * (tested). Everything else (other backends, dtypes, sizes) runs the composed ops.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { freeWasm, heapAddress, runRegisteredWasmKernel, runWasmKernel, wasmGemmOf, WASM, type WasmHeapBackend } from './wasm-heap';
import { LOG_FLOOR } from './wasm-bernoulli-code';

/** Name of the log-likelihood kernel: inputs `{t, p, la, le}` (la, le: the two logarithms), attrs {@link BernoulliAttrs}. */
export const BERNOULLI_LL_KERNEL = 'VaelabBernoulliLL';
/** Name of its gradient kernel with respect to p: inputs `{dy, t, p, la, le}`, the same attrs. */
export const BERNOULLI_LL_GRAD_KERNEL = 'VaelabBernoulliLLGrad';

/** How p is kept away from 0 and 1 before the logarithms. */
export type ProbabilityGuard = { readonly kind: 'clip'; readonly epsilon: number } | { readonly kind: 'logFloor' };

/** The kernels' attributes: the guard, flattened. */
interface BernoulliAttrs {
  readonly guard: 'clip' | 'logFloor';
  /** clip only: the bounds as `tf.clipByValue` receives them. */
  readonly lo: number;
  readonly hi: number;
}

let fused = false;

/** `tf.clipByValue`'s bounds for a clip guard. */
function bounds(epsilon: number): [number, number] {
  return [epsilon, 1 - epsilon];
}

/** The composed ops (tfjs's own kernels and gradients): the reference, and the path off wasm. */
function composed(t: tf.Tensor, p: tf.Tensor, guard: ProbabilityGuard): tf.Tensor {
  return tf.tidy(() => {
    if (guard.kind === 'clip') {
      const [lo, hi] = bounds(guard.epsilon);
      const pc = tf.clipByValue(p, lo, hi);
      return tf.add(tf.mul(t, tf.log(pc)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, pc))));
    }
    const la = tf.maximum(tf.log(p), LOG_FLOOR);
    const le = tf.maximum(tf.log(tf.sub(1, p)), LOG_FLOOR);
    return tf.add(tf.mul(t, la), tf.mul(tf.sub(1, t), le));
  });
}

function checkGuard(guard: ProbabilityGuard): void {
  if (guard.kind === 'clip') {
    if (!(guard.epsilon > 0 && guard.epsilon < 0.5))
      throw new RangeError(`bernoulliLogLikelihood: epsilon must be in (0, 0.5), got ${guard.epsilon}`);
  } else if (guard.kind !== 'logFloor') {
    throw new TypeError(`bernoulliLogLikelihood: unknown guard '${String((guard as { kind: unknown }).kind)}'; expected 'clip' or 'logFloor'`);
  }
}

/**
 * `t log p~ + (1 - t) log(1 - p~)` element by element (t: targets in [0, 1], p: probabilities, the
 * same shape), with p~ as `guard` says. Binary cross-entropy is its negative. One kernel and one
 * gradient pass on wasm (see the module comment); the composed ops elsewhere, with the same numbers.
 */
export function bernoulliLogLikelihood(t: tf.Tensor, p: tf.Tensor, guard: ProbabilityGuard): tf.Tensor {
  checkGuard(guard);
  if (!tf.util.arraysEqual(t.shape, p.shape)) {
    throw new RangeError(`bernoulliLogLikelihood: targets [${t.shape.join(',')}] and probabilities [${p.shape.join(',')}] must have the same shape`);
  }
  const backend = tf.backend() as WasmHeapBackend;
  const n = p.size;
  const gemm = fused && tf.getBackend() === WASM ? wasmGemmOf(backend) : null;
  if (gemm === null || t.dtype !== 'float32' || p.dtype !== 'float32' || n === 0 || n % 4 !== 0) {
    return composed(t, p, guard);
  }
  const [lo, hi] = guard.kind === 'clip' ? bounds(guard.epsilon) : [0, 0];
  const attrs: BernoulliAttrs = { guard: guard.kind, lo, hi };
  return tf.tidy(() => {
    // The logarithms by the registered Log (vaelab's strip, same bits as wasm's own), outside the
    // tape: the kernel takes them as inputs, and its gradient with respect to p covers the path through them.
    const pc: TensorInfo =
      guard.kind === 'clip' ? runWasmKernel('ClipByValue', backend, { x: p }, { clipValueMin: lo, clipValueMax: hi } as unknown as NamedAttrMap) : p;
    const d = backend.makeOutput(p.shape, 'float32');
    gemm.bernoulli({ op: 'oneMinus', inputs: [heapAddress(backend, pc)], out: heapAddress(backend, d), n });
    const laInfo = runRegisteredWasmKernel('Log', backend, { x: pc });
    const leInfo = runRegisteredWasmKernel('Log', backend, { x: d });
    freeWasm(backend, d);
    if (pc !== p) freeWasm(backend, pc);
    const engine = tf.engine();
    const la = engine.makeTensorFromTensorInfo(laInfo);
    const le = engine.makeTensorFromTensorInfo(leInfo);
    return engine.runKernel(BERNOULLI_LL_KERNEL, { t, p, la, le }, attrs as unknown as NamedAttrMap) as tf.Tensor;
  });
}

const likelihoodKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as WasmHeapBackend;
  const { t, la, le } = inputs as Record<string, TensorInfo>;
  const gemm = wasmGemmOf(b);
  if (gemm === null) throw new Error(`${BERNOULLI_LL_KERNEL}: needs vaelab's product module on the wasm backend`);
  const out = b.makeOutput(t.shape, 'float32');
  const op = (attrs as unknown as BernoulliAttrs).guard === 'clip' ? 'likelihood' : 'likelihoodClamp';
  gemm.bernoulli({ op, inputs: [t, la, le].map((x) => heapAddress(b, x)), out: heapAddress(b, out), n: tf.util.sizeFromShape(t.shape) });
  return out;
};

const gradientKernel: KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as WasmHeapBackend;
  const { dy, t, p, la, le } = inputs as Record<string, TensorInfo>;
  const gemm = wasmGemmOf(b);
  if (gemm === null) throw new Error(`${BERNOULLI_LL_GRAD_KERNEL}: needs vaelab's product module on the wasm backend`);
  const a = attrs as unknown as BernoulliAttrs;
  const out = b.makeOutput(p.shape, 'float32');
  const n = tf.util.sizeFromShape(p.shape);
  if (a.guard === 'clip') {
    gemm.bernoulli({ op: 'gradClip', inputs: [dy, t, p].map((x) => heapAddress(b, x)), out: heapAddress(b, out), n, lo: a.lo, hi: a.hi });
  } else {
    gemm.bernoulli({ op: 'gradClamp', inputs: [dy, t, p, la, le].map((x) => heapAddress(b, x)), out: heapAddress(b, out), n });
  }
  return out;
};

/** The logarithms as the composed ops use them: clamped at -100 under `logFloor`. */
function guarded(log: tf.Tensor, attrs: BernoulliAttrs): tf.Tensor {
  return attrs.guard === 'clip' ? log : tf.maximum(log, LOG_FLOOR);
}

/**
 * Installs (`on`) or removes the one-node log-likelihood on wasm: registers its two kernels and
 * the gradient (once); off, {@link bernoulliLogLikelihood} runs the composed ops. Idempotent.
 */
export function setFusedBernoulli(on: boolean): void {
  if (tf.getKernel(BERNOULLI_LL_KERNEL, WASM) === undefined) {
    tf.registerKernel({ kernelName: BERNOULLI_LL_KERNEL, backendName: WASM, kernelFunc: likelihoodKernel });
    tf.registerKernel({ kernelName: BERNOULLI_LL_GRAD_KERNEL, backendName: WASM, kernelFunc: gradientKernel });
  }
  if (tf.getGradient(BERNOULLI_LL_KERNEL) === undefined) {
    tf.registerGradient({
      kernelName: BERNOULLI_LL_KERNEL,
      inputsToSave: ['t', 'p', 'la', 'le'],
      gradFunc: (dy, saved, attrs) => {
        const [t, p, la, le] = saved;
        const g = Array.isArray(dy) ? dy[0] : dy;
        const a = attrs as unknown as BernoulliAttrs;
        return {
          p: () => tf.engine().runKernel(BERNOULLI_LL_GRAD_KERNEL, { dy: g, t, p, la, le }, attrs) as tf.Tensor,
          // As the composed ops accumulate it: the (1 - t) branch first, then the t branch.
          t: () => tf.add(tf.neg(tf.mul(g, guarded(le, a))), tf.mul(g, guarded(la, a))),
          // The logarithms come from p outside the tape; their own slopes, should anyone ask.
          la: () => (a.guard === 'clip' ? tf.mul(g, t) : tf.mul(tf.mul(g, t), tf.cast(tf.greaterEqual(la, LOG_FLOOR), 'float32'))),
          le: () =>
            a.guard === 'clip' ? tf.mul(g, tf.sub(1, t)) : tf.mul(tf.mul(g, tf.sub(1, t)), tf.cast(tf.greaterEqual(le, LOG_FLOOR), 'float32')),
        };
      },
    });
  }
  fused = on;
}

/** Whether {@link bernoulliLogLikelihood} takes the one-node path on wasm. */
export function fusedBernoulliInstalled(): boolean {
  return fused;
}
