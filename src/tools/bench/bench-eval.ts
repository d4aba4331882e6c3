/**
 * `npm run bench -- --eval`: the evaluation paths of the analysis cells (encoding, generation,
 * reconstruction errors, 1-NN, PCA, MAP denoising) timed over MNIST test images for the course's
 * models, built with the library's builders (untrained weights: the cost does not depend on them).
 *
 *   --json                one JSON object per line: per model, path and round
 *   --models a,b          dense_vae, conv_vae, conv_ae_5lsl0, conv_vae_5lsl0 (default: all four)
 *   --paths a,b           encode, decode, errors, nn, pca, map (default: all)
 *   --n 10000             test images per path (default 10000, the whole test set)
 *   --map-n 1000          images of the MAP path (default 1000)
 *   --map-iters 20        Adam steps of the MAP path (default 20; the notebooks use 300)
 *   --batch N             batch size passed to every path (default: each function's own default)
 *   --threads N           wasm threads (as `npm run bench`)
 *   --rounds K            rounds, alternating over models and paths (default 1)
 *   --cpu-profile         also record a CPU profile of the main thread per case and report the
 *                         top functions with their share of the samples (`profile` field)
 *   --smoke               tiny run (n = 200, map-n = 20, 2 iterations)
 *
 * Fields: `images_per_s` (wall clock), `cpu_images_per_s` (per second of this process's CPU time,
 * helper threads included), `cpu_ms_per_1000` (CPU milliseconds per 1,000 images), `batch`,
 * `threads`, `load_avg`. The map lines also carry `iterations`: their images are denoised with that
 * many Adam steps each.
 */
import * as os from 'os';
import * as inspector from 'inspector';
import * as tf from '@tensorflow/tfjs';
import { initBackend, wasmThreadCount } from '../../backend/index';
import { availableCores } from '../../backend/thread-policy';
import { loadMnist } from '../../data';
import { Rng } from '../../rng';
import type { AutoencoderModel } from '../../models/types';
import { convAutoencoder5lsl0, conv5lsl0Vae, convVae, denseVae } from '../../models';
import { ANALYSIS_BATCH_SIZE, decodeFlat } from '../../models/model-io';
import { encodeDataset, mapDenoise, nearestNeighbourClassify, pcaProject, reconstructionErrors, type LatentCodes } from '../../analysis';
import { MAP_BATCH_SIZE } from '../../analysis/map-denoise';
import { PCA_BATCH_SIZE } from '../../analysis/pca';
import { cpuSeconds, round } from './bench';
import { list, positiveInt } from './bench-args';
import { summarizeProfile, type CpuProfileLike } from './bench-profile';

/** The course models the evaluation benchmark builds. */
export const EVAL_MODEL_NAMES = ['dense_vae', 'conv_vae', 'conv_ae_5lsl0', 'conv_vae_5lsl0'] as const;
/** One of {@link EVAL_MODEL_NAMES}. */
export type EvalModelName = (typeof EVAL_MODEL_NAMES)[number];

/** The evaluation paths timed. */
export const EVAL_PATHS = ['encode', 'decode', 'errors', 'nn', 'pca', 'map'] as const;
/** One of {@link EVAL_PATHS}. */
export type EvalPath = (typeof EVAL_PATHS)[number];

/** Builds a course model with the library's builders (seeded, untrained). */
export function buildEvalModel(name: EvalModelName, seed = 0): AutoencoderModel {
  switch (name) {
    case 'dense_vae':
      return denseVae({ latentDim: 2, hidden: [512, 256], seed }); // notebooks 07 / 08 / 12
    case 'conv_vae':
      return convVae({ latentDim: 2, seed }); // notebook 12
    case 'conv_ae_5lsl0':
      return convAutoencoder5lsl0({ seed }); // notebooks 01 / 02 / 03
    case 'conv_vae_5lsl0':
      return conv5lsl0Vae({ latentDim: 16, seed }); // notebooks 07 / 13
    default:
      throw new TypeError(`bench --eval: unknown model '${String(name)}'; expected one of ${EVAL_MODEL_NAMES.join(', ')}`);
  }
}

/** One line of the evaluation benchmark. */
export interface EvalResult {
  /** Which model (`pixels` for PCA, which needs none). */
  readonly model: EvalModelName | 'pixels';
  /** Which evaluation path. */
  readonly path: EvalPath;
  /** Images passed over. */
  readonly images: number;
  /** Batch size the path ran with. */
  readonly batch: number;
  /** wasm threads. */
  readonly threads: number;
  /** Adam steps per image (map only). */
  readonly iterations?: number;
  /** Wall-clock seconds. */
  readonly seconds: number;
  /** Images per wall-clock second. */
  readonly images_per_s: number;
  /** Images per second of this process's CPU time. */
  readonly cpu_images_per_s: number;
  /** CPU milliseconds per 1,000 images. */
  readonly cpu_ms_per_1000: number;
  /** Top functions of the main thread's CPU profile with their share of the samples (with --cpu-profile). */
  readonly profile?: ReadonlyArray<{ readonly fn: string; readonly share: number }>;
  /** 1-minute load average when the case started. */
  readonly load_avg: number;
  /** Cores of the machine. */
  readonly cores: number;
}

