/**
 * The PyTorch peer of `npm run bench -- --peer`: runs `../shared/peers/pytorch_bench.py` (same
 * shapes, batch and optimiser as vaelab's benchmark models) in each asked-for OpenBLAS thread
 * setting (as specified, and with one BLAS thread), reads its JSON lines, and compares the median
 * training throughput of vaelab and of each peer setting over several alternating rounds.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { BenchModelName } from './bench-models';
import type { BenchResult } from './bench';

/** The peer's model name for each vaelab benchmark model. */
export const PEER_MODEL_NAMES: Readonly<Record<BenchModelName, string>> = {
  dense_vae: 'dense_vae',
  conv_vae: 'conv_vae',
  conv_ae: 'conv_ae_5lsl0',
};

/** Default peer script, relative to the repository root. */
export const DEFAULT_PEER_SCRIPT = path.join('..', 'shared', 'peers', 'pytorch_bench.py');

/** Default Python interpreter of the peer (Debian's, which has `python3-torch`). */
export const DEFAULT_PEER_PYTHON = '/usr/bin/python3';

/** How to install the peer's dependencies (from the peer's docstring). */
export const PEER_INSTALL_HINT = 'apt-get install -y python3-torch python3-numpy libopenblas0-pthread';

/** Environment variables removed for the peer: set on some machines, they slow OpenBLAS down. */
export const PEER_UNSET_ENV: readonly string[] = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

/**
 * Environment variables that set OpenBLAS's thread count (in this order of precedence), removed
 * for the peer so that only {@link PeerBlasThreads} decides it.
 */
export const PEER_BLAS_THREAD_ENV: readonly string[] = ['OPENBLAS_NUM_THREADS', 'GOTO_NUM_THREADS', 'OMP_NUM_THREADS'];

/**
 * OpenBLAS's threads in the peer's process: `'own'` leaves them to OpenBLAS (Debian's
 * `libopenblas0-pthread`, which the peer's setup names, starts a pool of one thread per core beside
 * torch's own OpenMP threads: the peer as specified), a number N sets `OPENBLAS_NUM_THREADS=N`
 * (torch's threads stay `--peer-threads`). On the 2-core machine the two pools fight over the cores:
 * see docs/performance.md, "The peer's two thread pools".
 */
export type PeerBlasThreads = 'own' | number;

/** The peer configurations `--peer` runs each round by default: as specified, and with one BLAS thread. */
export const DEFAULT_PEER_BLAS: readonly PeerBlasThreads[] = ['own', 1];

/** How a {@link PeerBlasThreads} is printed: `own` or `blas1`. */
export function blasLabel(blas: PeerBlasThreads): string {
  return blas === 'own' ? 'own' : `blas${blas}`;
}

/** One JSON line of the peer, with its model translated to vaelab's name. */
export interface PeerResult {
  /** vaelab's name of the model. */
  readonly model: BenchModelName;
  /** Training images per wall-clock second. */
  readonly images_per_s: number;
  /** Torch threads the peer ran with. */
  readonly threads: number;
  /** PyTorch version. */
  readonly version: string;
  /** Loss of the last training batch. */
  readonly final_loss: number;
  /** Wall-clock seconds of the training pass. */
  readonly seconds: number;
  /** OpenBLAS's threads in the peer's process (`'own'`: OpenBLAS's own pool, as specified). */
  readonly blas_threads: PeerBlasThreads;
}

function vaelabName(peerName: string): BenchModelName | undefined {
  const entry = (Object.entries(PEER_MODEL_NAMES) as Array<[BenchModelName, string]>).find(([, p]) => p === peerName);
  return entry?.[0];
}

/**
 * Parses the peer's standard output: one JSON object per model and line (blank lines ignored),
 * each result marked with the `blasThreads` the peer ran with (default `'own'`). Throws an Error
 * naming the line when a line is not such an object, names an unknown model or lacks a positive
 * `images_per_s`.
 */
