/**
 * Multi-threaded wasm in Node: starts tfjs-backend-wasm's threaded SIMD build, whose memory is
 * shared, so vaelab's own products and convolutions (`wasm-gemm.ts`) can split their work over
 * helper threads working on the same tensors. XNNPACK itself keeps one thread: its pool's helpers
 * poll for work for a while after every operation (elementwise ones included), and on a machine
 * with few cores they then hold the core vaelab's helper needs (measured here, 2 cores: dense VAE
 * step 34 ms with XNNPACK's 2 threads, 26 ms with vaelab's 2 and XNNPACK's 1).
 *
 * tfjs turns threads off in Node because emscripten starts its pthread workers from `blob:`
 * URLs, which Node's `Worker` rejects. While the backend initialises, vaelab captures the two
 * scripts tfjs hands to those blobs (the worker script and the module factory), writes them to
 * real files (the worker script patched to load the factory from its file, with the names the
 * factory expects from its bundle), and returns those paths instead. emscripten starts 8
 * workers whatever the count; XNNPACK takes none, so all but one spare are ended (about 45 MB less
 * memory) and the spare is unref'd so it never keeps Node alive. Everything is restored once the
 * backend has started. If anything fails, tfjs is left ready for the single-threaded build.
 *
 * The two scripts go to a private per-user folder in the temp dir (`vaelab-wasm-threads-uid<uid>`,
 * mode 0700), named by a hash of their content: every process of the same tfjs version reuses the
 * same two files (written atomically, only when missing), so nothing piles up however processes end.
 * If that folder is unusable (not ours, writable by others), a per-process folder removed at exit is used.
 */
