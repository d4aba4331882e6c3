/**
 * The command line of `npm run bench` (`src/tools/cli/bench.ts`): parsing and its usage text, in
 * a module of its own so the errors can be tested without starting a benchmark.
 */
import * as path from 'path';
import type { BackendName } from '../../backend';
import { BENCH_MODEL_NAMES, type BenchModelName } from './bench-models';
import { DEFAULT_PEER_BLAS, DEFAULT_PEER_PYTHON, DEFAULT_PEER_SCRIPT, type PeerBlasThreads } from './bench-peer';
import type { BenchKernels } from './bench-train';

/** What a bench run does: time the models (default), profile their training step, or sweep batch sizes and thread counts. */
export type BenchMode = 'bench' | 'profile' | 'scaling';

/** The parsed command line of `npm run bench`. */
export interface BenchArgs {
  readonly mode: BenchMode;
  /** `--help` was given: print {@link BENCH_USAGE} and do nothing else. */
  readonly help: boolean;
  readonly json: boolean;
  readonly smoke: boolean;
  readonly backends: readonly BackendName[];
  readonly models: readonly BenchModelName[];
  /** Training images per pass (with --scaling: the target each batch size's pass is rounded to). */
  readonly n: number;
  readonly batch: number;
  readonly mapIters: number;
  readonly kernels: BenchKernels;
  /** wasm threads (undefined: the default policy). */
  readonly threads?: number;
  /** Peer script, when --peer is given. */
  readonly peer?: string;
  readonly rounds: number;
  readonly python: string;
  readonly peerThreads: number;
  /** The peer's OpenBLAS thread settings, each run every round (default: `own` and 1; see {@link PeerBlasThreads}). */
  readonly peerBlas: readonly PeerBlasThreads[];
  /** --profile: profiled steps, warm-up steps, sampling interval (us), functions listed, raw profile file. */
  readonly profileSteps: number;
  readonly warmupSteps: number;
  readonly profileIntervalUs: number;
  readonly top: number;
  readonly cpuProfOut?: string;
  /** --scaling: batch sizes and thread counts to sweep. */
  readonly batches: readonly number[];
  readonly threadsList: readonly number[];
}

/** The usage text `npm run bench -- --help` prints. */
export const BENCH_USAGE = [
  'usage: npm run bench -- [--json] [--backend wasm,cpu] [--models dense_vae,conv_vae,conv_ae] [--n 5000] [--batch 100]',
  '         [--map-iters 20] [--kernels fast|stock] [--threads N] [--peer [PATH]] [--rounds K] [--python PATH]',
  '         [--peer-threads N] [--peer-blas-threads own,1] [--smoke]',
  '       npm run bench -- --profile [--models ...] [--profile-steps 30] [--warmup-steps 3] [--batch 100] [--threads N]',
  '         [--profile-interval 250] [--top 15] [--cpu-prof-out FILE] [--json]',
  '       npm run bench -- --scaling [--models ...] [--batches 32,100,300] [--threads-list 1,2] [--n 5000] [--rounds K] [--json]',
].join('\n');

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Options that belong to one mode only, and that mode. */
const MODE_OPTIONS: Readonly<Record<string, BenchMode>> = {
  '--profile-steps': 'profile',
  '--warmup-steps': 'profile',
  '--profile-interval': 'profile',
  '--top': 'profile',
  '--cpu-prof-out': 'profile',
  '--batches': 'scaling',
  '--threads-list': 'scaling',
};

/** A comma-separated list of names from `allowed`; `who` starts the error message (e.g. 'bench --eval'). */
export function list<T extends string>(flag: string, value: string, allowed: readonly T[], who = 'bench'): T[] {
  const items = value.split(',').filter((s) => s !== '');
  for (const item of items) {
    if (!(allowed as readonly string[]).includes(item)) {
      throw new Error(`${who}: ${flag} ${item} is unknown; expected a comma-separated list of ${allowed.join(', ')}`);
    }
  }
  if (items.length === 0) throw new Error(`${who}: ${flag} needs at least one of ${allowed.join(', ')}`);
  return items as T[];
}

/** An integer >= 1 given as text; `who` starts the error message. */
export function positiveInt(flag: string, value: string, who = 'bench'): number {
  const v = positiveOrUndefined(value);
  if (v === undefined) throw new Error(`${who}: ${flag} must be a positive integer, got '${value}'`);
  return v;
}

