/**
 * `npm run bench -- --profile`: the classifier and aggregator on a hand-made CPU profile (expected
 * times worked out by hand below), and the tool itself run on dense_vae (compiled dist/).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  classifyFrame,
  pickStockExports,
  PROFILE_CATEGORIES,
  shortUrl,
  summarizeProfile,
  wasmFunctionExports,
  type CpuProfileLike,
  type ProfileCategory,
} from '../src/tools/bench/bench-profile';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'cli', 'bench.js');

/** The part of the WebAssembly API used here (the project's lib settings have no DOM types). */
const Wasm = (
  globalThis as unknown as { WebAssembly: { Module: { new (b: Uint8Array): object; exports(m: object): Array<{ name: string; kind: string }> } } }
).WebAssembly;

const repo = 'file:///repo';
const CORE = `${repo}/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js`;
const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

/**
 * A call tree as V8 writes it, and 17 samples. Node ids:
 *   1 (root)
 *   ├─ 2 (program)                      ├─ 3 (garbage collector)         ├─ 17 (idle)
 *   ├─ 14 memoryUsage (native)          ├─ 18 listOnTimeout (node:internal)
 *   ├─ 4 trainStep (dist/tools/bench)
 *   │   ├─ 5 runKernel (tfjs-core, line 4704)
 *   │   │   └─ 7 wasm-function[270] (stock wasm module)
 *   │   ├─ 6 outer4x8 (wasm://wasm/vaelab-...)
 *   │   ├─ 8 awaitWorkers (dist/engine/wasm-gemm-workers.js)
 *   │   │   └─ 10 wait (native: Atomics.wait)
 *   │   └─ 12 matMul (dist/engine/wasm-gemm.js)
 *   │       ├─ 13 js-to-wasm:iii: (V8's wrapper; its url names another module)
 *   │       └─ 19 outer4x8 (the same function as node 6, another caller)
 *   ├─ 9 call (tfjs-layers)
 *   ├─ 15 ccall (tfjs-backend-wasm's glue)
 *   └─ 16 gradFunc (the @tensorflow/tfjs bundle)
 */
const NODES: CpuProfileLike['nodes'] = [
  { id: 1, callFrame: frame('(root)'), children: [2, 3, 17, 14, 18, 4, 9, 15, 16] },
  { id: 2, callFrame: frame('(program)') },
  { id: 3, callFrame: frame('(garbage collector)') },
  { id: 17, callFrame: frame('(idle)') },
  { id: 14, callFrame: frame('memoryUsage') },
  { id: 18, callFrame: frame('listOnTimeout', 'node:internal/timers', 500) },
  { id: 4, callFrame: frame('trainStep', `${repo}/dist/tools/bench/bench-train.js`, 40), children: [5, 6, 8, 12] },
  { id: 5, callFrame: frame('runKernel', CORE, 4703), children: [7] },
  { id: 7, callFrame: frame('wasm-function[270]', 'wasm://wasm/001a96ee') },
  { id: 6, callFrame: frame('outer4x8', 'wasm://wasm/vaelab-0001abcd') },
  { id: 8, callFrame: frame('awaitWorkers', `${repo}/dist/engine/wasm-gemm-workers.js`, 133), children: [10] },
  { id: 10, callFrame: frame('wait') },
  { id: 12, callFrame: frame('matMul', `${repo}/dist/engine/wasm-gemm.js`, 10), children: [13, 19] },
  { id: 13, callFrame: frame('js-to-wasm:iii:', 'wasm://wasm/001a96ee') },
  { id: 19, callFrame: frame('outer4x8', 'wasm://wasm/vaelab-0001abcd') },
  { id: 9, callFrame: frame('call', `${repo}/node_modules/@tensorflow/tfjs-layers/dist/tf-layers.node.js`, 99) },
  { id: 15, callFrame: frame('ccall', `${repo}/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js`, 8288) },
  { id: 16, callFrame: frame('gradFunc', `${repo}/node_modules/@tensorflow/tfjs/dist/tf.node.js`, 3626) },
];

