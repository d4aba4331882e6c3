/**
 * A cache of trained models so a notebook re-run reuses a model instead of training it again.
 * The key is a hash of everything that decides the result: the model (architecture, builder
 * config and initial weights), every training option, the data's contents, the seed, the
 * backend and the engine version. Any changed setting gives another key, so it trains anew.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { outputDir } from '../util/notebook-context';
import { isImagePairs } from './batches';
import {
  cleanStaleSaveTemps,
  loadCheckpoint,
  looksLikeCheckpointRemains,
  readCheckpointInfo,
  recoverInterruptedSave,
  saveCheckpoint,
} from './checkpoint';
import { formatEpochSummary } from './progress';
import { train } from './train';
import { toTrainee } from './trainee';
import type { TrainHistory, TrainOptions, TrainableModel, TrainingData } from './types';
import { userVaeFingerprint } from './user-vae';

/** Bump when a change to the engine changes training numbers, so old cache entries are not reused. */
export const TRAINING_ENGINE_VERSION = 1;

/** Environment variable naming the cache folder. */
export const CACHE_DIR_ENV = 'VAELAB_CACHE_DIR';

/** Where cached models go: `$VAELAB_CACHE_DIR`, else a `cache` folder next to `outputDir()` (e.g. `out/cache`). */
export function defaultCacheDir(): string {
  const env = process.env[CACHE_DIR_ENV];
  return env && env !== '' ? path.resolve(env) : path.join(path.dirname(outputDir()), 'cache');
}

