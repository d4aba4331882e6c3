/**
 * Picks the TensorFlow.js backend: native `tensorflow` (tfjs-node) when it loads,
 * else `wasm`, else `cpu`. The environment variable `VAELAB_BACKEND`
 * (`tensorflow`, `wasm` or `cpu`) overrides the choice.
 *
 * Starting wasm goes through the wasm engine's one call (`registerWasmEngine`, src/engine: the conv
 * filter gradient wasm lacks, faster kernels, the threaded build), and the cpu backend gets a
 * corrected UpSampling gradient (`cpu-kernels.ts`). wasm runs with one thread per available core
 * (at most 4; `thread-policy.ts`); `VAELAB_WASM_THREADS=N` (or
 * `wasmThreads`) chooses the count, `VAELAB_WASM_THREADS=1` keeps wasm single-threaded.
 * Speeds: docs/performance.md.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmEngine, wasmEngineThreads } from '../engine';
import { defaultWasmThreads, wasmThreadsFromEnv } from './thread-policy';
import { registerCpuKernels } from './cpu-kernels';
import { quietTfjsNodeHint } from './quiet';

export { registerCpuKernels } from './cpu-kernels';
export { quietTfjsNodeHint } from './quiet';
/** The engine's fused ops the library's losses use (composed tfjs ops wherever the engine does not apply). */
export { bernoulliLogLikelihood, type ProbabilityGuard } from '../engine';
export {
  WASM_THREADS_ENV,
  MAX_DEFAULT_WASM_THREADS,
  availableCores,
  defaultWasmThreads,
  wasmThreadsFromEnv,
  wasmThreadsPerJob,
  wasmThreadsEnvForJobs,
} from './thread-policy';

/** Backends vaelab knows how to start. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The environment variable that forces a backend. */
export const BACKEND_ENV = 'VAELAB_BACKEND';

const KNOWN: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

function isBackendName(s: string): s is BackendName {
  return (KNOWN as readonly string[]).includes(s);
}

async function tryNative(): Promise<boolean> {
  try {
    // tfjs-node registers the `tensorflow` backend when it loads.
    require('@tensorflow/tfjs-node');
    return tf.findBackend('tensorflow') != null;
  } catch {
    return false;
  }
}

async function start(name: BackendName, wasmThreads: number): Promise<boolean> {
  // wasm: the engine loads, registers its kernels and starts the backend in one call.
  if (name === 'wasm') return registerWasmEngine({ threads: wasmThreads });
  if (name === 'tensorflow' && !(await tryNative())) return false;
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

/** Threads of the running wasm backend's heavy kernels (vaelab's products; 1 when single-threaded or not wasm). */
export function wasmThreadCount(): number {
  return wasmEngineThreads();
}

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /** Force this backend (beats the environment variable). */
  readonly backend?: BackendName;
  /** Print the one-line notice (default true). */
  readonly announce?: boolean;
  /**
   * Threads for the wasm backend's products and convolutions (default: env `VAELAB_WASM_THREADS`, else one per available
   * core, at most 4: `defaultWasmThreads()`). Takes effect only when wasm is first started in the
   * process; falls back to one thread, with a one-line warning, if threads fail to start.
   */
  readonly wasmThreads?: number;
}

/**
 * Starts the best available backend (or the one asked for) and returns its name.
 * Throws an Error naming the backend when a forced backend cannot start.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendName> {
  // Correct the cpu backend's UpSampling gradient whichever backend runs (cpu may be used later).
  registerCpuKernels();
  // vaelab announces the backend itself: no tfjs-node hint from the cpu backend.
  quietTfjsNodeHint();
  const fromEnv = process.env[BACKEND_ENV];
  if (options.backend === undefined && fromEnv !== undefined && fromEnv !== '' && !isBackendName(fromEnv)) {
    throw new Error(`${BACKEND_ENV}=${fromEnv} is not a backend vaelab knows; expected one of ${KNOWN.join(', ')}`);
  }
  const wasmThreads = options.wasmThreads ?? wasmThreadsFromEnv() ?? defaultWasmThreads();
  if (!Number.isInteger(wasmThreads) || wasmThreads < 1) {
    throw new RangeError(`initBackend: wasmThreads must be an integer >= 1, got ${wasmThreads}`);
  }
  const forced: BackendName | undefined = options.backend ?? (fromEnv ? (fromEnv as BackendName) : undefined);
  let chosen: BackendName | undefined;
  if (forced) {
    if (!(await start(forced, wasmThreads))) {
      throw new Error(`The ${forced} backend could not start (asked for by ${options.backend ? 'initBackend' : BACKEND_ENV}).`);
    }
    chosen = forced;
  } else {
    for (const name of KNOWN) {
      if (await start(name, wasmThreads)) {
        chosen = name;
        break;
      }
    }
  }
  if (!chosen) throw new Error('No TensorFlow.js backend could start (tried tensorflow, wasm, cpu).');
  await tf.ready();
  if (options.announce ?? true) console.log(backendNotice(chosen, chosen === 'wasm' ? wasmThreadCount() : undefined));
  return chosen;
}

/**
 * The one line that says which backend runs (with wasm's thread count when given) and, if not
 * native, how to get the native one.
 */
export function backendNotice(name: BackendName, wasmThreads?: number): string {
  if (name === 'tensorflow') return 'vaelab: TensorFlow.js backend "tensorflow" (native libtensorflow).';
  const threads = name === 'wasm' && wasmThreads !== undefined ? `${wasmThreads} thread${wasmThreads === 1 ? '' : 's'}; ` : '';
  return (
    `vaelab: TensorFlow.js backend "${name}" (${threads}native tfjs-node not available): training is slower. ` +
    'For native speed, run `npm install @tensorflow/tfjs-node` on a machine with internet access.'
  );
}