/** [node, microseconds until the next sample]: 17 samples, 2,000 us in all. */
const SAMPLES: Array<[number, number]> = [
  [6, 400], // vaelab wasm
  [19, 200], // vaelab wasm, same function as node 6: outer4x8 600 in all
  [7, 300], // stock wasm
  [5, 100], // tfjs-core
  [10, 150], // native under awaitWorkers: waiting
  [8, 50], // waiting
  [13, 20], // wrapper called from the engine's JS: engine JS
  [12, 80], // engine JS
  [3, 100], // gc
  [2, 40], // other
  [14, 10], // native under the root: other
  [4, 30], // vaelab JS
  [9, 70], // tfjs-layers
  [15, 90], // stock glue
  [16, 60], // tfjs bundle: tfjs-core
  [17, 200], // idle
  [18, 100], // Node internals: other
];

/** The profile: starts at 1,000 us, first sample 5 us later (not counted), ends when the last sample's time is up. */
function handMadeProfile(): CpuProfileLike {
  const timeDeltas = [5, ...SAMPLES.slice(0, -1).map(([, us]) => us)];
  return { nodes: NODES, startTime: 1000, endTime: 1005 + 2000, samples: SAMPLES.map(([id]) => id), timeDeltas };
}

describe('classifyFrame', () => {
  test.each<[string, string, ProfileCategory | null]>([
    ['outer4x8', 'wasm://wasm/vaelab-0001abcd', 'vaelab_wasm'],
    ['wasm-function[3]', 'wasm://wasm/001a96ee', 'stock_wasm'],
    ['wasm-function[3]', 'wasm://wasm/other-001a96ee', 'stock_wasm'],
    ['js-to-wasm:iii:', 'wasm://wasm/vaelab-0001abcd', null],
    ['awaitWorkers', `${repo}/dist/engine/wasm-gemm-workers.js`, 'helper_wait'],
    ['run', `${repo}/dist/engine/wasm-gemm-workers.js`, 'vaelab_engine_js'],
    ['awaitWorkers', '/repo/src/engine/wasm-gemm-workers.ts', 'helper_wait'],
    ['planProduct', `${repo}/dist/engine/wasm-gemm.js`, 'vaelab_engine_js'],
    ['createBenchTraining', `${repo}/dist/tools/bench/bench-train.js`, 'vaelab_js'],
    ['kernelFunc', `${repo}/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js`, 'stock_wasm_js'],
    ['call', `${repo}/node_modules/@tensorflow/tfjs-layers/dist/tf-layers.node.js`, 'tfjs_layers'],
    ['kernelFunc', CORE, 'tfjs_core'],
    ['prng', `${repo}/node_modules/seedrandom/lib/alea.js`, 'other'],
    // A package's own dist/ folder is not vaelab's.
    ['f', `${repo}/node_modules/some-package/dist/engine/x.js`, 'other'],
    ['(garbage collector)', '', 'gc'],
    ['(idle)', '', 'idle'],
    ['(program)', '', 'other'],
    ['get buffer', '', null],
    ['wrapSafe', 'node:internal/modules/cjs/loader', 'other'],
  ])('%s at %s -> %s', (functionName, url, expected) => {
    expect(classifyFrame({ functionName, url })).toBe(expected);
  });
});

test('shortUrl keeps the part a reader needs', () => {
  expect(shortUrl('file:///work/x/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js')).toBe('@tensorflow/tfjs-core/dist/tf-core.node.js');
  expect(shortUrl('file:///work/wt/dist/engine/wasm-gemm.js')).toBe('dist/engine/wasm-gemm.js');
  expect(shortUrl('')).toBe('(native)');
  expect(shortUrl('node:internal/timers')).toBe('node:internal/timers');
});

