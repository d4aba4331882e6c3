/**
 * `npm run bench [-- options]`: training / inference / MAP-denoising speed of the benchmark models
 * (shapes of ../shared/peers/pytorch_bench.py) on MNIST, per model and backend.
 *
 *   --json                one JSON object per model and backend, one per line
 *   --backend wasm,cpu    backends to run (default: wasm)
 *   --models a,b          dense_vae, conv_vae, conv_ae (default: all three)
 *   --n 5000              training images per pass (multiple of the batch; default 5000, as the peer)
 *   --batch 100           batch size
 *   --map-iters 20        MAP-denoising iterations
 *   --kernels fast|stock  vaelab's fast wasm kernels (default) or the stock ones
 *   --threads N           XNNPACK threads for wasm (default: VAELAB_WASM_THREADS, else 1)
 *   --smoke               tiny run for CI (n = 200, 2 MAP iterations)
 */
import { loadMnist } from '../data';
import { runBenchCase, type BenchKernels, type BenchResult } from '../backend/bench';
import { BENCH_MODEL_NAMES, type BenchModelName } from '../backend/bench-models';
import type { BackendName } from '../backend';

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

interface Args {
  json: boolean;
  backends: BackendName[];
  models: BenchModelName[];
  n: number;
  batch: number;
  mapIters: number;
  kernels: BenchKernels;
  threads?: number;
}

function list<T extends string>(flag: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').filter((s) => s !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`bench: ${flag} ${item} is unknown; expected a comma-separated list of ${allowed.join(', ')}`);
    }
  }
  if (items.length === 0) throw new Error(`bench: ${flag} needs at least one of ${allowed.join(', ')}`);
  return items as T[];
}

function positiveInt(flag: string, value: string): number {
  const v = Number(value);
  if (!Number.isInteger(v) || v < 1) throw new Error(`bench: ${flag} must be a positive integer, got '${value}'`);
  return v;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, backends: ['wasm'], models: [...BENCH_MODEL_NAMES], n: 5000, batch: 100, mapIters: 20, kernels: 'fast' };
  let smoke = false;
  let nGiven = false;
  let itersGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`bench: ${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--json':
        a.json = true;
        break;
      case '--smoke':
        smoke = true;
        break;
      case '--backend':
      case '--backends':
        a.backends = list(flag, value(), BACKENDS);
        break;
      case '--models':
        a.models = list(flag, value(), BENCH_MODEL_NAMES);
        break;
      case '--n':
        a.n = positiveInt(flag, value());
        nGiven = true;
        break;
      case '--batch':
        a.batch = positiveInt(flag, value());
        break;
      case '--map-iters':
        a.mapIters = positiveInt(flag, value());
        itersGiven = true;
        break;
      case '--threads':
        a.threads = positiveInt(flag, value());
        break;
      case '--kernels':
        a.kernels = list(flag, value(), ['fast', 'stock'] as const)[0];
        break;
      case '--help':
      case '-h':
        console.log('usage: npm run bench -- [--json] [--backend wasm,cpu] [--models dense_vae,conv_vae,conv_ae] [--n 5000] [--batch 100] [--map-iters 20] [--kernels fast|stock] [--threads N] [--smoke]');
        process.exit(0);
        break;
      default:
        throw new Error(`bench: unknown option '${flag}' (try --help)`);
    }
  }
  if (smoke) {
    if (!nGiven) a.n = 2 * a.batch;
    if (!itersGiven) a.mapIters = 2;
  }
  if (a.n % a.batch !== 0) throw new Error(`bench: --n (${a.n}) must be a multiple of --batch (${a.batch})`);
  return a;
}

function row(r: BenchResult): string {
  const cells = [
    r.model.padEnd(10),
    r.backend.padEnd(6),
    `${r.kernels}/${r.threads}t`.padEnd(8),
    String(r.images_per_s).padStart(9),
    String(r.cpu_images_per_s).padStart(9),
    String(r.inference_images_per_s).padStart(10),
    String(r.map_iters_per_s).padStart(8),
    String(r.peak_rss_mb).padStart(8),
    `${r.tensors_before}/${r.tensors_after}`.padStart(9),
  ];
  return cells.join(' ');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const data = loadMnist({ testCount: 1 }).train;
  if (data.count < args.n) throw new Error(`bench: --n ${args.n} exceeds the ${data.count} MNIST training images`);
  if (!args.json) {
    console.log(`vaelab bench: ${args.n} MNIST training images, batch ${args.batch}, Adam 1e-3`);
    console.log('model      backend kernels    train/s  train/cpu-s  infer/s  map it/s  rss MB  tensors');
  }
  let leaks = 0;
  for (const backend of args.backends) {
    for (const model of args.models) {
      const r = await runBenchCase({
        model,
        backend,
        data: data.images,
        images: args.n,
        batch: args.batch,
        mapIterations: args.mapIters,
        kernels: args.kernels,
        wasmThreads: args.threads,
      });
      if (r.tensors_after !== r.tensors_before) leaks++;
      console.log(args.json ? JSON.stringify(r) : row(r));
    }
  }
  if (leaks > 0) {
    console.error(`bench: ${leaks} case(s) leaked tensors (tensors_after != tensors_before)`);
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