export function parsePeerOutput(stdout: string, blasThreads: PeerBlasThreads = 'own'): PeerResult[] {
  const results: PeerResult[] = [];
  stdout.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`peer output line ${i + 1} is not JSON: ${line.slice(0, 120)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`peer output line ${i + 1} is not a JSON object: ${line.slice(0, 120)}`);
    }
    const o = parsed as Record<string, unknown>;
    const model = typeof o.model === 'string' ? vaelabName(o.model) : undefined;
    if (model === undefined) {
      throw new Error(
        `peer output line ${i + 1}: unknown model ${JSON.stringify(o.model)}; expected one of ${Object.values(PEER_MODEL_NAMES).join(', ')}`,
      );
    }
    const speed = o.images_per_s;
    if (typeof speed !== 'number' || !Number.isFinite(speed) || speed <= 0) {
      throw new Error(`peer output line ${i + 1}: images_per_s must be a positive number, got ${JSON.stringify(speed)}`);
    }
    const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
    results.push({
      model,
      images_per_s: speed,
      threads: num(o.threads),
      version: typeof o.version === 'string' ? o.version : 'unknown',
      final_loss: num(o.final_loss),
      seconds: num(o.seconds),
      blas_threads: blasThreads,
    });
  });
  return results;
}

/** Median of a non-empty list (mean of the two middle values for an even count). RangeError when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median: needs at least one value');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** vaelab against the peer for one model and backend, over all rounds (one JSON line of `--peer --json`). */
export interface PeerComparison {
  /** Always 'vaelab/pytorch' (tells these lines from the per-round ones). */
  readonly comparison: 'vaelab/pytorch';
  readonly model: BenchModelName;
  /** vaelab's backend. */
  readonly backend: BenchResult['backend'];
  /** vaelab's wasm threads. */
  readonly threads: number;
  /** The peer's torch threads. */
  readonly peer_threads: number;
  /** OpenBLAS's threads in the peer's process (one comparison per peer configuration). */
  readonly peer_blas_threads: PeerBlasThreads;
  /** Rounds compared. */
  readonly rounds: number;
  /** Median training images per wall-clock second over the rounds. */
  readonly vaelab_images_per_s: number;
  readonly peer_images_per_s: number;
  /** vaelab median / peer median. */
  readonly ratio: number;
  /** Median of vaelab's images per second of its own CPU time (robust to other load). */
  readonly vaelab_cpu_images_per_s: number;
  /** Median of vaelab's second passes (`warm_images_per_s`), and that over the peer's median. */
  readonly vaelab_warm_images_per_s: number;
  readonly warm_ratio: number;
  /** Every round, in order. */
  readonly vaelab_rounds: number[];
  readonly peer_rounds: number[];
  /** Rounds (of the first `rounds`) in which vaelab trained faster than the peer in that same round; a tie is not ahead. */
  readonly rounds_ahead: number;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/**
 * Compares per model and backend the rounds of vaelab results with the rounds of each peer
 * configuration (`blas_threads`, in the order they first appear; each side a flat list over all
 * rounds). A model present on only one side is left out. Ratio = median vaelab / median peer
 * images per second (first passes, as the peer's); warm ratio = median of vaelab's second passes /
 * median peer.
 */
export function comparePeer(vaelab: readonly BenchResult[], peer: readonly PeerResult[]): PeerComparison[] {
  const out: PeerComparison[] = [];
  const keys = [...new Set(vaelab.map((r) => `${r.backend}\u0000${r.model}`))];
  const configs = [...new Set(peer.map((p) => p.blas_threads))];
  for (const key of keys) {
    const [backend, model] = key.split('\u0000') as [BenchResult['backend'], BenchModelName];
    const mine = vaelab.filter((r) => r.backend === backend && r.model === model);
    for (const blas of configs) {
      const theirs = peer.filter((p) => p.model === model && p.blas_threads === blas);
      if (theirs.length > 0) out.push(compareRounds(mine, theirs));
    }
  }
  return out;
}

/** One comparison: vaelab's rounds of one model and backend against one peer configuration's rounds of it. */
function compareRounds(mine: readonly BenchResult[], theirs: readonly PeerResult[]): PeerComparison {
  const { backend, model } = mine[0];
  const v = median(mine.map((r) => r.images_per_s));
  const p = median(theirs.map((r) => r.images_per_s));
  const warm = median(mine.map((r) => r.warm_images_per_s));
  const rounds = Math.min(mine.length, theirs.length);
  let ahead = 0;
  for (let i = 0; i < rounds; i++) if (mine[i].images_per_s > theirs[i].images_per_s) ahead++;
  return {
    comparison: 'vaelab/pytorch',
    model,
    backend,
    threads: mine[0].threads,
    peer_threads: theirs[0].threads,
    peer_blas_threads: theirs[0].blas_threads,
    rounds,
    vaelab_images_per_s: round(v, 1),
    peer_images_per_s: round(p, 1),
    ratio: round(v / p, 3),
    vaelab_cpu_images_per_s: round(median(mine.map((r) => r.cpu_images_per_s)), 1),
    vaelab_warm_images_per_s: round(warm, 1),
    warm_ratio: round(warm / p, 3),
    vaelab_rounds: mine.map((r) => r.images_per_s),
    peer_rounds: theirs.map((r) => r.images_per_s),
    rounds_ahead: ahead,
  };
}

/** Options of {@link runPeer}. */
export interface PeerRunOptions {
  /** The peer script. */
  readonly script: string;
  /** Python interpreter (default {@link DEFAULT_PEER_PYTHON}). */
  readonly python?: string;
  /** Uncompressed MNIST `train-images-idx3-ubyte`. */
  readonly idx: string;
  /** Training images per pass. */
  readonly n: number;
  /** Batch size. */
  readonly batch: number;
  /** Torch threads (default 2, the peer's). */
  readonly threads?: number;
  /** Models to run (default all three). */
  readonly models: readonly BenchModelName[];
  /** OpenBLAS's threads (default `'own'`, the peer as specified). */
  readonly blasThreads?: PeerBlasThreads;
}

/**
 * The environment of the peer: this process's without {@link PEER_UNSET_ENV} and
 * {@link PEER_BLAS_THREAD_ENV}, plus `OPENBLAS_NUM_THREADS` when `blasThreads` is a number.
 * RangeError for a `blasThreads` that is neither `'own'` nor a positive integer.
 */
export function peerEnv(env: NodeJS.ProcessEnv = process.env, blasThreads: PeerBlasThreads = 'own'): NodeJS.ProcessEnv {
  if (blasThreads !== 'own' && !(Number.isInteger(blasThreads) && blasThreads >= 1)) {
    throw new RangeError(`bench --peer: BLAS threads must be 'own' or a positive integer, got ${String(blasThreads)}`);
  }
  const copy: NodeJS.ProcessEnv = { ...env };
  for (const name of [...PEER_UNSET_ENV, ...PEER_BLAS_THREAD_ENV]) delete copy[name];
  if (blasThreads !== 'own') copy.OPENBLAS_NUM_THREADS = String(blasThreads);
  return copy;
}

/** The command line of the peer for `options` (interpreter first). */
export function peerCommand(options: PeerRunOptions): string[] {
  return [
    options.python ?? DEFAULT_PEER_PYTHON,
    options.script,
    '--idx',
    options.idx,
    '--n',
    String(options.n),
    '--batch',
    String(options.batch),
    '--threads',
    String(options.threads ?? 2),
    '--models',
    options.models.map((m) => PEER_MODEL_NAMES[m]).join(','),
  ];
}

/**
 * Checks, before any timing, that the peer can run: the script and the MNIST file exist, and the
 * interpreter imports torch and numpy. Throws an Error that says what is missing and how to install it.
 */
export async function checkPeer(options: Pick<PeerRunOptions, 'script' | 'python' | 'idx'>): Promise<string> {
  const python = options.python ?? DEFAULT_PEER_PYTHON;
  if (!fs.existsSync(options.script)) {
    throw new Error(`bench --peer: peer script not found at ${options.script}; pass its path: --peer PATH/pytorch_bench.py`);
  }
  if (!fs.existsSync(options.idx)) {
    throw new Error(`bench --peer: the peer needs the uncompressed MNIST file ${options.idx}, which is missing`);
  }
  const { code, stdout, stderr, spawnError } = await runProcess(python, ['-c', 'import numpy, torch; print(torch.__version__)'], peerEnv());
  if (spawnError !== undefined) {
    throw new Error(
      `bench --peer: cannot run ${python} (${spawnError.message}); install Python 3 and the peer's packages: ${PEER_INSTALL_HINT}, or pass --python PATH`,
    );
  }
  if (code !== 0) {
    const missing = /No module named '?([\w.]+)'?/.exec(stderr)?.[1];
    throw new Error(
      `bench --peer: ${python} cannot import ${missing ?? 'torch/numpy'}` +
        `${missing ? '' : ` (${lastLine(stderr)})`}; install the peer's packages: ${PEER_INSTALL_HINT}`,
    );
  }
  return stdout.trim();
}