test('summarizeProfile adds self time by category and by function (hand-computed)', () => {
  const s = summarizeProfile(handMadeProfile(), 4);
  expect(s.samples).toBe(17);
  expect(s.sampled_ms).toBeCloseTo(2.0, 9);
  // Microseconds per category out of 2,000 (see SAMPLES): share = us / 20.
  const expectedUs: Record<ProfileCategory, number> = {
    vaelab_wasm: 400 + 200,
    vaelab_engine_js: 20 + 80,
    helper_wait: 150 + 50,
    stock_wasm: 300,
    stock_wasm_js: 90,
    tfjs_core: 100 + 60,
    tfjs_layers: 70,
    vaelab_js: 30,
    gc: 100,
    idle: 200,
    other: 40 + 10 + 100,
  };
  expect(s.categories.map((c) => c.category)).toEqual(Object.keys(PROFILE_CATEGORIES));
  for (const c of s.categories) {
    expect(c.label).toBe(PROFILE_CATEGORIES[c.category]);
    expect(c.ms).toBeCloseTo(expectedUs[c.category] / 1000, 9);
    expect(c.share).toBeCloseTo(expectedUs[c.category] / 20, 9);
  }
  // Top 4 functions: outer4x8 from two call sites (600), the stock function (300), idle (200), wait (150).
  expect(s.top).toEqual([
    { function: 'outer4x8', file: 'wasm://wasm/vaelab-0001abcd', category: 'vaelab_wasm', ms: 0.6, share: 30 },
    { function: 'wasm-function[270]', file: 'wasm://wasm/001a96ee', category: 'stock_wasm', ms: 0.3, share: 15 },
    { function: '(idle)', file: '(native)', category: 'idle', ms: 0.2, share: 10 },
    { function: 'wait', file: '(native)', category: 'helper_wait', ms: 0.15, share: 7.5 },
  ]);
  // JavaScript functions are named with their 1-based line; the wrapper by what it is.
  const all = summarizeProfile(handMadeProfile(), 100).top;
  expect(all).toHaveLength(16); // 17 sampled nodes, two of them the same function
  expect(all.find((f) => f.function === 'runKernel')).toEqual({
    function: 'runKernel',
    file: '@tensorflow/tfjs-core/dist/tf-core.node.js:4704',
    category: 'tfjs_core',
    ms: 0.1,
    share: 5,
  });
  expect(all.find((f) => f.function === 'js-to-wasm:iii:')).toMatchObject({
    file: '(call wrapper)',
    category: 'vaelab_engine_js',
    ms: 0.02,
    share: 1,
  });
});

test('summarizeProfile refuses a malformed profile with a TypeError that says what is wrong', () => {
  const p = handMadeProfile();
  expect(() => summarizeProfile({ ...p, timeDeltas: p.timeDeltas?.slice(1) })).toThrow(/17 samples but 16 time deltas/);
  expect(() => summarizeProfile({ ...p, samples: [99, ...(p.samples ?? []).slice(1)] })).toThrow(/node 99/);
  // An empty profile has nothing to share out.
  const empty = summarizeProfile({ nodes: NODES, startTime: 0, endTime: 10, samples: [], timeDeltas: [] });
  expect(empty.sampled_ms).toBe(0);
  expect(empty.categories.every((c) => c.share === 0)).toBe(true);
});

/**
 * Stock wasm under two exported entry points, as V8 records it:
 *   1 (root) ─ 2 kernelFunc (backend glue) ─ 3 js-to-wasm:ii: ─ 4 wasm-function[10] ─ 5 wasm-function[200]
 *            └ 6 ccall (backend glue) ─ 7 wasm-function[11] ─ 8 wasm-function[200]
 * Samples (us): node 5 300, node 4 100, node 8 200, node 7 50, node 2 50: 700 in all.
 */
