/**
 * `npm run bench [-- options]`: training / inference / MAP-denoising speed of the benchmark models
 * (shapes of ../shared/peers/pytorch_bench.py) on MNIST, per model and backend; with `--peer`, the
 * PyTorch peer in the same run and the ratio vaelab / PyTorch.
 *
 *   --json                one JSON object per line: per model, backend and round; with --peer also
 *                         the peer's lines and one comparison line per model ({"comparison":"vaelab/pytorch",...})
 *   --backend wasm,cpu    backends to run (default: wasm)
 *   --models a,b          dense_vae, conv_vae, conv_ae (default: all three)
 *   --n 5000              training images per pass (multiple of the batch; default 5000, as the peer)
 *   --batch 100           batch size
 *   --map-iters 20        MAP-denoising iterations
 *   --kernels fast|stock  vaelab's fast wasm kernels (default) or the stock ones
 *   --threads N           XNNPACK threads for wasm (default: VAELAB_WASM_THREADS, else one per core, at most 4)
 *   --peer [PATH]         also run the PyTorch peer (default PATH: ../shared/peers/pytorch_bench.py from the
 *                         repository root), alternating peer and vaelab each round; report the median
 *                         images/s of both, every round, and the ratio vaelab / peer per model
 *   --rounds K            rounds (default 3 with --peer, else 1)
 *   --python PATH         the peer's interpreter (default /usr/bin/python3; needs python3-torch)
 *   --peer-threads N      the peer's torch threads (default 2)
 *   --smoke               tiny run for CI (n = 200, 2 MAP iterations)
 *   --eval                the evaluation paths instead (encode, decode, errors, 1-NN, PCA, MAP over the test
 *                         set; options in src/tools/bench/bench-eval.ts)
 *
 * The peer runs without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in its environment, with the same
 * --n and --batch. Wall clock is shared with whatever else runs on the machine: compare the two on
 * an idle machine; `cpu_images_per_s` is vaelab's speed per second of its own CPU time.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { availableCores } from '../../backend/thread-policy';
import { loadMnist, mnistDataDir } from '../../data';
import { runBenchCase, type BenchKernels, type BenchResult } from '../bench/bench';
import { runEvalBench } from '../bench/bench-eval';
import { checkPeer, comparePeer, DEFAULT_PEER_PYTHON, DEFAULT_PEER_SCRIPT, runPeer, type PeerComparison, type PeerResult } from '../bench/bench-peer';
import { BENCH_MODEL_NAMES, type BenchModelName } from '../bench/bench-models';
import type { BackendName } from '../../backend';

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
  /** Peer script, when --peer is given. */
  peer?: string;
  rounds: number;
  python: string;
  peerThreads: number;
}

/** The repository root (this file is dist/tools/cli/bench.js or src/tools/cli/bench.ts). */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

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
  const a: Args = {
    json: false,
    backends: ['wasm'],
    models: [...BENCH_MODEL_NAMES],
    n: 5000,
    batch: 100,
    mapIters: 20,
    kernels: 'fast',
    rounds: 1,
    python: DEFAULT_PEER_PYTHON,
    peerThreads: 2,
  };
  let smoke = false;
  let roundsGiven = false;
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
      case '--peer': {
        // The path is optional: the next argument is it unless it is another option.
        const next = argv[i + 1];
        a.peer = next !== undefined && !next.startsWith('--') ? path.resolve(argv[++i]) : path.join(REPO_ROOT, DEFAULT_PEER_SCRIPT);
        break;
      }
      case '--rounds':
        a.rounds = positiveInt(flag, value());
        roundsGiven = true;
        break;
      case '--python':
        a.python = value();
        break;
      case '--peer-threads':
        a.peerThreads = positiveInt(flag, value());
        break;
      case '--kernels':
        a.kernels = list(flag, value(), ['fast', 'stock'] as const)[0];
        break;
      case '--help':
      case '-h':
        console.log(
          'usage: npm run bench -- [--json] [--backend wasm,cpu] [--models dense_vae,conv_vae,conv_ae] [--n 5000] [--batch 100]\n' +
            '         [--map-iters 20] [--kernels fast|stock] [--threads N] [--peer [PATH]] [--rounds K] [--python PATH]\n' +
            '         [--peer-threads N] [--smoke]',
        );
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
  if (a.peer !== undefined && !roundsGiven) a.rounds = 3;
  if (a.n % a.batch !== 0) throw new Error(`bench: --n (${a.n}) must be a multiple of --batch (${a.batch})`);
  return a;
}

