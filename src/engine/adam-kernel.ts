/**
 * The fused Adam update: one kernel per variable that reads the weights, their gradient and
 * both moments once and writes the new weights and moments in a single pass, instead of the
 * dozen elementwise kernels (each a full pass over the weights) of a composed update.
 *
 * Kernel `VaelabAdamUpdate`: inputs `{value, m, v, grad}` (float32, same size), attributes
 * `{alpha, epsHat, beta1, beta2}`, outputs three FRESH tensors `[newValue, newM, newV]`:
 *
 *     newM     = beta1 * m + (1 - beta1) * grad
 *     newV     = beta2 * v + (1 - beta2) * grad^2
 *     newValue = value - alpha * newM / (sqrt(newV) + epsHat)
 *
 * Registered for `wasm` and `cpu`. The inputs are never written: the optimizer assigns the
 * outputs to its variables, so snapshots that share the old buffers stay valid.
 *
 * - wasm: a 128-bit WebAssembly SIMD loop over the backend's heap (`adam-simd.ts`, four
 *   weights per instruction, float32 per operation), with the last n % 4 weights (or all of
 *   them where SIMD is unavailable) done by a JavaScript pass over the same heap. With
 *   {@link setAdamThreads} (on by default), updates of at least 64K weights are split into
 *   chunks over vaelab's helper threads (`wasm-gemm.ts`; the same loop per weight, so the same numbers).
 * - cpu: the JavaScript pass over the backend's arrays.
 *
 * Why an earlier JavaScript-only kernel was slower than tfjs's ten composed wasm kernels
 * (~8 ns per weight; measured, docs/performance.md): it rounded every intermediate with
 * `Math.fround` (a float64->float32->float64 round trip each) and divided three times per
 * weight. Fixed here (double temporaries, one division, constants hoisted, one heap array so
 * V8 checks one map and one length per iteration instead of seven), the JavaScript pass
 * still costs ~4 ns per weight on this machine: the scalar double square root and division
 * share one divider (~13 cycles per weight), about what the composed SIMD kernels cost in
 * total. Only SIMD (four square roots and divisions per instruction) makes the fusion pay.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { adamSimdFor, type WasmMemory } from './adam-simd';
import { wasmGemmOf, wasmMemoryOf } from './wasm-heap';
import { GEMM_ADAM_MIN_CHUNK } from './wasm-gemm';

/** Name of the fused Adam update kernel. */
export const ADAM_UPDATE_KERNEL = 'VaelabAdamUpdate';

/** Attributes of {@link ADAM_UPDATE_KERNEL} (the step's constants, in double precision). */
export interface AdamUpdateAttrs {
  /** Step size of this step (learning rate with the bias corrections folded in). */
  readonly alpha: number;
  /** The epsilon added to sqrt(v) in this step. */
  readonly epsHat: number;
  /** Decay of the first moment (mean of gradients). */
  readonly beta1: number;
  /** Decay of the second moment (mean of squared gradients). */
  readonly beta2: number;
}

/** The parts of the wasm backend used to write a kernel's outputs in its heap. */
interface WasmHeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array;
}

