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
  PROFILE_CATEGORIES,
  shortUrl,
  summarizeProfile,
  type CpuProfileLike,
  type ProfileCategory,
} from '../src/tools/bench/bench-profile';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'cli', 'bench.js');

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
        '2',
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
      steps: 2,
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
    expect(p.cpu_profile_file).toBe(out);
    const raw = JSON.parse(fs.readFileSync(out, 'utf8')) as CpuProfileLike;
    expect(raw.nodes.length).toBeGreaterThan(0);
    expect(raw.samples?.length).toBe(p.samples);
    expect(fs.readdirSync(dir)).toEqual(['dense.cpuprofile']); // no temporary file left
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