/** An integer >= 0 given as text; `who` starts the error message. */
export function nonNegativeInt(flag: string, value: string, who = 'bench'): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isInteger(v) || v < 0) throw new Error(`${who}: ${flag} must be an integer >= 0, got '${value}'`);
  return v;
}

/** The flags of a small measuring tool, read by {@link readFlags}. */
export interface ToolFlags {
  /** The value given after `flag`, or undefined when the flag is absent. */
  value(flag: string): string | undefined;
  /** Whether the bare switch `flag` was given. */
  has(flag: string): boolean;
}

/**
 * Reads `--flag value` pairs (`valued`) and bare `--switch`es (`switches`) of a measuring tool such as
 * bench-step; an unknown argument or a flag without its value is an Error naming it and what is known.
 */
export function readFlags(argv: readonly string[], valued: readonly string[], switches: readonly string[], who: string): ToolFlags {
  const values = new Map<string, string>();
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (switches.includes(a)) given.add(a);
    else if (valued.includes(a)) {
      if (i + 1 >= argv.length) throw new Error(`${who}: ${a} needs a value`);
      values.set(a, argv[++i]);
    } else throw new Error(`${who}: unknown argument '${a}'; expected ${[...valued.map((f) => `${f} VALUE`), ...switches].join(', ')}`);
  }
  return { value: (flag) => values.get(flag), has: (flag) => given.has(flag) };
}

/** An integer >= 1 given as text, or undefined. */
function positiveOrUndefined(item: string): number | undefined {
  const v = Number(item);
  return item.trim() !== '' && Number.isInteger(v) && v >= 1 ? v : undefined;
}

/**
 * A comma-separated list of distinct items, each read by `parse` (undefined: not an item); the
 * errors say which item `is` not one and what list was `expected`.
 */
function distinctList<T>(flag: string, value: string, parse: (item: string) => T | undefined, is: string, expected: string): T[] {
  const out: T[] = [];
  for (const item of value.split(',')) {
    const v = parse(item);
    if (v === undefined) throw new Error(`bench: ${flag} '${value}': '${item}' is ${is}; expected ${expected}`);
    if (out.includes(v)) throw new Error(`bench: ${flag} '${value}' lists ${String(v)} twice`);
    out.push(v);
  }
  return out;
}

/** A comma-separated list of distinct positive integers, e.g. `32,100,300`. */
function intList(flag: string, value: string, example: string): number[] {
  if (value.trim() === '') throw new Error(`bench: ${flag} needs a comma-separated list of positive integers, e.g. ${example}`);
  return distinctList(flag, value, positiveOrUndefined, 'not a positive integer', `a comma-separated list such as ${example}`);
}

/** `--peer-blas-threads`: a comma-separated list of `own` and positive integers, each once. */
function blasList(flag: string, value: string): PeerBlasThreads[] {
  return distinctList<PeerBlasThreads>(
    flag,
    value,
    (item) => (item === 'own' ? 'own' : positiveOrUndefined(item)),
    "neither 'own' nor a positive integer",
    "a comma-separated list of 'own' (OpenBLAS's own thread pool) and positive integers, e.g. own,1",
  );
}

/**
 * Parses `npm run bench`'s arguments (without `node` and the script). `repoRoot` locates the
 * default peer script. Error (with what was wrong and what was expected) for an unknown option,
 * a missing or bad value, or options that do not go together.
 */
