/**
 * `npm run bench -- --scaling` and the bench's command line: argument errors, the choice of images per
 * case, the table, failing children, and a smoke sweep of the compiled CLI (dist/).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseBenchArgs } from '../src/tools/bench/bench-args';
import type { BenchResult } from '../src/tools/bench/bench';
import { leastCommonMultiple, parseBenchLines, runScaling, scalingImages, scalingTable, type ScalingResult } from '../src/tools/bench/bench-scaling';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'cli', 'bench.js');
const parse = (...argv: string[]) => parseBenchArgs(argv, ROOT);

describe('bench arguments', () => {
  test.each<[string[], RegExp]>([
    [['--scaling', '--batches', '32,abc'], /--batches '32,abc': 'abc' is not a positive integer; expected a comma-separated list such as 32,100,300/],
    [['--scaling', '--batches', '32,,100'], /'' is not a positive integer/],
    [['--scaling', '--batches', '0'], /'0' is not a positive integer/],
    [['--scaling', '--batches', '1.5'], /'1.5' is not a positive integer/],
    [['--scaling', '--batches', '32,100,32'], /lists 32 twice/],
    [['--scaling', '--batches'], /--batches needs a value/],
    [['--scaling', '--batches', '--json'], /--batches needs a value/],
    [
      ['--scaling', '--threads-list', '1,two'],
      /--threads-list '1,two': 'two' is not a positive integer; expected a comma-separated list such as 1,2/,
    ],
    [['--scaling', '--threads-list', '-1'], /'-1' is not a positive integer/],
    [['--batches', '32,100'], /--batches goes with --scaling/],
    [['--threads-list', '1,2'], /--threads-list goes with --scaling/],
    [['--scaling', '--batch', '100'], /--scaling sweeps --batches/],
    [['--scaling', '--threads', '2'], /--scaling sweeps --threads-list/],
    [['--scaling', '--backend', 'cpu'], /--scaling measures the wasm backend/],
    [['--scaling', '--profile'], /--scaling and --profile do not go together/],
    [['--profile', '--peer'], /--profile and --peer do not go together/],
    [['--profile-steps', '5'], /--profile-steps goes with --profile/],
    [['--cpu-prof-out', 'x.cpuprofile'], /--cpu-prof-out goes with --profile/],
    [['--profile', '--profile-steps', '0'], /--profile-steps must be a positive integer, got '0'/],
    [['--profile', '--warmup-steps', '-1'], /--warmup-steps must be an integer >= 0, got '-1'/],
    [['--n', 'abc'], /--n must be a positive integer, got 'abc'/],
    [['--n', '150'], /--n \(150\) must be a multiple of --batch \(100\)/],
    [['--models', 'dense_vae,mlp'], /--models mlp is unknown; expected a comma-separated list of dense_vae, conv_vae, conv_ae/],
    [['--fast'], /unknown option '--fast'/],
    [
      ['--peer', '--peer-blas-threads', 'own,0'],
      /--peer-blas-threads 'own,0': '0' is neither 'own' nor a positive integer; expected a comma-separated list/,
    ],
    [['--peer', '--peer-blas-threads', 'all'], /'all' is neither 'own' nor a positive integer/],
    [['--peer', '--peer-blas-threads', '1,own,1'], /lists 1 twice/],
    [['--peer', '--peer-blas-threads', 'own,'], /'' is neither 'own' nor a positive integer/],
    [['--peer-blas-threads', '1'], /--peer-blas-threads goes with --peer/],
  ])('%j -> %s', (argv, message) => {
    expect(() => parse(...argv)).toThrow(message);
  });

  test("--peer runs the peer both as specified (OpenBLAS's own threads) and with one BLAS thread, unless told otherwise", () => {
    expect(parse('--peer')).toMatchObject({ peerBlas: ['own', 1], rounds: 3, peerThreads: 2 });
    expect(parse('--peer', '--peer-blas-threads', 'own')).toMatchObject({ peerBlas: ['own'] });
    expect(parse('--peer', '--peer-blas-threads', '2,own')).toMatchObject({ peerBlas: [2, 'own'] });
  });

  test('defaults and accepted values', () => {
    expect(parse('--scaling')).toMatchObject({ mode: 'scaling', batches: [32, 100, 300], threadsList: [1, 2], n: 5000, rounds: 1 });
    expect(parse('--scaling', '--batches', '300,32', '--threads-list', '2,1', '--rounds', '3')).toMatchObject({
      batches: [300, 32],
      threadsList: [2, 1],
      rounds: 3,
    });
    // --smoke: two of the largest batch unless --n is given.
    expect(parse('--scaling', '--smoke', '--batches', '4,8')).toMatchObject({ n: 16, mapIters: 2 });
    expect(parse('--profile')).toMatchObject({ mode: 'profile', profileSteps: 30, warmupSteps: 3, profileIntervalUs: 250, top: 15, batch: 100 });
    expect(parse('--profile', '--smoke')).toMatchObject({ profileSteps: 2, warmupSteps: 1, n: 200 });
    expect(parse('--profile', '--cpu-prof-out', 'a/b.cpuprofile').cpuProfOut).toBe(path.resolve('a/b.cpuprofile'));
    expect(parse()).toMatchObject({ mode: 'bench', batch: 100, n: 5000, rounds: 1 });
    expect(parse('--help').help).toBe(true);
  });
});

describe('images per case', () => {
  test('least common multiple', () => {
    expect(leastCommonMultiple([4, 6])).toBe(12);
    // 32 = 2^5, 100 = 2^2 5^2, 300 = 2^2 3 5^2: 2^5 3 5^2 = 2,400.
    expect(leastCommonMultiple([32, 100, 300])).toBe(2400);
  });

  test('the multiple of the lcm nearest to the target, the same for every batch', () => {
    const s = scalingImages([32, 100, 300], 5000, 60000);
    expect([...s.perBatch]).toEqual([
      [32, 4800],
      [100, 4800],
      [300, 4800],
    ]);
    expect(s.same).toBe(true);
    expect(s.note).toMatch(/4,800 images per case: the multiple of lcm\(32, 100, 300\) = 2,400 nearest to --n 5,000/);
    // lcm(7, 100) = 700; 5000 / 700 = 7.14 -> 4,900.
    expect(scalingImages([7, 100], 5000, 60000).perBatch.get(7)).toBe(4900);
    // A target below the lcm still gets one multiple.
    expect(scalingImages([32, 100, 300], 100, 60000).perBatch.get(32)).toBe(2400);
  });

  test('when the lcm exceeds the images, each batch rounds to its own multiple and says so', () => {
    // lcm(997, 991) = 988,027 (two primes) > 60,000: 5000 / 997 = 5.02 -> 4,985; 5000 / 991 = 5.05 -> 4,955.
    const s = scalingImages([997, 991], 5000, 60000);
    expect(s.same).toBe(false);
    expect(s.perBatch.get(997)).toBe(4985);
    expect(s.perBatch.get(991)).toBe(4955);
    expect(s.note).toMatch(/more than the images available.*997: 4,985, 991: 4,955/);
    expect(() => scalingImages([32, 70000], 5000, 60000)).toThrow(/batch 70000 exceeds the 60000 training images/);
  });
});

/** A result line with the fields the table reads; the rest are filler. */
function line(
  model: 'dense_vae' | 'conv_ae',
  batch: number,
  requested: number,
  train: number,
  infer: number,
  round: number,
  threads = requested,
): ScalingResult {
  return {
    model,
    batch,
    threads,
    requested_threads: requested,
    images_per_s: train,
    inference_images_per_s: infer,
    round,
  } as unknown as ScalingResult;
}