function row(r: BenchResult): string {
  const cells = [
    r.model.padEnd(10),
    r.backend.padEnd(7),
    `${r.kernels}/${r.threads}t`.padEnd(11),
    String(r.images_per_s).padStart(9),
    String(r.cpu_images_per_s).padStart(11),
    String(r.inference_images_per_s).padStart(9),
    String(r.map_iters_per_s).padStart(8),
    String(r.peak_rss_mb).padStart(7),
    `${r.tensors_before}/${r.tensors_after}`.padStart(8),
  ];
  return cells.join(' ');
}

function peerRow(p: PeerResult): string {
  const cells = [
    p.model.padEnd(10),
    'torch'.padEnd(7),
    `${p.version.split('+')[0]}/${p.threads}t`.padEnd(11),
    String(p.images_per_s).padStart(9),
    '-'.padStart(11),
    '-'.padStart(9),
    '-'.padStart(8),
    '-'.padStart(7),
    '-'.padStart(8),
  ];
  return cells.join(' ');
}

function comparisonTable(rows: readonly PeerComparison[]): string[] {
  const fmt = (v: number): string => v.toFixed(0);
  const lines = [
    `vaelab / PyTorch peer: median training images/s (wall clock) over the rounds`,
    'model      backend      vaelab     peer   ratio  vaelab/cpu-s  rounds: vaelab | peer',
  ];
  for (const c of rows) {
    lines.push(
      [
        c.model.padEnd(10),
        `${c.backend}/${c.threads}t`.padEnd(8),
        fmt(c.vaelab_images_per_s).padStart(10),
        fmt(c.peer_images_per_s).padStart(8),
        c.ratio.toFixed(2).padStart(7),
        fmt(c.vaelab_cpu_images_per_s).padStart(13),
        ` ${c.vaelab_rounds.map(fmt).join(' ')} | ${c.peer_rounds.map(fmt).join(' ')}`,
      ].join(' '),
    );
  }
  return lines;
}

/** The uncompressed MNIST training images the peer reads. */
function peerIdxFile(): string {
  const dir = mnistDataDir();
  const found = ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
  return found ?? path.join(dir, 'train-images-idx3-ubyte');
}

async function main(): Promise<void> {
  if (process.argv.includes('--eval')) return void (await runEvalBench(process.argv.slice(2)));
  const args = parseArgs(process.argv.slice(2));
  const data = loadMnist({ testCount: 1 }).train;
  if (data.count < args.n) throw new Error(`bench: --n ${args.n} exceeds the ${data.count} MNIST training images`);
  const peer = args.peer === undefined ? undefined : { script: args.peer, python: args.python, idx: peerIdxFile() };
  // Check the peer before timing anything, so a missing torch fails at once.
  const torchVersion = peer ? await checkPeer(peer) : undefined;
  if (!args.json) {
    console.log(
      `vaelab bench: ${args.n} MNIST training images, batch ${args.batch}, Adam 1e-3` +
        (peer ? `; PyTorch ${torchVersion} peer (${args.peerThreads} threads) alternating with vaelab, ${args.rounds} round(s)` : ''),
    );
    const [load] = os.loadavg();
    console.log(
      `machine: ${availableCores()} core(s), load average ${load.toFixed(2)}` +
        (load > 1 ? " (other work is running: wall-clock numbers are shared with it; train/cpu-s is per second of this process's CPU time)" : ''),
    );
    console.log('model      backend kernels       train/s train/cpu-s   infer/s map it/s  rss MB  tensors');
  }
  let leaks = 0;
  const results: BenchResult[] = [];
  const peerResults: PeerResult[] = [];
  for (let round = 1; round <= args.rounds; round++) {
    if (!args.json && args.rounds > 1) console.log(`-- round ${round}/${args.rounds}`);
    if (peer) {
      const ps = await runPeer({ ...peer, n: args.n, batch: args.batch, threads: args.peerThreads, models: args.models });
      for (const p of ps) console.log(args.json ? JSON.stringify({ peer: 'pytorch', round, ...p }) : peerRow(p));
      peerResults.push(...ps);
    }
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
        results.push(r);
        console.log(args.json ? JSON.stringify({ ...r, round }) : row(r));
      }
    }
  }
  if (peer) {
    const comparisons = comparePeer(results, peerResults);
    if (args.json) for (const c of comparisons) console.log(JSON.stringify(c));
    else for (const line of ['', ...comparisonTable(comparisons)]) console.log(line);
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