/** The parts of the cpu backend used to read inputs and make outputs. */
interface CpuArrayBackend extends KernelBackend {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** Whether the wasm kernel may use the SIMD loop (tests and benchmarks turn it off to measure the JS pass). */
let simdAllowed = true;

/** Lets the wasm kernel use its WebAssembly SIMD loop (default) or forces the JavaScript pass. */
export function setAdamSimd(enabled: boolean): void {
  simdAllowed = enabled;
}

/**
 * Whether large updates are split over vaelab's helper threads (on by default). Round four turned
 * it off: its jobs waited for every helper to check in, a scheduler slice on a busy machine, and
 * the split cost 0 to 5 ms per dense-VAE step there. Since a job waits only for the chunks a
 * helper has claimed (`wasm-gemm-workers.ts`), the split measured (dense VAE, 2 threads, steps
 * alternating every 5, medians; docs/performance.md, session 15) 12.48 against 13.34 ms idle,
 * 27.39 against 27.92 ms with one busy process and 43.99 against 43.82 ms with two.
 */
let threadsAllowed = true;

/** Lets the wasm kernel split large updates over vaelab's helper threads (on by default; same numbers either way) or keeps them on the calling thread. */
export function setAdamThreads(enabled: boolean): void {
  threadsAllowed = enabled;
}

/** Whether large updates may be split over vaelab's helper threads (see {@link setAdamThreads}). */
export function adamThreadsEnabled(): boolean {
  return threadsAllowed;
}

/**
 * One Adam pass over n weights held in one Float32Array `h` (the wasm heap) at element offsets
 * `w, g, m0, v0` (inputs) and `w1, m1, v1` (outputs).
 *
 * Written for V8: a single array object means one map check and one length load per
 * iteration (seven arrays cost seven of each, every iteration); the indices are one running
 * int32 plus fixed deltas; every constant is a double computed before the loop (a parameter
 * used only inside the loop is re-checked and unboxed at every iteration). Temporaries are
 * doubles; only the stores round to float32.
 */
function adamPassHeap(
  h: Float32Array,
  w: number,
  g: number,
  m0: number,
  v0: number,
  w1: number,
  m1: number,
  v1: number,
  n: number,
  alpha: number,
  epsHat: number,
  beta1: number,
  beta2: number,
): void {
  const a = -alpha + 0;
  const e = epsHat + 0;
  const b1 = beta1 + 0;
  const b2 = beta2 + 0;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const dg = (g - w) | 0;
  const dm0 = (m0 - w) | 0;
  const dv0 = (v0 - w) | 0;
  const dw1 = (w1 - w) | 0;
  const dm1 = (m1 - w) | 0;
  const dv1 = (v1 - w) | 0;
  const end = (w + n) | 0;
  for (let j = w | 0; j < end; j++) {
    const gj = h[j + dg];
    const mj = b1 * h[j + dm0] + c1 * gj;
    const vj = b2 * h[j + dv0] + c2 * gj * gj;
    h[j + dm1] = mj;
    h[j + dv1] = vj;
    h[j + dw1] = h[j] + (a * mj) / (Math.sqrt(vj) + e);
  }
}

/** The same pass over seven separate arrays (the cpu backend's). */
function adamPassArrays(
  w: Float32Array,
  g: Float32Array,
  m0: Float32Array,
  v0: Float32Array,
  w1: Float32Array,
  m1: Float32Array,
  v1: Float32Array,
  alpha: number,
  epsHat: number,
  beta1: number,
  beta2: number,
): void {
  const a = -alpha + 0;
  const e = epsHat + 0;
  const b1 = beta1 + 0;
  const b2 = beta2 + 0;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    const mi = b1 * m0[i] + c1 * gi;
    const vi = b2 * v0[i] + c2 * gi * gi;
    m1[i] = mi;
    v1[i] = vi;
    w1[i] = w[i] + (a * mi) / (Math.sqrt(vi) + e);
  }
}

type AdamInputs = Record<'value' | 'm' | 'v' | 'grad', TensorInfo>;

/** Checks the inputs and attributes; returns the inputs in kernel order. */
function checked(args: { inputs: unknown; attrs?: unknown }): [AdamInputs, AdamUpdateAttrs] {
  const inputs = args.inputs as AdamInputs;
  const attrs = args.attrs as unknown as AdamUpdateAttrs;
  const size = tf.util.sizeFromShape(inputs.value.shape);
  for (const key of ['value', 'm', 'v', 'grad'] as const) {
    const t = inputs[key];
    if (t === undefined) throw new TypeError(`${ADAM_UPDATE_KERNEL}: input '${key}' is missing`);
    if (t.dtype !== 'float32') throw new TypeError(`${ADAM_UPDATE_KERNEL}: input '${key}' must be float32, got ${t.dtype}`);
    if (tf.util.sizeFromShape(t.shape) !== size) {
      throw new RangeError(`${ADAM_UPDATE_KERNEL}: input '${key}' has shape [${t.shape}], expected the size of value [${inputs.value.shape}]`);
    }
  }
  for (const key of ['alpha', 'epsHat', 'beta1', 'beta2'] as const) {
    if (typeof attrs[key] !== 'number' || !Number.isFinite(attrs[key])) {
      throw new TypeError(`${ADAM_UPDATE_KERNEL}: attribute '${key}' must be a finite number, got ${String(attrs[key])}`);
    }
  }
  return [inputs, attrs];
}

