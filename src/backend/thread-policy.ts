/**
 * How many threads the wasm backend's heavy kernels get: one per available core by default (capped), and a
 * share of the cores per kernel when the notebook runner starts several kernels at once.
 * Pure functions of the core count and the environment; no TensorFlow.js here, so the runner
 * can use them without loading a backend.
 */
import * as os from 'os';

/** The environment variable asking for wasm threads (an integer >= 1; 1 = single-threaded). */
export const WASM_THREADS_ENV = 'VAELAB_WASM_THREADS';

/**
 * Most threads vaelab starts by default. The benchmark models (batch 100) stop gaining well
 * before this (a product of 100 rows is cut into a few chunks per thread), and every thread
 * beyond the free cores only contends.
 */
export const MAX_DEFAULT_WASM_THREADS = 4;

/** Cores this process may use (`os.availableParallelism()`, at least 1). */
export function availableCores(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Number.isFinite(n) ? Math.floor(n) : 1);
}

/** The thread count asked for by `VAELAB_WASM_THREADS` (undefined when unset). Error if malformed. */
export function wasmThreadsFromEnv(): number | undefined {
  const raw = process.env[WASM_THREADS_ENV];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`${WASM_THREADS_ENV}=${raw} is not a thread count; expected an integer >= 1 (1 = single-threaded)`);
  }
  return n;
}

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be an integer >= 1, got ${n}`);
}

/**
 * Default wasm threads when neither `wasmThreads` nor `VAELAB_WASM_THREADS` is given: one per
 * available core, at most {@link MAX_DEFAULT_WASM_THREADS} (1 on a one-core machine).
 */
export function defaultWasmThreads(cores: number = availableCores()): number {
  checkCount('defaultWasmThreads: cores', cores);
  return Math.min(MAX_DEFAULT_WASM_THREADS, cores);
}

/**
 * Threads for each of `jobs` kernels running at once on `cores` cores: max(1, floor(cores / jobs)),
 * at most {@link MAX_DEFAULT_WASM_THREADS}, so the kernels together do not oversubscribe the machine.
 */
export function wasmThreadsPerJob(jobs: number, cores: number = availableCores()): number {
  checkCount('wasmThreadsPerJob: jobs', jobs);
  checkCount('wasmThreadsPerJob: cores', cores);
  return Math.min(MAX_DEFAULT_WASM_THREADS, Math.max(1, Math.floor(cores / jobs)));
}

/**
 * Environment entries for a child process that is one of `jobs` running at once: sets
 * `VAELAB_WASM_THREADS` to {@link wasmThreadsPerJob}, or nothing when `env` already has it
 * (the user's choice wins).
 */
export function wasmThreadsEnvForJobs(jobs: number, env: NodeJS.ProcessEnv = process.env, cores: number = availableCores()): Record<string, string> {
  const threads = wasmThreadsPerJob(jobs, cores);
  const own = env[WASM_THREADS_ENV];
  if (own !== undefined && own !== '') return {};
  return { [WASM_THREADS_ENV]: String(threads) };
}
