/**
 * `npm run bench -- --scaling`: training and inference images/s per model for several batch sizes
 * and wasm thread counts. wasm fixes its thread count when it starts in a process, so every
 * (batch, threads) case runs in a child process of the bench CLI (`--json --threads T --batch B`),
 * whose JSON lines are collected here. Batches are the outer loop and thread counts the inner one,
 * so the thread counts of a batch run back to back and share the machine's drift.
 */
import { spawnSync } from 'child_process';
import type { BenchResult } from './bench';
import type { BenchModelName } from './bench-models';
import type { BenchKernels } from './bench-train';
import { median } from './bench-peer';

/** Greatest common divisor of two positive integers. */
function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** Least common multiple of positive integers. */
export function leastCommonMultiple(values: readonly number[]): number {
  return values.reduce((l, v) => (l / gcd(l, v)) * v, 1);
}

/** How many images each batch size's pass covers, and how that was chosen. */
export interface ScalingImages {
  /** Images per pass, by batch size (each a positive multiple of its batch). */
  readonly perBatch: ReadonlyMap<number, number>;
  /** True when every batch passes over the same number of images. */
  readonly same: boolean;
  /** One sentence saying how the counts were chosen. */
  readonly note: string;
}

/**
 * Chooses the images per pass: the multiple of the batches' least common multiple nearest to
 * `target` (at least one multiple), so every case passes over the same images; when that exceeds
 * `available`, each batch gets the multiple of itself nearest to `target` (at least one batch,
 * at most `available`). RangeError when a batch exceeds `available`.
 */
export function scalingImages(batches: readonly number[], target: number, available: number): ScalingImages {
  for (const b of batches) if (b > available) throw new RangeError(`bench --scaling: batch ${b} exceeds the ${available} training images`);
  const lcm = leastCommonMultiple(batches);
  const common = Math.max(1, Math.round(target / lcm)) * lcm;
  const fmt = (v: number): string => v.toLocaleString('en-US');
  if (common <= available) {
    return {
      perBatch: new Map(batches.map((b) => [b, common])),
      same: true,
      note: `${fmt(common)} images per case: the multiple of lcm(${batches.join(', ')}) = ${fmt(lcm)} nearest to --n ${fmt(target)}`,
    };
  }
  const perBatch = new Map(batches.map((b) => [b, Math.min(Math.floor(available / b), Math.max(1, Math.round(target / b))) * b]));
  return {
    perBatch,
    same: false,
    note:
      `lcm(${batches.join(', ')}) = ${fmt(lcm)} is more than the images available, so each batch passes over the multiple of ` +
      `itself nearest to --n ${fmt(target)}: ${[...perBatch].map(([b, n]) => `${b}: ${fmt(n)}`).join(', ')} (images/s compare across them)`,
  };
}

/** Options of {@link runScaling}. */
export interface ScalingOptions {
  /** The bench CLI script the children run (dist/tools/cli/bench.js). */
  readonly script: string;
  readonly models: readonly BenchModelName[];
  readonly batches: readonly number[];
  readonly threadsList: readonly number[];
  /** Images per pass for each batch ({@link scalingImages}). */
  readonly images: ReadonlyMap<number, number>;
  readonly mapIters: number;
  readonly kernels: BenchKernels;
  /** Rounds over the whole sweep (default 1). */
  readonly rounds?: number;
  /** Called with each case's results as they arrive. */
  readonly onCase?: (results: readonly ScalingResult[]) => void;
}

/** One result of the sweep: a bench line (`threads`: what wasm started with), the sweep round, and the thread count asked for. */
export type ScalingResult = BenchResult & { readonly round: number; readonly requested_threads: number };

/** The bench lines of a child's stdout (JSON objects with a `model` and `images_per_s`); Error for any other line. */
export function parseBenchLines(stdout: string): BenchResult[] {
  const out: BenchResult[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      throw new Error(`bench --scaling: a child printed a line that is not JSON: ${line.slice(0, 200)}`);
    }
    const r = v as Partial<BenchResult>;
    if (typeof r.model !== 'string' || typeof r.images_per_s !== 'number' || typeof r.batch !== 'number' || typeof r.threads !== 'number') {
      throw new Error(`bench --scaling: a child printed a line without model, batch, threads and images_per_s: ${line.slice(0, 200)}`);
    }
    out.push(v as BenchResult);
  }
  return out;
}

/**
 * Runs the sweep: for each round, batch and thread count one child `node script --json --threads T
 * --batch B --n N --models ...`; returns every line with its round. Error when a child fails or
 * reports another batch or model set than asked (its stderr passes through).
 */
export function runScaling(options: ScalingOptions): ScalingResult[] {
  const rounds = options.rounds ?? 1;
  const results: ScalingResult[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const batch of options.batches) {
      for (const threads of options.threadsList) {
        const images = options.images.get(batch);
        if (images === undefined) throw new RangeError(`bench --scaling: no image count for batch ${batch}`);
        const args = [
          options.script,
          '--json',
          '--threads',
          String(threads),
          '--batch',
          String(batch),
          '--n',
          String(images),
          '--models',
          options.models.join(','),
          '--map-iters',
          String(options.mapIters),
          '--kernels',
          options.kernels,
        ];
        const child = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 });
        const what = `--threads ${threads} --batch ${batch} --n ${images}`;
        if (child.error) throw new Error(`bench --scaling: the run with ${what} could not start: ${child.error.message}`);
        if (child.status !== 0) throw new Error(`bench --scaling: the run with ${what} exited with status ${String(child.status ?? child.signal)}`);
        const lines = parseBenchLines(child.stdout);
        const got = lines.map((r) => r.model).join(',');
        if (got !== options.models.join(',') || lines.some((r) => r.batch !== batch)) {
          throw new Error(`bench --scaling: the run with ${what} reported models [${got}] and batches [${lines.map((r) => r.batch).join(',')}]`);
        }
        const tagged = lines.map((r) => ({ ...r, round, requested_threads: threads }));
        options.onCase?.(tagged);
        results.push(...tagged);
      }
    }
  }
  return results;
}

/**
 * The sweep as a table: one row per model and batch, one column per requested thread count with
 * training images/s and, in parentheses, inference images/s (medians over the rounds); a `*`
 * marks a cell where wasm started with another thread count than asked (threads could not start).
 */
export function scalingTable(
  results: readonly ScalingResult[],
  models: readonly BenchModelName[],
  batches: readonly number[],
  threadsList: readonly number[],
): string[] {
  const fmt = (v: number): string => Math.round(v).toLocaleString('en-US');
  const width = 20;
  const lines = [['model'.padEnd(10), 'batch'.padStart(5), ...threadsList.map((t) => `${t} thread${t === 1 ? '' : 's'}`.padStart(width))].join(' ')];
  for (const model of models) {
    for (const batch of batches) {
      const cells = threadsList.map((t) => {
        // Rows are keyed by the thread count asked for (the line's `threads` is what wasm started with).
        const rs = results.filter((r) => r.model === model && r.batch === batch && r.requested_threads === t);
        if (rs.length === 0) return '-'.padStart(width);
        const mark = rs.some((r) => r.threads !== t) ? '*' : '';
        return `${fmt(median(rs.map((r) => r.images_per_s)))} (${fmt(median(rs.map((r) => r.inference_images_per_s)))})${mark}`.padStart(width);
      });
      lines.push([model.padEnd(10), String(batch).padStart(5), ...cells].join(' '));
    }
  }
  return lines;
}
