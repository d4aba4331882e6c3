/**
 * The wasm engine: faster and missing kernels for TensorFlow.js's `wasm` backend in Node, and the
 * only entry to them. It imports nothing but `@tensorflow/tfjs`, `@tensorflow/tfjs-backend-wasm`
 * and Node's builtins, so any TensorFlow.js user in Node can use it:
 *
 *     import * as tf from '@tensorflow/tfjs';
 *     import { registerWasmEngine } from './engine';
 *     if (await registerWasmEngine({ threads: 2 })) console.log(tf.getBackend()); // 'wasm'
 *
 * What it holds (one file each, internal): a SIMD matrix product and implicit-GEMM convolutions
 * split over helper threads (`wasm-gemm*.ts`, `wasm-conv-*.ts`), the convolution filter gradient
 * wasm lacks and faster backward kernels (`wasm-kernels.ts`, `wasm-pool-kernels.ts`,
 * `wasm-simd.ts`; the pooling strips in `wasm-maxpool-code.ts`, `wasm-upsample-code.ts` on the skeleton of
 * `wasm-window-code.ts`), SIMD `Maximum` / `Minimum` / `GreaterEqual` (`wasm-compare.ts`), ReLU dense layers
 * and ReLU conv2d layers as one kernel each while training (`wasm-dense.ts`, `wasm-conv-relu.ts`), the threaded wasm build started from Node (`wasm-threads.ts`), a fused Adam
 * update kernel (`adam-kernel.ts`, `adam-simd.ts`), and the small WebAssembly assembler their SIMD loops are written with (`wasm-assembler.ts`).
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels, type WasmKernelOptions } from './wasm-kernels';
import { startWasmWithThreads } from './wasm-threads';
import { gemmThreads } from './wasm-gemm';

export { registerWasmKernels, installedWasmKernels, WASM_KERNEL_NAMES } from './wasm-kernels';
export type { WasmKernelOptions, WasmKernelName } from './wasm-kernels';
export { startWasmWithThreads, wasmWorkerScriptDir } from './wasm-threads';
export { setWasmGemm, setGemmPacking, setGemmPackSplit, setGemmSparse, wasmGemmFor } from './wasm-gemm';
export { setConvGlue } from './wasm-conv-gemm';
export type { GemmPacking, GemmProduct, WasmGemm } from './wasm-gemm';
export { wasmGemmOf } from './wasm-heap';
export { WASM_MODULE_NAME } from './wasm-assembler';
export { fusedDenseInstalled, setFusedDenseLinear, DENSE_LINEAR_KERNEL, DENSE_RELU_KERNEL } from './wasm-dense';
export { fusedConvInstalled, CONV_RELU_KERNEL } from './wasm-conv-relu';
export { fastSumGradInstalled, setFastSumGrad } from './sum-grad';
export {
  fusedReluGradInstalled,
  fusedSigmoidGradInstalled,
  setFusedReluGrad,
  setFusedSigmoidGrad,
  RELU_GRAD_KERNEL,
  SIGMOID_GRAD_KERNEL,
} from './wasm-elementwise';
export { bernoulliLogLikelihood, fusedBernoulliInstalled, setFusedBernoulli, BERNOULLI_LL_KERNEL, type ProbabilityGuard } from './wasm-bernoulli';
export { findLogTable, stripLogAvailable } from './wasm-log';
export { setMaxPoolGradRows, setMaxPoolStrip, setUpsampleGradStrip } from './wasm-pool-kernels';
export { sharedSavesInstalled } from './shared-saves';
export {
  ADAM_UPDATE_KERNEL,
  ADAM_KERNEL_BACKENDS,
  registerAdamKernel,
  hasAdamKernel,
  setAdamSimd,
  setAdamThreads,
  adamThreadsEnabled,
} from './adam-kernel';
export type { AdamUpdateAttrs } from './adam-kernel';

/** Options of {@link registerWasmEngine}. */
export interface WasmEngineOptions {
  /**
   * Threads for the engine's products and convolutions (an integer >= 1; default 1). Takes effect
   * only when wasm is first started in the process; when the threaded build cannot start, the
   * engine warns in one line and runs single-threaded.
   */
  readonly threads?: number;
  /** Which speed-ups to install (default: all); see {@link WasmKernelOptions}. */
  readonly kernels?: WasmKernelOptions;
}

/** True once the wasm backend has been initialised in this process. */
function wasmInitialised(): boolean {
  const registry = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  return registry.wasm !== undefined;
}

/**
 * Loads `@tensorflow/tfjs-backend-wasm`, registers the engine's kernels on it and makes `wasm` the
 * active backend (with `threads` threads for the engine's products when more than one is asked
 * and wasm was not started yet). Returns false, without throwing, when wasm cannot be loaded or
 * started, so a caller can fall back to another backend. Throws a RangeError for a thread count
 * that is not an integer >= 1.
 */
export async function registerWasmEngine(options: WasmEngineOptions = {}): Promise<boolean> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`registerWasmEngine: threads must be an integer >= 1, got ${threads}`);
  }
  try {
    require('@tensorflow/tfjs-backend-wasm');
    // Fill wasm's gaps (conv filter gradient) and speed up its slow kernels.
    registerWasmKernels(options.kernels);
    if (tf.findBackendFactory('wasm') == null) return false;
  } catch {
    return false;
  }
  try {
    if (threads > 1 && !wasmInitialised()) {
      try {
        await startWasmWithThreads(threads);
        return true;
      } catch (e) {
        console.warn(`vaelab: wasm threads could not start (${e instanceof Error ? e.message : String(e)}); running single-threaded.`);
      }
    }
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

/** Threads of the engine's products and convolutions in the running wasm backend (1 when single-threaded or not wasm). */
export function wasmEngineThreads(): number {
  return tf.getBackend() === 'wasm' ? gemmThreads() : 1;
}
