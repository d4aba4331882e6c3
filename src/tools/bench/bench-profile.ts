/**
 * `npm run bench -- --profile`: where a benchmark training step spends its time. Builds the model
 * as the bench does (`bench-train.ts`), warms up, then records a V8 CPU profile of N steps with
 * Node's inspector in this process (main thread only: vaelab's helper threads show as the main
 * thread waiting for them) and sums the samples' self time by category and by function.
 *
 * Categories are decided by a profile node's `url` and `functionName` ({@link classifyFrame}); a
 * native frame without a url (a builtin such as `Atomics.wait` or a typed array's `set`) counts
 * in its caller's category.
 */
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as os from 'os';
import * as path from 'path';
import { wasmThreadCount, type BackendName } from '../../backend/index';
import { availableCores } from '../../backend/thread-policy';
import { WASM_MODULE_NAME } from '../../engine';
import { writeFileAtomic } from '../../util/atomic-write';
import { type BenchModelName } from './bench-models';
import { createBenchTraining, startBenchBackend, type BenchKernels } from './bench-train';

/** The categories a profile's self time is split into, in report order, with their labels. */
export const PROFILE_CATEGORIES = {
  vaelab_wasm: "vaelab's wasm engine: wasm functions",
  vaelab_engine_js: "vaelab's wasm engine: JavaScript (src/engine)",
  helper_wait: 'waiting for helper threads (Atomics.wait, spin)',
  stock_wasm: 'stock tfjs-backend-wasm: wasm kernels',
  stock_wasm_js: 'stock tfjs-backend-wasm: JavaScript glue',
  tfjs_core: 'TensorFlow.js engine JS (tfjs-core: tape, tidy, dispatch, gradients)',
  tfjs_layers: 'tfjs-layers JavaScript',
  vaelab_js: "vaelab's own JS (dist/, not the engine)",
  gc: 'garbage collector',
  idle: 'idle (event loop waiting)',
  other: 'other: (program), Node internals, other packages',
} as const;

/** One of {@link PROFILE_CATEGORIES}' keys. */
export type ProfileCategory = keyof typeof PROFILE_CATEGORIES;

const CATEGORY_KEYS = Object.keys(PROFILE_CATEGORIES) as ProfileCategory[];

/** The part of a V8 call frame the classifier reads (as in `inspector.Profiler.CallFrame`). */
export interface ProfileCallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber?: number;
  readonly columnNumber?: number;
}

/** The part of a V8 CPU profile (`inspector.Profiler.Profile`, a `.cpuprofile` file) the aggregator reads. */
export interface CpuProfileLike {
  readonly nodes: ReadonlyArray<{ readonly id: number; readonly callFrame: ProfileCallFrame; readonly children?: readonly number[] }>;
  /** Microseconds. */
  readonly startTime: number;
  /** Microseconds. */
  readonly endTime: number;
  /** Node id of each sample. */
  readonly samples?: readonly number[];
  /** Microseconds from the previous sample (the first: from `startTime`). */
  readonly timeDeltas?: readonly number[];
}

/** V8's call wrappers between JavaScript and wasm (`js-to-wasm:iii:`, `wasm-to-js:...`). */
function isCallWrapper(functionName: string): boolean {
  return functionName.startsWith('js-to-wasm') || functionName.startsWith('wasm-to-js');
}

/**
 * The category of one call frame, or null for a native frame without a url (it takes its
 * caller's category). Rules, first match wins: V8's pseudo-frames `(garbage collector)`,
 * `(idle)`, `(program)`/`(root)`; V8's JS<->wasm call wrappers take their caller's category
 * (V8 shares them across modules, so their url is any module's); wasm urls (`wasm://`) are vaelab's when the module is named
 * `vaelab` (`wasm://wasm/vaelab-<hash>`), else the stock backend's; then the packages under
 * `node_modules/@tensorflow/` (backend-wasm, layers, the rest as the engine), other packages;
 * then vaelab's own files (a `dist/` or `src/` folder outside node_modules): functions with
 * "wait" in their name in `engine/wasm-gemm-workers` are waiting for helpers, `engine/` is the
 * engine's JavaScript, the rest vaelab's own JS; anything else (Node internals) is other.
 */