function stockProfile(): CpuProfileLike {
  const GLUE = `${repo}/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js`;
  const STOCK = 'wasm://wasm/00aa11bb';
  const nodes: CpuProfileLike['nodes'] = [
    { id: 1, callFrame: frame('(root)'), children: [2, 6] },
    { id: 2, callFrame: frame('kernelFunc', GLUE, 443), children: [3] },
    { id: 3, callFrame: frame('js-to-wasm:ii:', 'wasm://wasm/vaelab-0001abcd'), children: [4] },
    { id: 4, callFrame: frame('wasm-function[10]', STOCK), children: [5] },
    { id: 5, callFrame: frame('wasm-function[200]', STOCK) },
    { id: 6, callFrame: frame('ccall', GLUE, 8288), children: [7] },
    { id: 7, callFrame: frame('wasm-function[11]', STOCK), children: [8] },
    { id: 8, callFrame: frame('wasm-function[200]', STOCK) },
  ];
  const samples: Array<[number, number]> = [
    [5, 300],
    [4, 100],
    [8, 200],
    [7, 50],
    [2, 50],
  ];
  return { nodes, startTime: 0, endTime: 700, samples: samples.map(([id]) => id), timeDeltas: [0, ...samples.slice(0, -1).map(([, us]) => us)] };
}

test('stock wasm time is named by the exported function (kernel) its stack entered through', () => {
  const exports = new Map([
    [10, 'Sigmoid'],
    [11, 'Log'],
    [12, 'Exp'],
  ]);
  const s = summarizeProfile(stockProfile(), 10, exports);
  // Sigmoid: nodes 5 and 4 = 400 of 700 us; Log: nodes 8 and 7 = 250 us.
  expect(s.stock_kernels).toEqual([
    { kernel: 'Sigmoid', ms: 0.4, share: 57.14 },
    { kernel: 'Log', ms: 0.25, share: 35.71 },
  ]);
  // The same inner function under two kernels is two rows, each saying which.
  expect(s.top.slice(0, 2)).toEqual([
    { function: 'wasm-function[200]', file: 'wasm://wasm/00aa11bb in Sigmoid', category: 'stock_wasm', ms: 0.3, share: 42.86 },
    { function: 'wasm-function[200]', file: 'wasm://wasm/00aa11bb in Log', category: 'stock_wasm', ms: 0.2, share: 28.57 },
  ]);
  // The wrapper has no time of its own here; the glue's 50 us are the glue's.
  expect(s.categories.find((c) => c.category === 'stock_wasm_js')?.share).toBeCloseTo(7.14, 9);
  // Without an export table the entries keep V8's names.
  expect(summarizeProfile(stockProfile(), 10).stock_kernels.map((k) => k.kernel)).toEqual(['wasm-function[10]', 'wasm-function[11]']);
});

test('pickStockExports takes the one export table that names the entry frames', () => {
  const named = new Map([
    [10, 'Sigmoid'],
    [11, 'Log'],
  ]);
  const oneMissing = new Map([[10, 'malloc']]);
  const otherMissing = new Map([[11, 'Log']]);
  expect(pickStockExports(stockProfile(), [oneMissing, named, otherMissing])).toBe(named);
  // Two builds that number the kernels alike: either names them.
  const sameNumbers = new Map([...named, [99, 'malloc']]);
  expect(pickStockExports(stockProfile(), [sameNumbers, named])).toBe(sameNumbers);
  // Two tables that name the entries differently: no way to tell, so none.
  const otherNames = new Map([
    [10, 'Sinh'],
    [11, 'Log'],
  ]);
  expect(pickStockExports(stockProfile(), [named, otherNames])).toBeUndefined();
  expect(pickStockExports(stockProfile(), [oneMissing, otherMissing])).toBeUndefined();
  // A table that misses half the entries is not trusted.
  expect(pickStockExports(stockProfile(), [oneMissing])).toBeUndefined();
});

