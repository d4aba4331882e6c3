/**
 * `npm run bench [-- options]`: training / inference / MAP-denoising speed of the benchmark models
 * (shapes of ../shared/peers/pytorch_bench.py) on MNIST, per model and backend; with `--peer`, the
 * PyTorch peer in the same run and the ratio vaelab / PyTorch; with `--profile`, where a training
 * step's time goes; with `--scaling`, images/s per batch size and wasm thread count.
 *
 *   --json                one JSON object per line: per model, backend and round (`images_per_s`: the timed pass,
 *                         as the peer times it; `warm_images_per_s`: a second pass on the same model); with --peer also
 *                         the peer's lines and one comparison line per model ({"comparison":"vaelab/pytorch",...})
 *   --backend wasm,cpu    backends to run (default: wasm)
 *   --models a,b          dense_vae, conv_vae, conv_ae (default: all three)
 *   --n 5000              training images per pass (multiple of the batch; default 5000, as the peer)
 *   --batch 100           batch size
 *   --map-iters 20        MAP-denoising iterations
 *   --kernels fast|stock  vaelab's fast wasm kernels (default) or the stock ones
 *   --threads N           threads for wasm (default: VAELAB_WASM_THREADS, else one per core, at most 4)
 *   --peer [PATH]         also run the PyTorch peer (default PATH: ../shared/peers/pytorch_bench.py from the
 *                         repository root), alternating peer and vaelab each round; report the median
 *                         images/s of both, every round, and the ratio vaelab / peer per model
 *   --rounds K            rounds (default 3 with --peer, else 1; with --scaling: sweeps, medians reported)
 *   --python PATH         the peer's interpreter (default /usr/bin/python3; needs python3-torch)
 *   --peer-threads N      the peer's torch threads (default 2)
 *   --peer-blas-threads L the peer's OpenBLAS threads, each run every round: `own` leaves them to OpenBLAS (Debian's
 *                         pthread OpenBLAS starts one per core beside torch's threads: the peer as specified), N sets
 *                         OPENBLAS_NUM_THREADS=N (default own,1: the table has a row per model for each)
 *   --smoke               tiny run for CI (n = 2 batches, 2 MAP iterations; --profile: 1 warm-up and 2 profiled steps)
 *   --eval                the evaluation paths instead (encode, decode, errors, 1-NN, PCA, MAP over the test
 *                         set; options in src/tools/bench/bench-eval.ts)
 *
 * Profile (`--profile`): per model, build it as the bench does, train --warmup-steps (3) steps,
 * then record a V8 CPU profile (node:inspector, in this process, main thread) of --profile-steps
 * (30) steps of --batch images, cycling over the first --n images, and print the self time by
 * category (vaelab's wasm engine, stock tfjs-backend-wasm, tfjs-core, tfjs-layers, vaelab's JS,
 * waiting for helper threads, GC, other) with its share of the profiled time, the top functions,
 * and the stock wasm time by the backend's exported function (kernel) it ran under.
 *   --profile-steps N     profiled training steps (default 30)
 *   --warmup-steps N      steps before the profile (default 3)
 *   --profile-interval US sampling interval in microseconds (default 250)
 *   --top N               functions listed (default 15)
 *   --cpu-prof-out FILE   also write the raw profile (Chrome DevTools opens it), atomically; with
 *                         several models or backends, one file each: FILE's name + "-<model>[-<backend>]"
 *
 * Scaling (`--scaling`): every (batch, thread count) runs in a child process of this script
 * (`--json --threads T --batch B`: wasm fixes its threads when it starts), batches outer, threads
 * inner; each case passes over the same images, the multiple of the batches' least common multiple
 * nearest to --n (4,800 for 32,100,300 and --n 5000; per batch rounding when that exceeds MNIST).
 *   --batches 32,100,300  batch sizes (default 32,100,300)
 *   --threads-list 1,2    wasm thread counts (default 1,2)
 * The table: per model and batch, training images/s and (inference images/s) per thread count;
 * --json prints the children's lines with `round` and `requested_threads` added.
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
import { runBenchCase, type BenchResult } from '../bench/bench';
import { runEvalBench } from '../bench/bench-eval';
import { BENCH_USAGE, parseBenchArgs, type BenchArgs } from '../bench/bench-args';
import { blasLabel, checkPeer, comparePeer, runPeer, type PeerComparison, type PeerResult } from '../bench/bench-peer';
import { formatProfile, runProfileCase } from '../bench/bench-profile';
import { runScaling, scalingImages, scalingTable } from '../bench/bench-scaling';

/** The repository root (this file is dist/tools/cli/bench.js or src/tools/cli/bench.ts). */
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