export function classifyFrame(frame: ProfileCallFrame): ProfileCategory | null {
  const { functionName: fn, url } = frame;
  if (fn === '(garbage collector)') return 'gc';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)' || fn === '(root)') return 'other';
  // V8 shares its JS<->wasm call wrappers across modules by signature: their url says nothing.
  if (isCallWrapper(fn)) return null;
  if (url.startsWith('wasm://')) return url.startsWith(`wasm://wasm/${WASM_MODULE_NAME}-`) ? 'vaelab_wasm' : 'stock_wasm';
  if (url === '') return null;
  const p = url.replace(/\\/g, '/');
  if (p.includes('/node_modules/@tensorflow/tfjs-backend-wasm/')) return 'stock_wasm_js';
  if (p.includes('/node_modules/@tensorflow/tfjs-layers/')) return 'tfjs_layers';
  if (p.includes('/node_modules/@tensorflow/')) return 'tfjs_core';
  if (p.includes('/node_modules/')) return 'other';
  if (/\/(dist|src)\/engine\/wasm-gemm-workers\.[jt]s$/.test(p) && /wait/i.test(fn)) return 'helper_wait';
  if (/\/(dist|src)\/engine\//.test(p)) return 'vaelab_engine_js';
  if (/\/(dist|src)\//.test(p)) return 'vaelab_js';
  return 'other';
}

/** Self time of one category. */
export interface CategoryShare {
  readonly category: ProfileCategory;
  readonly label: string;
  /** Self time, milliseconds. */
  readonly ms: number;
  /** Percent of the profile's sampled time. */
  readonly share: number;
}

/** Self time of one function (frames with the same name, file and position added up). */
export interface FunctionShare {
  /** Function name (`(anonymous)` when it has none). */
  readonly function: string;
  /** Where it is: a shortened file path with its line, a wasm module url, or `(native)`. */
  readonly file: string;
  readonly category: ProfileCategory;
  /** Self time, milliseconds. */
  readonly ms: number;
  /** Percent of the profile's sampled time. */
  readonly share: number;
}

/** Self time by category and the top functions of a profile. */
export interface ProfileSummary {
  /** Sampled time, milliseconds: from the first sample to the profile's end. */
  readonly sampled_ms: number;
  readonly samples: number;
  /** Every category, in {@link PROFILE_CATEGORIES}' order (zero ones included). */
  readonly categories: readonly CategoryShare[];
  /** The functions with the most self time, most first. */
  readonly top: readonly FunctionShare[];
  /**
   * The stock backend's wasm time by the exported function it was called through (its kernel:
   * `Sigmoid`, `Log`, ...; `wasm-function[N]` when the export is not known), most first.
   */
  readonly stock_kernels: readonly KernelShare[];
}

/** Stock wasm self time spent under one exported function of the backend's module. */
export interface KernelShare {
  readonly kernel: string;
  /** Milliseconds. */
  readonly ms: number;
  /** Percent of the profile's sampled time. */
  readonly share: number;
}

/**
 * Function index -> export name of a wasm binary's exported functions (its export section), to
 * name the stock backend's unnamed `wasm-function[N]` frames. TypeError for bytes that are not wasm.
 */
export function wasmFunctionExports(bytes: Uint8Array): Map<number, string> {
  if (bytes.length < 8 || bytes[0] !== 0x00 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new TypeError('wasmFunctionExports: not a WebAssembly binary (no \\0asm header)');
  }
  let p = 8;
  const uleb = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      if (p >= bytes.length) throw new TypeError('wasmFunctionExports: truncated WebAssembly binary');
      const b = bytes[p++];
      v += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return v;
    }
  };
  const out = new Map<number, string>();
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = uleb();
    const end = p + size;
    if (id === 7) {
      const count = uleb();
      for (let i = 0; i < count; i++) {
        const length = uleb();
        const name = Buffer.from(bytes.subarray(p, p + length)).toString('utf8');
        p += length;
        const kind = bytes[p++];
        const index = uleb();
        if (kind === 0) out.set(index, name);
      }
    }
    p = end;
  }
  return out;
}

const STOCK_FUNCTION = /^wasm-function\[(\d+)\]$/;

/**
 * Of several candidate export tables (the backend ships one wasm binary per build), the one that
 * names the entry frames of `profile`'s stock wasm (the outermost stock frame of each stack): the
 * one that misses the fewest, if it misses fewer than half of them and every other table that
 * misses as few gives the entries the same names; else undefined. (Some entries are never exports: functions V8 saw entered through the function
 * table, or stacks cut short; the right binary names most of them, the other builds almost none.)
 */