interface EvalArgs {
  json: boolean;
  models: EvalModelName[];
  paths: EvalPath[];
  n: number;
  mapN: number;
  mapIters: number;
  batch?: number;
  threads?: number;
  rounds: number;
  cpuProfile: boolean;
}

const WHO = 'bench --eval';

/** Parses the options of `npm run bench -- --eval ...` (the `--eval` flag itself is skipped). */
export function parseEvalArgs(argv: readonly string[]): EvalArgs {
  const a: EvalArgs = {
    json: false,
    models: [...EVAL_MODEL_NAMES],
    paths: [...EVAL_PATHS],
    n: 10000,
    mapN: 1000,
    mapIters: 20,
    rounds: 1,
    cpuProfile: false,
  };
  let smoke = false;
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    given.add(flag);
    switch (flag) {
      case '--eval':
        break;
      case '--json':
        a.json = true;
        break;
      case '--smoke':
        smoke = true;
        break;
      case '--cpu-profile':
        a.cpuProfile = true;
        break;
      case '--models':
        a.models = list(flag, argv[++i] ?? '', EVAL_MODEL_NAMES, WHO);
        break;
      case '--paths':
        a.paths = list(flag, argv[++i] ?? '', EVAL_PATHS, WHO);
        break;
      case '--n':
        a.n = positiveInt(flag, argv[++i] ?? '', WHO);
        break;
      case '--map-n':
        a.mapN = positiveInt(flag, argv[++i] ?? '', WHO);
        break;
      case '--map-iters':
        a.mapIters = positiveInt(flag, argv[++i] ?? '', WHO);
        break;
      case '--batch':
        a.batch = positiveInt(flag, argv[++i] ?? '', WHO);
        break;
      case '--threads':
        a.threads = positiveInt(flag, argv[++i] ?? '', WHO);
        break;
      case '--rounds':
        a.rounds = positiveInt(flag, argv[++i] ?? '', WHO);
        break;
      default:
        throw new Error(
          `bench --eval: unknown option '${flag}'; expected --json, --models, --paths, --n, --map-n, --map-iters, --batch, --threads, --rounds, --cpu-profile, --smoke`,
        );
    }
  }
  if (smoke) {
    if (!given.has('--n')) a.n = 200;
    if (!given.has('--map-n')) a.mapN = 20;
    if (!given.has('--map-iters')) a.mapIters = 2;
  }
  if (a.n > 10000) throw new Error(`bench --eval: --n ${a.n} exceeds the 10000 MNIST test images`);
  if (a.mapN > a.n) a.mapN = a.n;
  return a;
}

/**
 * Runs `fn` under the inspector's CPU profiler (main thread) and returns its top 12 functions by
 * self time with their share of the sampled time (a fraction), as bench-profile's
 * {@link summarizeProfile} adds them up.
 */
function profiled(fn: () => void): Array<{ fn: string; share: number }> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object): unknown => {
    let result: unknown;
    let error: Error | null = null;
    session.post(method, params ?? {}, (err, res) => {
      error = err;
      result = res;
    });
    if (error) throw error;
    return result;
  };
  post('Profiler.enable');
  post('Profiler.setSamplingInterval', { interval: 200 });
  post('Profiler.start');
  let profile: CpuProfileLike;
  try {
    fn();
  } finally {
    profile = (post('Profiler.stop') as { profile: CpuProfileLike }).profile;
    post('Profiler.disable');
    session.disconnect();
  }
  return summarizeProfile(profile, 12).top.map((f) => ({ fn: `${f.function} ${f.file}`, share: round(f.share / 100, 3) }));
}

interface Case {
  readonly images: number;
  readonly batch: number;
  readonly iterations?: number;
  /** A small run first (compilation, kernel set-up), then the timed one. */
  readonly warm: () => void;
  readonly run: () => void;
}

function timeCase(model: EvalModelName | 'pixels', path: EvalPath, c: Case, cpuProfile: boolean): EvalResult {
  const loadAvg = os.loadavg()[0];
  c.warm();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  c.run();
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(cpu0);
  const profile = cpuProfile ? profiled(c.run) : undefined;
  return {
    model,
    path,
    images: c.images,
    batch: c.batch,
    threads: wasmThreadCount(),
    ...(c.iterations !== undefined ? { iterations: c.iterations } : {}),
    seconds: round(seconds, 3),
    images_per_s: round(c.images / seconds),
    cpu_images_per_s: round(c.images / cpu),
    cpu_ms_per_1000: round((cpu * 1000 * 1000) / c.images, 2),
    ...(profile ? { profile } : {}),
    load_avg: round(loadAvg, 2),
    cores: availableCores(),
  };
}

function row(r: EvalResult): string {
  return [
    r.model.padEnd(15),
    r.path.padEnd(7),
    String(r.images).padStart(6),
    String(r.batch).padStart(6),
    `${r.threads}t`.padStart(3),
    String(r.images_per_s).padStart(10),
    String(r.cpu_images_per_s).padStart(10),
    String(r.cpu_ms_per_1000).padStart(10),
    r.iterations !== undefined ? `  (${r.iterations} Adam steps per image)` : '',
  ].join(' ');
}