/** Runs the peer once (all asked-for models, one process) and returns its parsed results. Error with the peer's stderr when it fails. */
export async function runPeer(options: PeerRunOptions): Promise<PeerResult[]> {
  const [python, ...args] = peerCommand(options);
  const blas = options.blasThreads ?? 'own';
  const { code, stdout, stderr, spawnError } = await runProcess(python, args, peerEnv(process.env, blas));
  if (spawnError !== undefined) throw new Error(`bench --peer: cannot run ${python}: ${spawnError.message}`);
  if (code !== 0) throw new Error(`bench --peer: the peer exited with code ${code}: ${lastLine(stderr)}`);
  const results = parsePeerOutput(stdout, blas);
  for (const m of options.models) {
    if (!results.some((r) => r.model === m)) throw new Error(`bench --peer: the peer printed no result for ${PEER_MODEL_NAMES[m]}`);
  }
  return results;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

interface ProcessOutput {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: Error;
}

/** Runs a command to completion. If this process is interrupted or terminated meanwhile, the child is ended first. */
function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<ProcessOutput> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onSignal = (signal: NodeJS.Signals): void => {
      child.kill('SIGTERM');
      done();
      process.kill(process.pid, signal); // then end as the signal asks (no handler left)
    };
    const onExit = (): void => {
      child.kill('SIGTERM');
    };
    const done = (): void => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      process.removeListener('exit', onExit);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.once('exit', onExit);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      done();
      resolve({ code: null, stdout, stderr, spawnError: e });
    });
    child.on('close', (code) => {
      done();
      resolve({ code, stdout, stderr });
    });
  });
}