export function pickStockExports(
  profile: CpuProfileLike,
  candidates: ReadonlyArray<ReadonlyMap<number, string>>,
): ReadonlyMap<number, string> | undefined {
  const entries = new Set(stockEntries(profile).values());
  if (entries.size === 0) return undefined;
  const missing = candidates.map((c) => [...entries].filter((i) => !c.has(i)).length);
  const best = Math.min(...missing);
  if (2 * best >= entries.size) return undefined;
  const tied = candidates.filter((_, i) => missing[i] === best);
  // Builds that share a kernel's index (plain and SIMD) may tie; they do no harm if they agree on every entry.
  const agree = tied.every((c) => [...entries].every((i) => c.get(i) === tied[0].get(i)));
  return agree ? tied[0] : undefined;
}

/** Node id -> function index of the entry (outermost stock wasm frame) above it, for every stock wasm node. */
function stockEntries(profile: CpuProfileLike): Map<number, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const isStock = (id: number | undefined): boolean => {
    const f = id === undefined ? undefined : byId.get(id)?.callFrame;
    return f !== undefined && classifyFrame(f) === 'stock_wasm' && STOCK_FUNCTION.test(f.functionName);
  };
  const out = new Map<number, number>();
  for (const n of profile.nodes) {
    if (!isStock(n.id)) continue;
    let entry = n.id;
    while (isStock(parent.get(entry))) entry = parent.get(entry) as number;
    out.set(n.id, Number(STOCK_FUNCTION.exec(byId.get(entry)?.callFrame.functionName ?? '')?.[1]));
  }
  return out;
}

/** A url shortened for a report: the path after node_modules/, or from the last dist/ or src/, else as it is; `(native)` when empty. */
export function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const p = url.replace(/^file:\/\//, '').replace(/\\/g, '/');
  const nm = p.lastIndexOf('/node_modules/');
  if (nm >= 0) return p.slice(nm + '/node_modules/'.length);
  const own = Math.max(p.lastIndexOf('/dist/'), p.lastIndexOf('/src/'));
  return own >= 0 ? p.slice(own + 1) : p;
}

/**
 * Adds up a CPU profile's samples. Sample i lasts until sample i+1 (the last one until
 * `endTime`), as Chrome DevTools counts it; its time goes to the sampled node's function and to
 * that node's category (a native frame's: its caller's, see {@link classifyFrame}). Shares are
 * percent of the total sampled time, rounded to 0.01. `stockExports` (function index -> export
 * name of the stock backend's wasm binary, see {@link pickStockExports}) names the kernels of
 * `stock_kernels` and is added to stock functions' `file` (`... in Sigmoid`). TypeError for a
 * malformed profile.
 */
export function summarizeProfile(profile: CpuProfileLike, topCount = 15, stockExports?: ReadonlyMap<number, string>): ProfileSummary {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length !== deltas.length) {
    throw new TypeError(`summarizeProfile: ${samples.length} samples but ${deltas.length} time deltas; expected one delta per sample`);
  }
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categoryCache = new Map<number, ProfileCategory>();
  const categoryOf = (id: number): ProfileCategory => {
    const known = categoryCache.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    if (node === undefined) throw new TypeError(`summarizeProfile: a sample names node ${id}, which the profile does not hold`);
    const own = classifyFrame(node.callFrame);
    const up = parent.get(id);
    const category = own ?? (up === undefined ? 'other' : categoryOf(up));
    categoryCache.set(id, category);
    return category;
  };

  // Sample i starts at startTime + deltas[0] + ... + deltas[i] and lasts until the next one starts.
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    t += deltas[i];
    const next = i + 1 < samples.length ? t + deltas[i + 1] : profile.endTime;
    const duration = Math.max(0, next - t);
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + duration);
    total += duration;
  }

  const entries = stockEntries(profile);
  const kernelOf = (id: number): string | undefined => {
    const entry = entries.get(id);
    return entry === undefined ? undefined : (stockExports?.get(entry) ?? `wasm-function[${entry}]`);
  };
  const byCategory = new Map<ProfileCategory, number>(CATEGORY_KEYS.map((k) => [k, 0]));
  const byFunction = new Map<string, { function: string; file: string; category: ProfileCategory; us: number }>();
  for (const [id, us] of selfUs) {
    const category = categoryOf(id);
    byCategory.set(category, (byCategory.get(category) ?? 0) + us);
    const f = (byId.get(id) as { callFrame: ProfileCallFrame }).callFrame;
    const line = f.url !== '' && !f.url.startsWith('wasm://') && f.lineNumber !== undefined && f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : '';
    const name = f.functionName === '' ? '(anonymous)' : f.functionName;
    const entryIndex = entries.get(id);
    const exported = entryIndex === undefined ? undefined : stockExports?.get(entryIndex);
    const file = isCallWrapper(f.functionName) ? '(call wrapper)' : shortUrl(f.url) + line + (exported === undefined ? '' : ` in ${exported}`);
    const key = `${name}\u0000${file}\u0000${f.columnNumber ?? ''}\u0000${category}`;
    const entry = byFunction.get(key) ?? { function: name, file, category, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const byKernel = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const kernel = kernelOf(id);
    if (kernel !== undefined) byKernel.set(kernel, (byKernel.get(kernel) ?? 0) + us);
  }
  const share = (us: number): number => (total > 0 ? Number(((100 * us) / total).toFixed(2)) : 0);
  const ms = (us: number): number => Number((us / 1000).toFixed(3));
  return {
    sampled_ms: ms(total),
    samples: samples.length,
    categories: CATEGORY_KEYS.map((k) => ({
      category: k,
      label: PROFILE_CATEGORIES[k],
      ms: ms(byCategory.get(k) ?? 0),
      share: share(byCategory.get(k) ?? 0),
    })),
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topCount)
      .map((e) => ({ function: e.function, file: e.file, category: e.category, ms: ms(e.us), share: share(e.us) })),
    stock_kernels: [...byKernel]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topCount)
      .map(([kernel, us]) => ({ kernel, ms: ms(us), share: share(us) })),
  };
}