test('the table: one row per model and batch, medians over rounds, a mark where threads could not start', () => {
  const results = [
    line('dense_vae', 32, 1, 100, 10, 1),
    line('dense_vae', 32, 1, 300, 30, 2),
    line('dense_vae', 32, 1, 200, 20, 3),
    line('dense_vae', 32, 2, 1500, 4000, 1),
    line('dense_vae', 32, 2, 2500, 6000, 2),
    line('dense_vae', 100, 1, 3000, 9000, 1),
    line('dense_vae', 100, 2, 3100, 9100, 1, 1),
  ];
  const t = scalingTable(results, ['dense_vae', 'conv_ae'], [32, 100], [1, 2]);
  expect(t[0].split(/\s{2,}/)).toEqual(['model', 'batch', '1 thread', '2 threads']);
  // Medians: (100, 200, 300) -> 200 and (10, 20, 30) -> 20; two rounds: (1500 + 2500) / 2, (4000 + 6000) / 2.
  expect(t[1].trim().split(/\s{2,}/)).toEqual(['dense_vae', '32', '200 (20)', '2,000 (5,000)']);
  expect(t[2].trim().split(/\s{2,}/)).toEqual(['dense_vae', '100', '3,000 (9,000)', '3,100 (9,100)*']);
  // No results for conv_ae: dashes.
  expect(t[3].trim().split(/\s{2,}/)).toEqual(['conv_ae', '32', '-', '-']);
  expect(t).toHaveLength(5);
});

