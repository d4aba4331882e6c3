/**
 * Multi-threaded wasm in Node: starts tfjs-backend-wasm's threaded SIMD build so XNNPACK's
 * convolutions and matrix products use more than one core.
 *
 * tfjs turns threads off in Node because emscripten starts its pthread workers from `blob:`
 * URLs, which Node's `Worker` rejects. While the backend initialises, vaelab captures the two
 * scripts tfjs hands to those blobs (the worker script and the module factory), writes them to
 * real files (the worker script patched to load the factory from its file, with the names the
 * factory expects from its bundle), and returns those paths instead. emscripten's build also
 * caps XNNPACK's pool at half the logical cores, so the core count it sees is raised to let the
 * pool have `threads` threads. The workers are unref'd so they never keep Node alive.
 * Everything is restored once the backend has started.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/atomic-write';

/** The environment variable asking for wasm threads (an integer >= 1; 1 = single-threaded). */
export const WASM_THREADS_ENV = 'VAELAB_WASM_THREADS';

const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';
/** The worker's way of loading the factory from a Blob, replaced by loading our file. */
const WORKER_LOAD =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';
/** Names the factory takes from the node bundle it was cut out of. */
const BUNDLE_NAMES =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;\n";

/** The bits of the WebAssembly global used here (the project's lib settings have no DOM types). */
interface WebAssemblyApi {
  instantiate(source: unknown, imports?: Record<string, Record<string, unknown>>): Promise<unknown>;
}

/** The Blob constructor as tfjs calls it (string parts). */
type BlobClass = new (parts?: unknown[], options?: { type?: string }) => object;

interface WasmModuleApi {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

interface PThreadApi {
  unusedWorkers: Array<{ unref(): void }>;
  runningWorkers: Array<{ unref(): void }>;
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

/**
 * Starts the wasm backend with `threads` XNNPACK threads (`tf.setBackend('wasm')` inside).
 * Must run before the wasm backend is first initialised in the process; returns the thread
 * count the backend reports (1 if threads could not start, in which case wasm still runs).
 */
export async function startWasmWithThreads(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`startWasmWithThreads: threads must be an integer >= 1, got ${threads}`);
  const wasmApi = require('@tensorflow/tfjs-backend-wasm') as WasmModuleApi;
  if (threads === 1) {
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    return 1;
  }
  const dir = path.join(os.tmpdir(), `vaelab-wasm-threads-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  const factoryFile = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const workerFile = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

  const g = globalThis as unknown as { Blob: BlobClass; WebAssembly: WebAssemblyApi };
  const wasmGlobal = g.WebAssembly;
  const OriginalBlob = g.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const originalInstantiate = wasmGlobal.instantiate;
  const texts = new WeakMap<object, string>();
  let factoryWritten = false;

  g.Blob = class CapturingBlob extends OriginalBlob {
    constructor(parts?: unknown[], options?: { type?: string }) {
      super(parts, options);
      const text = (parts ?? []).every((p) => typeof p === 'string') ? (parts as string[]).join('') : undefined;
      if (text !== undefined) texts.set(this, text);
      if (text?.startsWith(FACTORY_PREFIX)) {
        writeFileAtomic(factoryFile, BUNDLE_NAMES + text);
        factoryWritten = true;
      }
    }
  };
  URL.createObjectURL = (obj: Parameters<typeof URL.createObjectURL>[0]): string => {
    const text = texts.get(obj);
    if (text === undefined || !text.includes(WORKER_LOAD) || !factoryWritten) return originalCreateObjectURL.call(URL, obj);
    writeFileAtomic(workerFile, text.replace(WORKER_LOAD, `importScripts(${JSON.stringify(factoryFile)});`));
    return workerFile;
  };
  wasmGlobal.instantiate = (source: unknown, imports?: Record<string, Record<string, unknown>>): Promise<unknown> => {
    const env = imports?.env;
    const cores = env?.emscripten_num_logical_cores;
    if (env !== undefined && typeof cores === 'function' && typeof env.__pthread_create_js === 'function') {
      env.emscripten_num_logical_cores = (): number => Math.max(Number((cores as () => number)()), 2 * threads);
    }
    return originalInstantiate.call(wasmGlobal, source, imports);
  };

  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasmApi.setThreadsCount(threads);
    if (!(await tf.setBackend('wasm'))) throw new Error('the threaded wasm backend did not start');
    await tf.ready();
  } finally {
    g.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
    wasmGlobal.instantiate = originalInstantiate;
  }
  const pthread = (tf.backend() as unknown as { wasm?: { PThread?: PThreadApi } }).wasm?.PThread;
  if (pthread !== undefined) for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) w.unref();
  return wasmApi.getThreadsCount();
}