/** The kernel on wasm: outputs allocated in the heap, one pass over heap views. */
const adamUpdateWasm: KernelFunc = (args) => {
  const backend = args.backend as WasmHeapBackend;
  const [{ value, m, v, grad }, a] = checked(args);
  const shape = value.shape;
  const outValue = backend.makeOutput(shape, 'float32');
  const outM = backend.makeOutput(shape, 'float32');
  const outV = backend.makeOutput(shape, 'float32');
  // Views only after every allocation: an allocation may grow the wasm memory and detach older views.
  const view = (t: TensorInfo): Float32Array => backend.typedArrayFromHeap(t);
  const w = view(value);
  const at = (t: TensorInfo): number => view(t).byteOffset;
  const bytes = [w.byteOffset, at(grad), at(m), at(v), at(outValue), at(outM), at(outV)] as const;
  const n = w.length;
  const memory = wasmMemoryOf(backend) as WasmMemory | undefined;
  const simd = memory !== undefined && simdAllowed ? adamSimdFor(memory) : null;
  // SIMD takes whole groups of four weights; JavaScript does the rest (all of it without SIMD).
  const done = simd ? n - (n % 4) : 0;
  // Large updates over vaelab's helper threads (the same loop on chunks of the weights: same numbers).
  const gemm = simd && threadsAllowed && done >= 2 * GEMM_ADAM_MIN_CHUNK ? wasmGemmOf(backend) : null;
  if (gemm !== null && gemm.threads > 1) {
    const [pw, pg, pm, pv, pw1, pm1, pv1] = bytes;
    gemm.adam({ w: pw, g: pg, m: pm, v: pv, w1: pw1, m1: pm1, v1: pv1, n: done, alpha: a.alpha, epsHat: a.epsHat, beta1: a.beta1, beta2: a.beta2 });
  } else if (simd && done > 0) {
    simd(...bytes, done * 4, a.alpha, a.epsHat, a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2);
  }
  if (done < n) {
    // The memory's own buffer: emscripten's heap views can lag behind a growth in threaded builds.
    const heap = new Float32Array(memory?.buffer ?? w.buffer);
    const [pw, pg, pm, pv, pw1, pm1, pv1] = bytes.map((b) => (b >>> 2) + done);
    adamPassHeap(heap, pw, pg, pm, pv, pw1, pm1, pv1, n - done, a.alpha, a.epsHat, a.beta1, a.beta2);
  }
  return [outValue, outM, outV];
};

/** The kernel on cpu: reads the backend's arrays, outputs fresh arrays. */
const adamUpdateCpu: KernelFunc = (args) => {
  const backend = args.backend as CpuArrayBackend;
  const [{ value, m, v, grad }, a] = checked(args);
  const values = (t: TensorInfo): Float32Array => backend.data.get(t.dataId).values as Float32Array;
  const n = tf.util.sizeFromShape(value.shape);
  const w1 = new Float32Array(n);
  const m1 = new Float32Array(n);
  const v1 = new Float32Array(n);
  adamPassArrays(values(value), values(grad), values(m), values(v), w1, m1, v1, a.alpha, a.epsHat, a.beta1, a.beta2);
  return [
    backend.makeTensorInfo(value.shape, 'float32', w1),
    backend.makeTensorInfo(value.shape, 'float32', m1),
    backend.makeTensorInfo(value.shape, 'float32', v1),
  ];
};

/** Backends that get the fused kernel. */
export const ADAM_KERNEL_BACKENDS = ['wasm', 'cpu'] as const;

/**
 * Registers {@link ADAM_UPDATE_KERNEL} for `wasm` and `cpu` (safe to call any number of times;
 * a kernel already registered under that name is left alone).
 */
export function registerAdamKernel(): void {
  for (const backendName of ADAM_KERNEL_BACKENDS) {
    if (tf.getKernel(ADAM_UPDATE_KERNEL, backendName) !== undefined) continue;
    tf.registerKernel({
      kernelName: ADAM_UPDATE_KERNEL,
      backendName,
      kernelFunc: backendName === 'wasm' ? adamUpdateWasm : adamUpdateCpu,
    });
  }
}

/** True when the running backend has the fused Adam kernel. */
export function hasAdamKernel(): boolean {
  return tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) !== undefined;
}