test("parseBenchLines keeps a child's result lines and refuses anything else", () => {
  const r = { model: 'dense_vae', batch: 4, threads: 1, images_per_s: 10 };
  expect(parseBenchLines(`${JSON.stringify(r)}\n\n${JSON.stringify({ ...r, batch: 8 })}\n`).map((x: BenchResult) => x.batch)).toEqual([4, 8]);
  expect(() => parseBenchLines('vaelab bench: 200 images\n')).toThrow(/not JSON: vaelab bench/);
  expect(() => parseBenchLines('{"peer":"pytorch"}')).toThrow(/without model, batch, threads and images_per_s/);
});

test('a failing child stops the sweep with the case and its status', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-scaling-'));
  try {
    const failing = path.join(dir, 'fail.js');
    fs.writeFileSync(failing, 'process.exit(3);\n');
    const options = {
      models: ['dense_vae'] as const,
      batches: [4],
      threadsList: [2],
      images: new Map([[4, 8]]),
      mapIters: 1,
      kernels: 'fast' as const,
    };
    expect(() => runScaling({ ...options, script: failing })).toThrow(/the run with --threads 2 --batch 4 --n 8 exited with status 3/);
    const wrongBatch = path.join(dir, 'wrong.js');
    fs.writeFileSync(wrongBatch, `console.log(JSON.stringify({ model: 'dense_vae', batch: 100, threads: 2, images_per_s: 1 }));\n`);
    expect(() => runScaling({ ...options, script: wrongBatch })).toThrow(/reported models \[dense_vae\] and batches \[100\]/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a smoke sweep of the CLI: one JSON line per (batch, threads), batches outer, with batch and threads set', () => {
  if (!fs.existsSync(CLI)) throw new Error('dist/ is missing: run "npm run build" first');
  const r = spawnSync(
    process.execPath,
    [CLI, '--scaling', '--smoke', '--json', '--models', 'dense_vae', '--batches', '4,8', '--threads-list', '1,2', '--n', '8', '--map-iters', '1'],
    { cwd: ROOT, encoding: 'utf8', timeout: 110_000 },
  );
  if (r.status !== 0) throw new Error(`bench --scaling failed (${String(r.status)}): ${r.stderr}`);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ScalingResult);
  expect(lines.map((l) => [l.batch, l.requested_threads])).toEqual([
    [4, 1],
    [4, 2],
    [8, 1],
    [8, 2],
  ]);
  for (const l of lines) {
    expect(l).toMatchObject({ model: 'dense_vae', backend: 'wasm', kernels: 'fast', images: 8, round: 1 });
    // wasm really started with the thread count asked for (threads start on this machine: see backend-wasm-threads.test.ts).
    expect(l.threads).toBe(l.requested_threads);
    expect(l.images_per_s).toBeGreaterThan(0);
    expect(l.inference_images_per_s).toBeGreaterThan(0);
    expect(l.tensors_after).toBe(l.tensors_before);
  }
  // Same weights, same images, same batch: the same loss with 1 and 2 threads.
  expect(lines[1].final_loss).toBe(lines[0].final_loss);
  expect(lines[3].final_loss).toBe(lines[2].final_loss);
});