test('wasmFunctionExports reads the function exports of a binary (imported functions count first)', () => {
  const str = (t: string): number[] => [t.length, ...Buffer.from(t)];
  const section = (id: number, body: number[]): number[] => [id, body.length, ...body];
  const bytes = Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [1, 0x60, 0, 0]), // one type: () -> ()
    ...section(2, [1, ...str('env'), ...str('f'), 0x00, 0]), // import env.f: function index 0
    ...section(3, [2, 0, 0]), // two functions: indices 1 and 2
    ...section(5, [1, 0x00, 1]), // a memory (exported below, not a function)
    ...section(7, [3, ...str('second'), 0x00, 2, ...str('mem'), 0x02, 0, ...str('first'), 0x00, 1]),
    ...section(10, [2, 2, 0, 0x0b, 2, 0, 0x0b]),
  ]);
  // The bytes are a valid module with these exports (checked by V8 itself).
  expect(Wasm.Module.exports(new Wasm.Module(bytes)).map((e) => `${e.name}:${e.kind}`)).toEqual(['second:function', 'mem:memory', 'first:function']);
  expect(wasmFunctionExports(bytes)).toEqual(
    new Map([
      [2, 'second'],
      [1, 'first'],
    ]),
  );
  expect(() => wasmFunctionExports(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a WebAssembly binary/);
});

test('bench --profile on dense_vae: one JSON line per model, shares summing to 100%, the raw profile written', () => {
  if (!fs.existsSync(CLI)) throw new Error('dist/ is missing: run "npm run build" first');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-profile-'));
  try {
    const out = path.join(dir, 'dense.cpuprofile');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        '--profile',
        '--json',
        '--models',
        'dense_vae',
        '--n',
        '200',
        '--profile-steps',
        '4',
        '--profile-interval',
        '50',
        '--warmup-steps',
        '1',
        '--threads',
        '1',
        '--cpu-prof-out',
        out,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
    );
    if (r.status !== 0) throw new Error(`bench --profile failed (${String(r.status)}): ${r.stderr}`);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const p = JSON.parse(lines[0]) as Record<string, unknown> & {
      categories: Array<{ category: string; ms: number; share: number }>;
      top: Array<{ function: string; file: string; category: string; share: number }>;
    };
    expect(p).toMatchObject({
      profile: 'cpu',
      model: 'dense_vae',
      backend: 'wasm',
      kernels: 'fast',
      threads: 1,
      batch: 100,
      steps: 4,
      warmup_steps: 1,
    });
    for (const k of ['ms_per_step', 'cpu_ms_per_step', 'sampled_ms', 'samples'] as const) expect(p[k]).toBeGreaterThan(0);
    expect(p.categories.map((c) => c.category)).toEqual(Object.keys(PROFILE_CATEGORIES));
    const total = p.categories.reduce((a, c) => a + c.share, 0);
    expect(Math.abs(total - 100)).toBeLessThan(0.1);
    // vaelab's products run in its named wasm module, so the engine's wasm shows up as such.
    expect(p.categories.find((c) => c.category === 'vaelab_wasm')?.share).toBeGreaterThan(0);
    expect(p.top.length).toBeGreaterThan(0);
    expect(p.top.length).toBeLessThanOrEqual(15);
    for (let i = 1; i < p.top.length; i++) expect(p.top[i].share).toBeLessThanOrEqual(p.top[i - 1].share);
    for (const f of p.top) expect(Object.keys(PROFILE_CATEGORIES)).toContain(f.category);
    // The dense VAE's step still runs stock element-wise kernels (the sigmoid, the KL term's Exp,
    // Square, Sub, Sum, ...), named from the backend's own binary (any one of them is enough: a
    // 4-step profile sampled every 50 us holds about 1 ms of them).
    const kernels = (p.stock_kernels as Array<{ kernel: string }>).map((k) => k.kernel);
    const stockInStep = ['Sigmoid', 'Exp', 'Square', 'Sub', 'Sum', 'Multiply', 'RealDiv', 'Neg', 'Add', 'Fill', 'Log', 'Maximum', 'GreaterEqual'];
    expect(kernels.filter((k) => stockInStep.includes(k)).length).toBeGreaterThan(0);
    expect(p.cpu_profile_file).toBe(out);
    const raw = JSON.parse(fs.readFileSync(out, 'utf8')) as CpuProfileLike;
    expect(raw.nodes.length).toBeGreaterThan(0);
    expect(raw.samples?.length).toBe(p.samples);
    expect(fs.readdirSync(dir)).toEqual(['dense.cpuprofile']); // no temporary file left
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