/** Runs the evaluation benchmark and prints one line per model, path and round. Returns the results. */
export async function runEvalBench(argv: readonly string[]): Promise<EvalResult[]> {
  const args = parseEvalArgs(argv);
  await initBackend({ backend: 'wasm', announce: false, wasmThreads: args.threads });
  const mnist = loadMnist({ trainCount: args.n });
  const test = mnist.test;
  const images = test.images.subarray(0, args.n * 784);
  const labels = test.labels.subarray(0, args.n);
  const trainImages = mnist.train.images.subarray(0, args.n * 784);
  const trainLabels = mnist.train.labels.subarray(0, args.n);
  const warmCount = Math.min(args.n, 100);
  const warmImages = images.subarray(0, warmCount * 784);
  const noisy = new Rng(1).normalArray(args.mapN * 784, 0, 0.3).map((v, i) => v + images[i]);
  const batch = args.batch;
  if (!args.json) {
    console.log(
      `vaelab bench --eval: ${args.n} MNIST test images per path (MAP: ${args.mapN} images x ${args.mapIters} Adam steps), ` +
        `${availableCores()} core(s), load average ${os.loadavg()[0].toFixed(2)}`,
    );
    console.log('model           path    images  batch thr   images/s  img/cpu-s cpu ms/1000');
  }
  const results: EvalResult[] = [];
  const emit = (r: EvalResult): void => {
    results.push(r);
    console.log(args.json ? JSON.stringify(r) : row(r));
  };
  const tensorsBefore = tf.memory().numTensors;
  for (let roundNo = 1; roundNo <= args.rounds; roundNo++) {
    if (!args.json && args.rounds > 1) console.log(`-- round ${roundNo}/${args.rounds}`);
    if (args.paths.includes('pca')) {
      const b = batch ?? PCA_BATCH_SIZE;
      emit(
        timeCase(
          'pixels',
          'pca',
          {
            images: args.n,
            batch: b,
            warm: () => pcaProject(warmImages, { components: 2, batchSize: b }),
            run: () => pcaProject(images, { components: 2, batchSize: b }),
          },
          args.cpuProfile,
        ),
      );
    }
    for (const name of args.models) {
      const model = buildEvalModel(name);
      const b = batch ?? ANALYSIS_BATCH_SIZE;
      let testCodes: LatentCodes | undefined;
      let trainCodes: LatentCodes | undefined;
      const codes = new Rng(2).normalArray(args.n * model.latentDim);
      for (const path of args.paths) {
        let c: Case | undefined;
        switch (path) {
          case 'encode':
            c = {
              images: args.n,
              batch: b,
              warm: () => encodeDataset(model, warmImages, { batchSize: b }),
              run: () => {
                testCodes = encodeDataset(model, images, { batchSize: b, labels });
              },
            };
            break;
          case 'decode':
            c = {
              images: args.n,
              batch: b,
              // what samplePrior / decoderGrid / interpolate run: decode codes drawn from the prior
              warm: () => decodeFlat(model, codes.subarray(0, warmCount * model.latentDim), warmCount, undefined, b),
              run: () => decodeFlat(model, codes, args.n, undefined, b),
            };
            break;
          case 'errors':
            c = {
              images: args.n,
              batch: b,
              warm: () => reconstructionErrors(model, warmImages, { batchSize: b }),
              run: () => reconstructionErrors(model, images, { batchSize: b }),
            };
            break;
          case 'nn': {
            const test2 = testCodes ?? encodeDataset(model, images, { labels });
            trainCodes = encodeDataset(model, trainImages, { labels: trainLabels });
            const train2 = trainCodes;
            c = {
              images: args.n,
              batch: 0,
              warm: () =>
                nearestNeighbourClassify(train2, {
                  ...test2,
                  codes: test2.codes.subarray(0, warmCount * test2.dims),
                  labels: labels.subarray(0, warmCount),
                }),
              run: () => nearestNeighbourClassify(train2, test2),
            };
            break;
          }
          case 'map': {
            const mb = batch ?? MAP_BATCH_SIZE;
            c = {
              images: args.mapN,
              batch: mb,
              iterations: args.mapIters,
              warm: () => mapDenoise(model, noisy.subarray(0, 784 * Math.min(args.mapN, 10)), { iterations: 2, batchSize: mb }),
              run: () => mapDenoise(model, noisy, { iterations: args.mapIters, batchSize: mb }),
            };
            break;
          }
          case 'pca':
            break;
        }
        if (c) emit(timeCase(name, path, c, args.cpuProfile));
      }
      model.dispose();
    }
  }
  const tensorsAfter = tf.memory().numTensors;
  if (tensorsAfter !== tensorsBefore) {
    console.error(`bench --eval: ${tensorsAfter - tensorsBefore} tensor(s) leaked`);
    process.exitCode = 1;
  }
  return results;
}