import { createHash, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { setGemmThreads } from './wasm-gemm';

const FACTORY_PREFIX = 'var WasmBackendModuleThreadedSimd';
/** The worker's way of loading the factory from a Blob, replaced by loading our file. */
const WORKER_LOAD =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';
/** Names the factory takes from the node bundle it was cut out of. */
const BUNDLE_NAMES =
  "var require$$0=require('fs'),require$$1=require('path'),require$$3=require('perf_hooks'),require$$4=require('os'),commonjsGlobal=globalThis;\n";

/** The Blob constructor as tfjs calls it (string parts). */
type BlobClass = new (parts?: unknown[], options?: { type?: string }) => object;

interface WasmModuleApi {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** The bits of a Node worker used here. */
interface WorkerApi {
  unref(): void;
  terminate(): Promise<number>;
}

interface PThreadApi {
  unusedWorkers: WorkerApi[];
  runningWorkers: WorkerApi[];
}

/** The folder name prefix of the worker scripts in the temp dir. */
const SCRIPT_DIR_PREFIX = 'vaelab-wasm-threads-';

/** True when `dir` is a real folder of this user that nobody else can write to. */
function privateDir(dir: string): boolean {
  const st = fs.lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  return st.isDirectory() && !st.isSymbolicLink() && (uid === undefined || st.uid === uid) && (st.mode & 0o022) === 0;
}

/**
 * Where the worker scripts of the threaded build go: `<tmp>/vaelab-wasm-threads-uid<uid>` (created
 * with mode 0700 and reused), or, when that is not a private folder of this user, a fresh
 * per-process folder that is removed when the process exits.
 */
export function wasmWorkerScriptDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : os.userInfo().username;
  const shared = path.join(os.tmpdir(), `${SCRIPT_DIR_PREFIX}uid${uid}`);
  try {
    fs.mkdirSync(shared, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return privateProcessDir();
  }
  try {
    if (privateDir(shared)) return shared;
  } catch {
    /* vanished or unreadable: fall through */
  }
  return privateProcessDir();
}

function privateProcessDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), SCRIPT_DIR_PREFIX));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Writes `text` to `file` atomically: a temporary file in the same folder, then a rename (the engine
 * stands alone, so it does not borrow the course library's atomic writer).
 */
function writeFileAtomic(file: string, text: string): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomUUID()}.tmp`);
  try {
    fs.writeFileSync(temp, text);
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

/** Writes `text` to `<dir>/<stem>-<hash of text>.js` (atomically, unless that file already holds it) and returns the path. */
function writeScript(dir: string, stem: string, text: string): string {
  const file = path.join(dir, `${stem}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}.js`);
  let same = false;
  try {
    same = fs.readFileSync(file, 'utf8') === text;
  } catch {
    /* missing */
  }
  if (!same) writeFileAtomic(file, text);
  return file;
}

/**
 * Starts the wasm backend's threaded build (`tf.setBackend('wasm')` inside) with `threads` threads
 * for vaelab's products and convolutions (XNNPACK keeps one) and returns that count. Must run
 * before the wasm backend is first initialised in the process. Throws when the threaded build
 * cannot start; tfjs is then left ready to start the single-threaded build (what `initBackend`
 * does, with a warning).
 */
export async function startWasmWithThreads(threads: number): Promise<number> {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`startWasmWithThreads: threads must be an integer >= 1, got ${threads}`);
  const wasmApi = require('@tensorflow/tfjs-backend-wasm') as WasmModuleApi;
  if (threads === 1) {
    setGemmThreads(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
    return 1;
  }
  const dir = wasmWorkerScriptDir();
  let factoryFile = '';

  const g = globalThis as unknown as { Blob: BlobClass };
  const OriginalBlob = g.Blob;
  const originalCreateObjectURL = URL.createObjectURL;
  const texts = new WeakMap<object, string>();
  let factoryWritten = false;
  /** The first error thrown by the hooks below (tfjs only logs it and reports failure). */
  let hookError: Error | undefined;
  const remember = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      hookError ??= e instanceof Error ? e : new Error(String(e));
      throw e;
    }
  };

  g.Blob = class CapturingBlob extends OriginalBlob {
    constructor(parts?: unknown[], options?: { type?: string }) {
      super(parts, options);
      const text = (parts ?? []).every((p) => typeof p === 'string') ? (parts as string[]).join('') : undefined;
      if (text !== undefined) texts.set(this, text);
      if (text?.startsWith(FACTORY_PREFIX)) {
        factoryFile = remember(() => writeScript(dir, 'tfjs-backend-wasm-threaded-simd', BUNDLE_NAMES + text));
        factoryWritten = true;
      }
    }
  };
  URL.createObjectURL = (obj: Parameters<typeof URL.createObjectURL>[0]): string => {
    const text = texts.get(obj);
    if (text === undefined || !text.includes('importScripts')) return originalCreateObjectURL.call(URL, obj);
    // A worker script: Node cannot start it from a blob: URL, so fail now (wasm then runs single-threaded)
    // rather than let the Worker constructor throw inside emscripten.
    return remember(() => {
      if (!text.includes(WORKER_LOAD) || !factoryWritten) {
        throw new Error("tfjs-backend-wasm's worker or factory script is not the one vaelab knows how to patch (tfjs-backend-wasm 4.22)");
      }
      return writeScript(dir, 'tfjs-backend-wasm-threaded-simd.worker', text.replace(WORKER_LOAD, `importScripts(${JSON.stringify(factoryFile)});`));
    });
  };
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasmApi.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw hookError ?? new Error('the threaded wasm backend did not start');
    await tf.ready();
  } catch (e) {
    // Leave tfjs as it was, so that the caller can start the single-threaded build instead.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmApi.setThreadsCount(1);
    setGemmThreads(1);
    throw e;
  } finally {
    g.Blob = OriginalBlob;
    URL.createObjectURL = originalCreateObjectURL;
  }
  const pthread = (tf.backend() as unknown as { wasm?: { PThread?: PThreadApi } }).wasm?.PThread;
  if (pthread !== undefined) {
    // emscripten starts 8 workers whatever the count, and XNNPACK (one thread) takes none.
    // Keep one spare and end the rest (measured: 149 -> 104 MB resident).
    for (const w of pthread.unusedWorkers.splice(1)) void w.terminate();
    for (const w of [...pthread.unusedWorkers, ...pthread.runningWorkers]) w.unref();
  }
  setGemmThreads(threads);
  return threads;
}