/** Options of {@link runProfileCase}. */
export interface ProfileCaseOptions {
  readonly model: BenchModelName;
  readonly backend: BackendName;
  /** Training images `count*784` in [0,1]; steps cycle over the first `images` of them. */
  readonly data: Float32Array;
  /** Images the steps cycle over (a positive multiple of `batch`). */
  readonly images: number;
  /** Batch size (default 100). */
  readonly batch?: number;
  /** Profiled training steps (default 30). */
  readonly steps?: number;
  /** Training steps before the profile starts (default 3). */
  readonly warmupSteps?: number;
  /** The profiler's sampling interval, microseconds (default 250). */
  readonly intervalUs?: number;
  /** wasm kernels (default 'fast'). */
  readonly kernels?: BenchKernels;
  /** wasm threads (only when wasm first starts in the process). */
  readonly wasmThreads?: number;
  /** Functions to list (default 15). */
  readonly top?: number;
  /** Write the raw profile here (a `.cpuprofile` Chrome DevTools opens), atomically. */
  readonly cpuProfileOut?: string;
}

/** One model's profile (one JSON line of `npm run bench -- --profile --json`). */
export interface ProfileResult extends ProfileSummary {
  readonly profile: 'cpu';
  readonly model: BenchModelName;
  readonly backend: BackendName;
  readonly kernels: BenchKernels;
  readonly threads: number;
  readonly batch: number;
  /** Profiled steps. */
  readonly steps: number;
  readonly warmup_steps: number;
  readonly interval_us: number;
  /** Wall-clock milliseconds per profiled step (the profiler's own cost included). */
  readonly ms_per_step: number;
  /** This process's CPU milliseconds per profiled step, helper threads included. */
  readonly cpu_ms_per_step: number;
  /** The machine's 1-minute load average before the profile, and its cores. */
  readonly load_avg: number;
  readonly cores: number;
  /** Where the raw profile was written, if asked. */
  readonly cpu_profile_file?: string;
}

/** The export tables of the wasm binaries tfjs-backend-wasm ships (one per build: plain, SIMD, threaded SIMD); none when unreadable. */
function stockWasmExportTables(): Array<Map<number, string>> {
  try {
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.wasm'))
      .map((f) => wasmFunctionExports(fs.readFileSync(path.join(dir, f))));
  } catch {
    return [];
  }
}

function positiveInteger(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`bench --profile: ${what} must be a positive integer, got ${v}`);
  return v;
}

/** A promise-returning `post` on an inspector session. */
function poster(session: inspector.Session): (method: string, params?: object) => Promise<unknown> {
  return (method, params) =>
    new Promise((resolve, reject) => {
      session.post(method, params ?? {}, (err: Error | null, result?: unknown) => (err ? reject(err) : resolve(result)));
    });
}

/**
 * Trains `model` for `warmupSteps`, then profiles `steps` more and summarizes the profile; frees
 * everything it made (tensors before = after). RangeError for bad sizes.
 */