function hashBytes(h: ReturnType<typeof createHash>, a: ArrayBufferView | undefined): void {
  if (!a) {
    h.update('none');
    return;
  }
  h.update(`${a.constructor.name}:${a.byteLength}:`);
  h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

/** A hash of a dataset's contents (pixels, targets and labels, sizes). */
function dataFingerprint(d: TrainingData | undefined): string {
  if (d === undefined) return 'none';
  const h = createHash('sha256');
  h.update(`${d.count}x${d.rows}x${d.cols}:`);
  const size = d.count * d.rows * d.cols;
  if (isImagePairs(d)) {
    hashBytes(h, d.inputs.subarray(0, size));
    hashBytes(h, d.targets.subarray(0, size));
  } else {
    hashBytes(h, d.images.subarray(0, size));
  }
  hashBytes(h, d.labels?.subarray(0, d.count));
  return h.digest('hex');
}

/** A layer-name-free description of a network (nested models included): class names, configs and connections. */
function architectureFingerprint(network: tf.LayersModel): unknown {
  const names = new Map<string, string>();
  // layers of nested models (a network wrapped by data steps) are renamed too, by their path
  const collect = (layers: readonly tf.layers.Layer[], prefix: string): void =>
    layers.forEach((l, i) => {
      if (!names.has(l.name)) names.set(l.name, `${prefix}${i}`);
      if (l instanceof tf.LayersModel) collect(l.layers, `${prefix}${i}.`);
    });
  collect(network.layers, '#');
  names.set(network.name, '#model');
  let topology: unknown;
  try {
    topology = network.toJSON(null, false) as unknown;
  } catch {
    // a layer without serialisation: fall back to class names and weight shapes
    topology = network.layers.map((l) => [l.getClassName(), l.weights.map((w) => w.shape)]);
  }
  const rename = (v: unknown): unknown => {
    if (typeof v === 'string') return names.get(v) ?? v;
    if (Array.isArray(v)) return v.map(rename);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) out[k] = rename((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return rename(topology);
}

function weightsFingerprint(network: tf.LayersModel): string {
  const h = createHash('sha256');
  for (const w of network.weights) {
    h.update(`${w.shape.join('x')}:`);
    hashBytes(h, w.read().dataSync() as Float32Array);
  }
  return h.digest('hex');
}

/** A copy of plain JSON data with object keys sorted at every level (so key order does not change a hash). */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

const OPTIMIZER_REFUSED = 'cachedTrain: an explicit `optimizer` cannot be part of a cache key; pass learningRate instead';

/**
 * The training options that decide the result, as plain JSON (a beta schedule is replaced by its
 * values per epoch; user VAE functions are fingerprinted apart, by `userVaeFingerprint`).
 */
function optionsFingerprint(options: TrainOptions): unknown {
  const {
    data: _d,
    validationData: _v,
    output: _o,
    verbose: _vb,
    onEpochEnd: _cb,
    optimizer,
    betaSchedule,
    reparameterize: _r,
    vaeLoss: _l,
    ...rest
  } = options;
  if (optimizer) throw new TypeError(OPTIMIZER_REFUSED);
  const plain: Record<string, unknown> = { ...rest };
  if (betaSchedule) plain.betaSchedule = Array.from({ length: options.epochs }, (_, e) => betaSchedule(e));
  return canonical(plain);
}

/**
 * The cache key of training `model` with `options`: a hex hash of the model (architecture,
 * config, initial weights), the options, the data contents, the backend and the engine version.
 */
export function trainingCacheKey(model: TrainableModel, options: TrainOptions): string {
  const trainee = toTrainee(model, 'trainingCacheKey');
  const description = {
    engine: TRAINING_ENGINE_VERSION,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    kind: trainee.kind,
    name: trainee.name,
    config: canonical((model as { config?: unknown }).config ?? null),
    networks: trainee.networks.map((n) => ({ part: n.part, architecture: architectureFingerprint(n.model), weights: weightsFingerprint(n.model) })),
    options: optionsFingerprint(options),
    // absent (so old keys stay valid) unless user functions are given
    userFunctions: userVaeFingerprint(options, trainee.latentDim, trainee.pixels),
    data: dataFingerprint(options.data),
    validationData: dataFingerprint(options.validationData),
  };
  return createHash('sha256').update(JSON.stringify(description)).digest('hex').slice(0, 20);
}

/** Options of {@link cachedTrain}. */
export interface CachedTrainOptions {
  /** Cache folder (default `$VAELAB_CACHE_DIR`, else a `cache` folder next to `outputDir()`, e.g. `out/cache`). */
  readonly cacheDir?: string;
}

/** What {@link cachedTrain} returns. */
export interface CachedTrainResult<M> {
  /** The trained model (freshly trained, or built and given the cached weights). */
  readonly model: M;
  /** Its training history. */
  readonly history: TrainHistory;
  /** True when the weights came from the cache. */
  readonly fromCache: boolean;
  /** The checkpoint folder of this training. */
  readonly dir: string;
}

/** A time stamp for file names, e.g. `20261203-142501` (UTC). */
function fileStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Renames the cache entry `dir` to `<dir>.corrupt-<time>` (a free name; nothing is deleted) and
 * returns the new path, or a sentence saying why it could not be moved.
 */
function moveAside(dir: string): { to: string } | { failed: string } {
  const base = `${dir}.corrupt-${fileStamp(new Date())}`;
  for (let n = 1; n < 100; n++) {
    const to = n === 1 ? base : `${base}-${n}`;
    if (fs.existsSync(to)) continue;
    try {
      fs.renameSync(dir, to);
      return { to };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return { failed: 'another process moved or replaced it meanwhile' };
      if (code === 'EEXIST' || code === 'ENOTEMPTY') continue;
      return { failed: `could not move it aside: ${(e as Error).message}` };
    }
  }
  return { failed: 'could not find a free name to move it aside to' };
}

/** One line (no line breaks) of an error message. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');

/**
 * Builds a model with `buildModel` and trains it with `options`, unless the same training (same
 * model, options, data, seed and backend) was done before: then the cached weights and history
 * are loaded instead, after checking every file against the SHA-256 recorded when it was saved.
 *
 * Faults: an entry that fails any check (changed, truncated or missing file, weights that are not
 * finite, `checkpoint.json` lost) is reported in one line, moved aside to `<entry>.corrupt-<time>`
 * (never deleted) and trained again; an entry of the old format without checksums is trained again
 * and replaced; temporary folders of saves that were killed are removed; a folder at an entry's
 * path that is not a vaelab checkpoint is left untouched (the model is then not cached).
 *
 * @example
 * const { model, history } = await cachedTrain(() => denseVae({ latentDim: 2, seed: 1 }), { data, epochs: 10 });
 */
export async function cachedTrain<M extends TrainableModel>(
  buildModel: () => M,
  options: TrainOptions,
  cache: CachedTrainOptions = {},
): Promise<CachedTrainResult<M>> {
  if (typeof buildModel !== 'function') throw new TypeError('cachedTrain: buildModel must be a function that returns a new model');
  // refused before building, so that no model is built only to be dropped (its weights would leak)
  if (options?.optimizer) throw new TypeError(OPTIMIZER_REFUSED);
  let model = buildModel();
  const trainee = toTrainee(model, 'cachedTrain');
  const key = trainingCacheKey(model, options);
  const safeName = trainee.name.replace(/[^A-Za-z0-9._-]+/g, '_');
  const cacheDir = cache.cacheDir ?? defaultCacheDir();
  const dir = path.join(cacheDir, `${safeName}-${key}`);
  const out = options.output ?? process.stdout;
  const say = (line: string): void => {
    if ((options.verbose ?? 1) > 0) out.write(`${line}\n`);
  };
  const freshModel = () => {
    // a failed load may have changed some weights: start again from a fresh model
    (model as { dispose?: () => unknown }).dispose?.();
    model = buildModel();
  };
  const setAside = (problem: string) => {
    const moved = moveAside(dir);
    say(
      'to' in moved
        ? `cachedTrain: cache entry ${dir} is corrupt (${oneLine(problem)}); moved it aside to ${moved.to} and training again`
        : `cachedTrain: cache entry ${dir} is corrupt (${oneLine(problem)}); ${moved.failed}; training again`,
    );
  };
  cleanStaleSaveTemps(cacheDir);
  try {
    recoverInterruptedSave(dir);
  } catch {
    // the load below reports what is wrong
  }
  let cacheable = true;
  if (fs.existsSync(dir)) {
    if (!fs.existsSync(path.join(dir, 'checkpoint.json'))) {
      if (looksLikeCheckpointRemains(dir)) setAside('checkpoint.json is missing');
      else if (fs.readdirSync(dir).length > 0) {
        cacheable = false;
        say(`cachedTrain: ${dir} is not a vaelab cache entry (it holds other files); leaving it alone and training without the cache`);
      }
    } else {
      const savedAt = (): string | undefined => {
        try {
          return readCheckpointInfo(dir).savedAt;
        } catch {
          return undefined;
        }
      };
      let unverifiable = false;
      try {
        unverifiable = readCheckpointInfo(dir).files === undefined;
      } catch {
        // loadCheckpoint below reports it
      }
      if (unverifiable) {
        say(`cachedTrain: cache entry ${dir} has no checksums (saved by an older vaelab), so it cannot be verified; training again and replacing it`);
      } else {
        // A second try only when another process replaced the entry during the first (its files then mix two saves).
        for (let attempt = 1; attempt <= 2; attempt++) {
          const before = savedAt();
          try {
            const { history } = await loadCheckpoint(dir, model);
            if (!history) throw new Error('the entry has no training history');
            const last = history.epochs[history.epochs.length - 1];
            say(`cachedTrain: reused ${trainee.name} trained earlier with the same settings (${dir})`);
            if (last) say(`  ${formatEpochSummary(last, history.epochs.length)}`);
            return { model, history, fromCache: true, dir };
          } catch (e) {
            freshModel();
            const replaced = before !== undefined && savedAt() !== undefined && savedAt() !== before;
            if (replaced && attempt === 1) continue;
            setAside((e as Error).message.replace(/^loadCheckpoint\([^)]*\): /, ''));
            break;
          }
        }
      }
    }
  }
  const history = await train(model, options);
  if (cacheable) {
    try {
      await saveCheckpoint(dir, model, history);
    } catch (e) {
      // the model is trained; only the reuse next time is lost
      say(`cachedTrain: could not save the trained model to the cache ${dir}: ${oneLine((e as Error).message)}`);
    }
  }
  return { model, history, fromCache: false, dir };
}