export function parseBenchArgs(argv: readonly string[], repoRoot: string): BenchArgs {
  let mode: BenchMode = 'bench';
  const modeFlags: string[] = [];
  const given = new Set<string>();
  let help = false;
  let json = false;
  let smoke = false;
  let backends: BackendName[] = ['wasm'];
  let models: BenchModelName[] = [...BENCH_MODEL_NAMES];
  let n = 5000;
  let batch = 100;
  let mapIters = 20;
  let kernels: BenchKernels = 'fast';
  let threads: number | undefined;
  let peer: string | undefined;
  let rounds = 1;
  let python = DEFAULT_PEER_PYTHON;
  let peerThreads = 2;
  let peerBlas: PeerBlasThreads[] = [...DEFAULT_PEER_BLAS];
  let profileSteps = 30;
  let warmupSteps = 3;
  let profileIntervalUs = 250;
  let top = 15;
  let cpuProfOut: string | undefined;
  let batches = [32, 100, 300];
  let threadsList = [1, 2];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`bench: ${flag} needs a value`);
      return v;
    };
    given.add(flag);
    switch (flag) {
      case '--json':
        json = true;
        break;
      case '--smoke':
        smoke = true;
        break;
      case '--profile':
        mode = 'profile';
        modeFlags.push(flag);
        break;
      case '--scaling':
        mode = 'scaling';
        modeFlags.push(flag);
        break;
      case '--backend':
      case '--backends':
        backends = list(flag, value(), BACKENDS);
        given.add('--backend');
        break;
      case '--models':
        models = list(flag, value(), BENCH_MODEL_NAMES);
        break;
      case '--n':
        n = positiveInt(flag, value());
        break;
      case '--batch':
        batch = positiveInt(flag, value());
        break;
      case '--map-iters':
        mapIters = positiveInt(flag, value());
        break;
      case '--threads':
        threads = positiveInt(flag, value());
        break;
      case '--peer': {
        // The path is optional: the next argument is it unless it is another option.
        const next = argv[i + 1];
        peer = next !== undefined && !next.startsWith('--') ? path.resolve(argv[++i]) : path.join(repoRoot, DEFAULT_PEER_SCRIPT);
        modeFlags.push(flag);
        break;
      }
      case '--rounds':
        rounds = positiveInt(flag, value());
        break;
      case '--python':
        python = value();
        break;
      case '--peer-threads':
        peerThreads = positiveInt(flag, value());
        break;
      case '--peer-blas-threads':
        peerBlas = blasList(flag, value());
        break;
      case '--kernels':
        kernels = list(flag, value(), ['fast', 'stock'] as const)[0];
        break;
      case '--profile-steps':
        profileSteps = positiveInt(flag, value());
        break;
      case '--warmup-steps':
        warmupSteps = nonNegativeInt(flag, value());
        break;
      case '--profile-interval':
        profileIntervalUs = positiveInt(flag, value());
        break;
      case '--top':
        top = positiveInt(flag, value());
        break;
      case '--cpu-prof-out':
        cpuProfOut = path.resolve(value());
        break;
      case '--batches':
        batches = intList(flag, value(), '32,100,300');
        break;
      case '--threads-list':
        threadsList = intList(flag, value(), '1,2');
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`bench: unknown option '${flag}' (try --help)`);
    }
  }
  if (modeFlags.length > 1) throw new Error(`bench: ${modeFlags.join(' and ')} do not go together; choose one of --profile, --scaling, --peer`);
  for (const [flag, only] of Object.entries(MODE_OPTIONS)) {
    if (given.has(flag) && mode !== only) throw new Error(`bench: ${flag} goes with --${only}`);
  }
  if (mode === 'scaling') {
    if (given.has('--batch')) throw new Error('bench: --scaling sweeps --batches (e.g. 32,100,300), not --batch');
    if (given.has('--threads')) throw new Error('bench: --scaling sweeps --threads-list (e.g. 1,2), not --threads');
    if (backends.some((b) => b !== 'wasm')) throw new Error('bench: --scaling measures the wasm backend (its thread counts); drop --backend');
  }
  if (smoke) {
    if (!given.has('--n')) n = mode === 'scaling' ? 2 * Math.max(...batches) : 2 * batch;
    if (!given.has('--map-iters')) mapIters = 2;
    if (!given.has('--profile-steps')) profileSteps = 2;
    if (!given.has('--warmup-steps')) warmupSteps = 1;
  }
  if (peer !== undefined && !given.has('--rounds')) rounds = 3;
  if (peer === undefined && given.has('--peer-blas-threads')) throw new Error('bench: --peer-blas-threads goes with --peer');
  if (mode !== 'scaling' && n % batch !== 0) throw new Error(`bench: --n (${n}) must be a multiple of --batch (${batch})`);
  return {
    mode,
    help,
    json,
    smoke,
    backends,
    models,
    n,
    batch,
    mapIters,
    kernels,
    threads,
    peer,
    rounds,
    python,
    peerThreads,
    peerBlas,
    profileSteps,
    warmupSteps,
    profileIntervalUs,
    top,
    cpuProfOut,
    batches,
    threadsList,
  };
}