export async function runProfileCase(options: ProfileCaseOptions): Promise<ProfileResult> {
  const batch = positiveInteger('batch', options.batch ?? 100);
  const steps = positiveInteger('steps', options.steps ?? 30);
  const warmupSteps = options.warmupSteps ?? 3;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0)
    throw new RangeError(`bench --profile: warm-up steps must be an integer >= 0, got ${warmupSteps}`);
  const intervalUs = positiveInteger('sampling interval (us)', options.intervalUs ?? 250);
  const { images, data } = options;
  if (!Number.isInteger(images) || images < batch || images % batch !== 0) {
    throw new RangeError(`bench --profile: images must be a positive multiple of the batch (${batch}), got ${images}`);
  }
  if (data.length < images * 784) throw new RangeError(`bench --profile: data holds ${Math.floor(data.length / 784)} images, ${images} asked for`);
  const kernels = options.kernels ?? 'fast';
  const backend = await startBenchBackend(options.backend, kernels, options.wasmThreads);
  const training = createBenchTraining({ model: options.model, data, batch });
  const batches = images / batch;
  let k = 0;
  const step = (): void => {
    training.step((k++ % batches) * batch, false);
  };
  const session = new inspector.Session();
  session.connect();
  const post = poster(session);
  let raw: inspector.Profiler.Profile;
  let wallMs: number;
  let cpuMs: number;
  const loadAvg = os.loadavg()[0];
  try {
    for (let i = 0; i < warmupSteps; i++) step();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: intervalUs });
    await post('Profiler.start');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    // Wait for the last step's results, as a training loop reading its loss would.
    training.model.decoder.trainableWeights[0].read().dataSync();
    wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    cpuMs = (cpu.user + cpu.system) / 1000;
    raw = ((await post('Profiler.stop')) as { profile: inspector.Profiler.Profile }).profile;
    await post('Profiler.disable');
  } finally {
    session.disconnect();
    training.dispose();
  }
  if (options.cpuProfileOut !== undefined) writeFileAtomic(options.cpuProfileOut, JSON.stringify(raw));
  const summary = summarizeProfile(raw, options.top ?? 15, pickStockExports(raw, stockWasmExportTables()));
  const r2 = (v: number): number => Number(v.toFixed(2));
  return {
    profile: 'cpu',
    model: options.model,
    backend,
    kernels,
    threads: wasmThreadCount(),
    batch,
    steps,
    warmup_steps: warmupSteps,
    interval_us: intervalUs,
    ms_per_step: r2(wallMs / steps),
    cpu_ms_per_step: r2(cpuMs / steps),
    load_avg: r2(loadAvg),
    cores: availableCores(),
    ...(options.cpuProfileOut !== undefined ? { cpu_profile_file: options.cpuProfileOut } : {}),
    ...summary,
  };
}

/** The text report of one profile: a header, the categories (ms per step, share) and the top functions. */
export function formatProfile(r: ProfileResult): string[] {
  const pct = (v: number): string => `${v.toFixed(1)}%`.padStart(6);
  const perStep = (ms: number): string => (ms / r.steps).toFixed(2).padStart(8);
  const lines = [
    `${r.model} on ${r.backend} (${r.kernels} kernels, ${r.threads} thread${r.threads === 1 ? '' : 's'}), batch ${r.batch}: ` +
      `${r.steps} profiled steps after ${r.warmup_steps} warm-up, ${r.ms_per_step} ms/step wall, ${r.cpu_ms_per_step} ms/step CPU ` +
      `(load ${r.load_avg} on ${r.cores} cores; ${r.samples} samples every ${r.interval_us} us)`,
    `  self time by category (main thread)                                  ms/step  share`,
  ];
  for (const c of r.categories) lines.push(`  ${c.label.padEnd(68)} ${perStep(c.ms)} ${pct(c.share)}`);
  lines.push(`  top functions by self time`);
  for (const f of r.top) lines.push(`  ${pct(f.share)} ${perStep(f.ms)} ms  ${f.function}  ${f.file}  [${f.category}]`);
  if (r.stock_kernels.length > 0) {
    lines.push(`  stock wasm time by the backend's exported function (kernel) it ran under`);
    for (const k of r.stock_kernels) lines.push(`  ${pct(k.share)} ${perStep(k.ms)} ms  ${k.kernel}`);
  }
  if (r.cpu_profile_file !== undefined) lines.push(`  raw profile: ${r.cpu_profile_file} (open it in Chrome DevTools, Performance tab)`);
  return lines;
}