function row(r: BenchResult): string {
  const cells = [
    r.model.padEnd(10),
    r.backend.padEnd(7),
    `${r.kernels}/${r.threads}t`.padEnd(11),
    String(r.images_per_s).padStart(9),
    String(r.warm_images_per_s).padStart(9),
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
    `${p.threads}t/${blasLabel(p.blas_threads)}`.padEnd(11),
    String(p.images_per_s).padStart(9),
    '-'.padStart(9),
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
    `vaelab / PyTorch peer: median training images/s (wall clock) over the rounds; peer BLAS: own = OpenBLAS's own`,
    `thread pool beside torch's (the peer as specified), blasN = OPENBLAS_NUM_THREADS=N (see docs/performance.md)`,
    'model      backend  peer BLAS   vaelab     peer   ratio  ahead   warm  warm ratio  vaelab/cpu-s  rounds: vaelab | peer',
  ];
  for (const c of rows) {
    lines.push(
      [
        c.model.padEnd(10),
        `${c.backend}/${c.threads}t`.padEnd(8),
        `${c.peer_threads}t/${blasLabel(c.peer_blas_threads)}`.padEnd(9),
        fmt(c.vaelab_images_per_s).padStart(10),
        fmt(c.peer_images_per_s).padStart(8),
        c.ratio.toFixed(2).padStart(7),
        `${c.rounds_ahead}/${c.rounds}`.padStart(6),
        fmt(c.vaelab_warm_images_per_s).padStart(6),
        c.warm_ratio.toFixed(2).padStart(11),
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

/** FILE itself for one profile, else FILE's name + "-<model>[-<backend>]" before its extension. */
function profileFile(file: string | undefined, model: string, backend: string, args: BenchArgs): string | undefined {
  if (file === undefined || (args.models.length === 1 && args.backends.length === 1)) return file;
  const ext = path.extname(file);
  const suffix = `-${model}` + (args.backends.length > 1 ? `-${backend}` : '');
  return file.slice(0, file.length - ext.length) + suffix + ext;
}

async function profile(args: BenchArgs, data: Float32Array): Promise<void> {
  for (const backend of args.backends) {
    for (const model of args.models) {
      const r = await runProfileCase({
        model,
        backend,
        data,
        images: args.n,
        batch: args.batch,
        steps: args.profileSteps,
        warmupSteps: args.warmupSteps,
        intervalUs: args.profileIntervalUs,
        kernels: args.kernels,
        wasmThreads: args.threads,
        top: args.top,
        cpuProfileOut: profileFile(args.cpuProfOut, model, backend, args),
      });
      if (args.json) console.log(JSON.stringify(r));
      else for (const line of [...formatProfile(r), '']) console.log(line);
    }
  }
}

function scaling(args: BenchArgs, available: number): void {
  const images = scalingImages(args.batches, args.n, available);
  const load0 = os.loadavg()[0];
  if (!args.json) {
    console.log(
      `vaelab bench --scaling: ${args.models.join(', ')} on wasm (${args.kernels} kernels), batches ${args.batches.join(', ')}, ` +
        `threads ${args.threadsList.join(', ')}, ${args.rounds} round(s); one child process per (batch, threads)`,
    );
    console.log(`${images.note}`);
    console.log(`machine: ${availableCores()} core(s), load average ${load0.toFixed(2)} at the start`);
  }
  const results = runScaling({
    script: __filename,
    models: args.models,
    batches: args.batches,
    threadsList: args.threadsList,
    images: images.perBatch,
    mapIters: args.mapIters,
    kernels: args.kernels,
    rounds: args.rounds,
    onCase: (lines) => {
      if (args.json) for (const r of lines) console.log(JSON.stringify(r));
    },
  });
  if (!args.json) {
    console.log('training images/s (inference images/s), median over the rounds:');
    for (const line of scalingTable(results, args.models, args.batches, args.threadsList)) console.log(line);
    if (results.some((r) => r.threads !== r.requested_threads)) console.log('* wasm started with another thread count than asked');
    console.log(`load average ${os.loadavg()[0].toFixed(2)} at the end`);
  }
  if (results.some((r) => r.tensors_after !== r.tensors_before)) {
    console.error('bench: a case leaked tensors (tensors_after != tensors_before)');
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--eval')) return void (await runEvalBench(process.argv.slice(2)));
  const args = parseBenchArgs(process.argv.slice(2), REPO_ROOT);
  if (args.help) {
    console.log(BENCH_USAGE);
    return;
  }
  const data = loadMnist({ testCount: 1 }).train;
  if (args.mode === 'scaling') return scaling(args, data.count);
  if (data.count < args.n) throw new Error(`bench: --n ${args.n} exceeds the ${data.count} MNIST training images`);
  if (args.mode === 'profile') return profile(args, data.images);
  const peer = args.peer === undefined ? undefined : { script: args.peer, python: args.python, idx: peerIdxFile() };
  // Check the peer before timing anything, so a missing torch fails at once.
  const torchVersion = peer ? await checkPeer(peer) : undefined;
  if (!args.json) {
    console.log(
      `vaelab bench: ${args.n} MNIST training images, batch ${args.batch}, Adam 1e-3` +
        (peer
          ? `; PyTorch ${torchVersion} peer (${args.peerThreads} torch threads; OpenBLAS: ${args.peerBlas.map(blasLabel).join(', ')}) ` +
            `alternating with vaelab, ${args.rounds} round(s)`
          : ''),
    );
    const [load] = os.loadavg();
    console.log(
      `machine: ${availableCores()} core(s), load average ${load.toFixed(2)}` +
        (load > 1 ? " (other work is running: wall-clock numbers are shared with it; train/cpu-s is per second of this process's CPU time)" : ''),
    );
    console.log('model      backend kernels       train/s   warm/s train/cpu-s   infer/s map it/s  rss MB  tensors');
    console.log('  (train/s: one pass, as the peer times it; warm/s: a second pass, same model, once V8 has compiled the step)');
  }
  let leaks = 0;
  const results: BenchResult[] = [];
  const peerResults: PeerResult[] = [];
  for (let round = 1; round <= args.rounds; round++) {
    if (!args.json && args.rounds > 1) console.log(`-- round ${round}/${args.rounds}`);
    if (peer) {
      for (const blasThreads of args.peerBlas) {
        const ps = await runPeer({ ...peer, n: args.n, batch: args.batch, threads: args.peerThreads, models: args.models, blasThreads });
        for (const p of ps) console.log(args.json ? JSON.stringify({ peer: 'pytorch', round, ...p }) : peerRow(p));
        peerResults.push(...ps);
      }
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
