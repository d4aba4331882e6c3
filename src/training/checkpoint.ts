/**
 * Checkpoints: a model's weights (binary), its config and its training history in one folder.
 *
 * Layout of `<dir>`: `checkpoint.json` (what the model is: kind, sizes, builder config),
 * `<part>.json` + `<part>.weights.bin` per network (`encoder`, `decoder`, or `classifier`; the
 * standard tfjs model.json format) and `history.json`. A save writes a temporary sibling folder
 * and renames it into place, so a process killed mid-save never leaves a half-written checkpoint.
 * `checkpoint.json` (written last) records the size and SHA-256 of every other file; a load checks
 * them and refuses weights that are not finite, so a damaged checkpoint is an error, never a model.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { buildAutoencoder } from '../models/build';
import { encoderClassifier } from '../models/classifier';
import type { EncoderClassifier } from '../models/classifier';
import type { LayersAutoencoder } from '../models/autoencoder';
import type { AutoencoderConfig } from '../models/config';
import { CheckpointError, checkpointIOHandler, weightSpecBytes } from './io-handler';
import { writeFileAtomic } from '../util/atomic-write';
import { pidIsDead } from '../util/pid';
import { isAutoencoderModel, toTrainee } from './trainee';
import type { TrainHistory, TrainableModel } from './types';

/** Identifies the checkpoint format in `checkpoint.json`. */
export const CHECKPOINT_FORMAT = 'vaelab-checkpoint';
/** Version 2 added `files` (size and SHA-256 of every file); version 1 checkpoints still load, unverified. */
export const CHECKPOINT_VERSION = 2;
const INFO_FILE = 'checkpoint.json';
const HISTORY_FILE = 'history.json';

/** Size and content hash of one file of a checkpoint, as recorded in `checkpoint.json`. */
export interface CheckpointFileDigest {
  /** Size in bytes. */
  readonly bytes: number;
  /** SHA-256 of the contents, lower-case hex. */
  readonly sha256: string;
}

/** What `checkpoint.json` holds. */
export interface CheckpointInfo {
  /** Marks the file as a vaelab checkpoint. */
  readonly format: typeof CHECKPOINT_FORMAT;
  /** Checkpoint format version. */
  readonly version: number;
  /** Model name. */
  readonly name: string;
  /** `ae`, `vae`, `cvae` or `classifier`. */
  readonly kind: string;
  /** Autoencoders: size of z. */
  readonly latentDim?: number;
  /** Autoencoders: image height and width. */
  readonly imageShape?: readonly [number, number];
  /** VAEs: `logVar` or `logStd`. */
  readonly parameterization?: string;
  /** Conditional models and classifiers: number of classes. */
  readonly numClasses?: number;
  /** The builder config (`model.config`), from which `loadCheckpoint(dir)` rebuilds the model; null if unknown. */
  readonly config: unknown;
  /** The network parts saved, e.g. ['encoder', 'decoder']. */
  readonly parts: readonly string[];
  /** Backend the weights were trained on. */
  readonly backend: string;
  /** ISO time of the save. */
  readonly savedAt: string;
  /**
   * Every other file of the checkpoint (by file name) with its size and SHA-256, checked on load.
   * Absent in checkpoints of format version 1, which therefore cannot be verified.
   */
  readonly files?: Readonly<Record<string, CheckpointFileDigest>>;
}

/** What {@link loadCheckpoint} returns. */
export interface LoadedCheckpoint<M> {
  /** The model with the checkpoint's weights. */
  readonly model: M;
  /** The training history saved with it (undefined if none was). */
  readonly history?: TrainHistory;
  /** The checkpoint's description. */
  readonly info: CheckpointInfo;
  /** True when every file matched the SHA-256 recorded at save time (false: an old checkpoint without checksums). */
  readonly verified: boolean;
}

/** A model vaelab can rebuild from a checkpoint's config alone. */
export type RebuiltModel = LayersAutoencoder | EncoderClassifier;

function modelConfig(model: TrainableModel): unknown {
  const c = (model as { config?: unknown }).config;
  return c !== undefined && c !== null && typeof c === 'object' ? c : null;
}

async function captureArtifacts(network: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  const grab = tf.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  });
  try {
    await network.save(grab);
  } catch {
    // A layer without serialisation (custom layer): keep the weights, skip the topology.
    const named = network.weights.map((w) => ({ name: w.originalName ?? w.name, tensor: w.read() }));
    const { data, specs } = await tf.io.encodeWeights(named);
    captured = { weightData: data, weightSpecs: specs };
  }
  return captured as tf.io.ModelArtifacts;
}

/** SHA-256 (hex) of bytes. */
function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Index and count of the first non-finite value in a float array, or null when all are finite. */
function firstNonFinite(values: ArrayLike<number>): { index: number; count: number } | null {
  let index = -1;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      if (index < 0) index = i;
      count++;
    }
  }
  return index < 0 ? null : { index, count };
}

/** Throws a CheckpointError naming the first weight of `network` that holds NaN or Infinity. */
function checkFiniteWeights(network: tf.LayersModel, part: string, where: string, modelName: string): void {
  network.weights.forEach((w, i) => {
    if (w.dtype !== 'float32') return;
    const values = w.read().dataSync() as Float32Array;
    const bad = firstNonFinite(values);
    if (bad) {
      throw new CheckpointError(
        `${where}: ${part} weight ${i} ('${w.originalName ?? w.name}') of '${modelName}' is not finite (NaN or Infinity in ${bad.count} of ` +
          `${values.length} values; did training diverge?); a checkpoint with such weights could never be loaded, so it is not saved`,
      );
    }
  });
}

/** Names of the files a checkpoint (or a temporary copy of one) may hold: `checkpoint.json`, `<part>.json`, `<part>.weights.bin`, `history.json`, atomic-write temporaries. */
const CHECKPOINT_FILE = /^(?:[A-Za-z0-9_-]+\.json|[A-Za-z0-9_-]+\.weights\.bin|\.[^/]+\.tmp)$/;

/**
 * True when the folder `dir` holds nothing but files of the names a vaelab checkpoint consists of
 * (at least one weights file), e.g. the remains of a checkpoint whose `checkpoint.json` was lost.
 */
export function looksLikeCheckpointRemains(dir: string): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  return (
    entries.length > 0 && entries.every((e) => e.isFile() && CHECKPOINT_FILE.test(e.name)) && entries.some((e) => e.name.endsWith('.weights.bin'))
  );
}

/** How old (by modification time) a temporary folder of a save must be to count as abandoned even if its pid is in use. */
export const STALE_SAVE_AGE_MS = 60 * 60 * 1000;

/**
 * Removes the debris of killed saves in the folder `parent`: temporary folders `.<name>.tmp-<pid>-*`
 * and set-aside previous checkpoints `.<name>.old-<pid>-*` (only when `<name>` itself exists again;
 * otherwise the `.old-` folder is the only copy and a load puts it back) whose process is no longer
 * running or that are older than {@link STALE_SAVE_AGE_MS}. With `only`, just the debris of that
 * checkpoint name. Returns the folders removed. Never throws.
 */
export function cleanStaleSaveTemps(parent: string, only?: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^\.(.+)\.(tmp|old)-(\d+)-[A-Za-z0-9]+(?:-\d+)?$/.exec(name);
    if (!m || (only !== undefined && m[1] !== only)) continue;
    const full = path.join(parent, name);
    try {
      const stat = fs.lstatSync(full);
      if (!stat.isDirectory()) continue;
      const stale = pidIsDead(Number(m[3])) || Date.now() - stat.mtimeMs > STALE_SAVE_AGE_MS;
      if (!stale) continue;
      if (m[2] === 'old' && !fs.existsSync(path.join(parent, m[1], INFO_FILE))) continue;
      fs.rmSync(full, { recursive: true, force: true });
      removed.push(full);
    } catch {
      // another process cleaned it meanwhile, or it cannot be removed: leave it
    }
  }
  return removed;
}

/**
 * Saves `model`'s weights, its config and `history` into the folder `dir` (replacing an earlier
 * checkpoint there atomically) and returns the absolute folder path. Refuses to replace a folder
 * that is not a checkpoint.
 */
export async function saveCheckpoint(dir: string, model: TrainableModel, history?: TrainHistory): Promise<string> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('saveCheckpoint: dir must be a folder path');
  const trainee = toTrainee(model, 'saveCheckpoint');
  const target = path.resolve(dir);
  if (fs.existsSync(target) && !fs.existsSync(path.join(target, INFO_FILE)) && fs.readdirSync(target).length > 0) {
    throw new CheckpointError(`saveCheckpoint: ${target} exists and is not a vaelab checkpoint; refusing to replace it`);
  }
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  cleanStaleSaveTemps(parent, path.basename(target));
  for (const { part, model: network } of trainee.networks) checkFiniteWeights(network, part, 'saveCheckpoint', trainee.name);
  const tag = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${tag}`);
  const ae = isAutoencoderModel(model) ? model : undefined;
  const description: Omit<CheckpointInfo, 'files'> = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    name: trainee.name,
    kind: trainee.kind,
    ...(ae ? { latentDim: ae.latentDim, imageShape: [ae.imageShape[0], ae.imageShape[1]] as [number, number] } : {}),
    ...(ae?.parameterization ? { parameterization: ae.parameterization } : {}),
    ...((model as { numClasses?: number }).numClasses !== undefined ? { numClasses: (model as { numClasses?: number }).numClasses } : {}),
    config: modelConfig(model),
    parts: trainee.networks.map((n) => n.part),
    backend: tf.getBackend(),
    savedAt: new Date().toISOString(),
  };
  try {
    fs.mkdirSync(tmp);
    for (const { part, model: network } of trainee.networks) {
      await checkpointIOHandler(tmp, part).save(await captureArtifacts(network));
    }
    if (history !== undefined) writeFileAtomic(path.join(tmp, HISTORY_FILE), JSON.stringify(history, null, 1));
    const files: Record<string, CheckpointFileDigest> = {};
    for (const name of fs.readdirSync(tmp).sort()) {
      const bytes = fs.readFileSync(path.join(tmp, name));
      files[name] = { bytes: bytes.byteLength, sha256: sha256Hex(bytes) };
    }
    const info: CheckpointInfo = { ...description, files };
    writeFileAtomic(path.join(tmp, INFO_FILE), JSON.stringify(info, null, 2)); // written last: marks a complete folder
    swapIntoPlace(tmp, target, path.join(parent, `.${path.basename(target)}.old-${tag}`));
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return target;
}

/**
 * Renames the finished folder `tmp` to `target`, moving an earlier checkpoint aside to `old` first
 * (and deleting it after). Retries when another process saves the same checkpoint at the same time.
 */
function swapIntoPlace(tmp: string, target: string, old: string): void {
  const moved: string[] = [];
  for (let attempt = 0; ; attempt++) {
    try {
      if (fs.existsSync(target)) {
        const aside = `${old}-${attempt}`;
        fs.renameSync(target, aside);
        moved.push(aside);
      }
      fs.renameSync(tmp, target);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const race = code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT';
      if (!race || attempt >= 4) throw e;
    }
  }
  for (const aside of moved) fs.rmSync(aside, { recursive: true, force: true });
}

/** If a save was killed between its two renames, the previous checkpoint waits in a `.old-` sibling: put it back. */
export function recoverInterruptedSave(target: string): void {
  if (fs.existsSync(target)) return;
  const parent = path.dirname(target);
  if (!fs.existsSync(parent)) return;
  const prefix = `.${path.basename(target)}.old-`;
  const old = fs
    .readdirSync(parent)
    .filter((n) => n.startsWith(prefix) && fs.existsSync(path.join(parent, n, INFO_FILE)))
    .sort((a, b) => fs.statSync(path.join(parent, b)).mtimeMs - fs.statSync(path.join(parent, a)).mtimeMs)[0];
  if (old) fs.renameSync(path.join(parent, old), target);
}

/** Reads `checkpoint.json` of the checkpoint in `dir`; CheckpointError if there is none or it is not one. */
export function readCheckpointInfo(dir: string): CheckpointInfo {
  const target = path.resolve(dir);
  recoverInterruptedSave(target);
  const file = path.join(target, INFO_FILE);
  if (!fs.existsSync(file)) throw new CheckpointError(`loadCheckpoint: no checkpoint in ${target} (${INFO_FILE} is missing)`);
  let info: CheckpointInfo;
  try {
    info = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointInfo;
  } catch (e) {
    throw new CheckpointError(`loadCheckpoint: ${file} is corrupt (${(e as Error).message})`);
  }
  if (info == null || info.format !== CHECKPOINT_FORMAT || !Array.isArray(info.parts)) {
    throw new CheckpointError(`loadCheckpoint: ${file} is not a vaelab checkpoint description`);
  }
  if (info.version > CHECKPOINT_VERSION) {
    throw new CheckpointError(`loadCheckpoint: ${target} has checkpoint version ${info.version}; this vaelab reads up to ${CHECKPOINT_VERSION}`);
  }
  if (info.files !== undefined && (info.files === null || typeof info.files !== 'object')) {
    throw new CheckpointError(`loadCheckpoint: ${file} is corrupt ("files" must map file names to their size and SHA-256)`);
  }
  return info;
}

/** Throws a CheckpointError unless `bytes` are what `checkpoint.json` recorded for `name` (when it records checksums). */
function verifyDigest(info: CheckpointInfo, name: string, bytes: Uint8Array, where: string): void {
  if (!info.files) return;
  const want = info.files[name];
  if (!want) throw new CheckpointError(`${where}: ${name} is not listed in ${INFO_FILE} (the checkpoint is incomplete or was altered)`);
  if (bytes.byteLength !== want.bytes) {
    throw new CheckpointError(
      `${where}: ${name} has ${bytes.byteLength} bytes but ${INFO_FILE} recorded ${want.bytes}; the file changed after it was saved`,
    );
  }
  if (sha256Hex(bytes) !== want.sha256) {
    throw new CheckpointError(`${where}: ${name} does not match the SHA-256 recorded in ${INFO_FILE}; the file changed after it was saved`);
  }
}

/** Reads one file of a checkpoint and checks it against its recorded SHA-256; CheckpointError if missing or different. */
function readVerified(root: string, info: CheckpointInfo, name: string, where: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.join(root, name));
  } catch {
    throw new CheckpointError(`${where}: ${name} is missing`);
  }
  verifyDigest(info, name, bytes, where);
  return bytes;
}

function rebuild(info: CheckpointInfo, where: string): RebuiltModel {
  const config = info.config as { type?: unknown } | null;
  if (config == null || typeof config !== 'object') {
    throw new CheckpointError(`${where}: the checkpoint has no model config; pass the model (or a builder) to load the weights into`);
  }
  try {
    if (config.type === 'encoderClassifier') {
      const c = config as { numClasses?: number; seed?: number; name?: string };
      return encoderClassifier({ numClasses: c.numClasses, seed: c.seed, name: c.name });
    }
    return buildAutoencoder(config as AutoencoderConfig);
  } catch (e) {
    throw new CheckpointError(`${where}: cannot rebuild the model from the checkpoint's config: ${(e as Error).message}`);
  }
}

/** JSON of a config without the fields that do not change the architecture (seed, name). */
function architectureOf(config: unknown): string {
  if (config == null || typeof config !== 'object') return '';
  const { seed: _seed, name: _name, ...rest } = config as Record<string, unknown>;
  return JSON.stringify(rest);
}

function checkSameModel(info: CheckpointInfo, model: TrainableModel, where: string): void {
  const trainee = toTrainee(model, where);
  const problems: string[] = [];
  if (info.kind !== trainee.kind) problems.push(`kind ${info.kind} vs ${trainee.kind}`);
  if (isAutoencoderModel(model)) {
    if (info.latentDim !== undefined && info.latentDim !== model.latentDim) problems.push(`latentDim ${info.latentDim} vs ${model.latentDim}`);
    if (info.imageShape && info.imageShape.join('x') !== model.imageShape.join('x')) {
      problems.push(`imageShape ${info.imageShape.join('x')} vs ${model.imageShape.join('x')}`);
    }
  }
  const given = modelConfig(model);
  if (problems.length === 0 && info.config != null && given != null && architectureOf(info.config) !== architectureOf(given)) {
    problems.push(`config ${architectureOf(info.config)} vs ${architectureOf(given)}`);
  }
  if (info.parts.join() !== trainee.networks.map((n) => n.part).join())
    problems.push(`parts ${info.parts.join('+')} vs ${trainee.networks.map((n) => n.part).join('+')}`);
  if (problems.length > 0) {
    throw new CheckpointError(`${where}: the checkpoint does not match the model '${trainee.name}' (checkpoint vs model: ${problems.join('; ')})`);
  }
}

function decodeInOrder(data: ArrayBuffer, specs: tf.io.WeightsManifestEntry[]): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  let offset = 0;
  for (const spec of specs) {
    const bytes = weightSpecBytes(spec);
    const slice = data.slice(offset, offset + bytes);
    offset += bytes;
    const values = spec.dtype === 'int32' ? new Int32Array(slice) : spec.dtype === 'bool' ? new Uint8Array(slice) : new Float32Array(slice);
    out.push(tf.tensor(values, spec.shape, spec.dtype as tf.DataType));
  }
  return out;
}

async function loadPart(dir: string, info: CheckpointInfo, part: string, network: tf.LayersModel, where: string): Promise<void> {
  readVerified(dir, info, `${part}.json`, where);
  const artifacts = await checkpointIOHandler(dir, part).load();
  // the bytes actually loaded are the ones checked
  verifyDigest(info, `${part}.weights.bin`, new Uint8Array(artifacts.weightData as ArrayBuffer), where);
  const specs = artifacts.weightSpecs ?? [];
  const weights = network.weights;
  if (specs.length !== weights.length) {
    throw new CheckpointError(
      `${where}: the ${part} in the checkpoint has ${specs.length} weight tensors but the model's ${part} has ${weights.length}; ` +
        'the checkpoint was saved from a different architecture',
    );
  }
  specs.forEach((spec, i) => {
    const want = weights[i].shape;
    if (spec.shape.length !== want.length || spec.shape.some((d, k) => d !== want[k])) {
      throw new CheckpointError(
        `${where}: ${part} weight ${i} ('${spec.name}') has shape [${spec.shape.join(',')}] in the checkpoint but ` +
          `[${want.join(',')}] in the model ('${weights[i].originalName ?? weights[i].name}'); the checkpoint does not match this configuration`,
      );
    }
  });
  const tensors = decodeInOrder(artifacts.weightData as ArrayBuffer, specs);
  try {
    tensors.forEach((t, i) => {
      if (t.dtype !== 'float32') return;
      const bad = firstNonFinite(t.dataSync() as Float32Array);
      if (bad) {
        throw new CheckpointError(
          `${where}: ${part} weight ${i} ('${specs[i].name}') is not finite (NaN or Infinity in ${bad.count} of ${t.size} values); the checkpoint is corrupt`,
        );
      }
    });
    network.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Loads the checkpoint in `dir`. Without `target`, rebuilds the model from the saved config
 * (`buildAutoencoder` / `encoderClassifier`); with a model, loads the weights into it; with a
 * function, calls it with the saved config to build the model. Fails with a CheckpointError when
 * the files are missing, truncated or differ from the SHA-256 recorded at save time, when a weight
 * is not finite, or when the weights' shapes do not match the model. Checkpoints of format
 * version 1 (no checksums) load with `verified: false`.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint<RebuiltModel>>;
export async function loadCheckpoint<M extends TrainableModel>(dir: string, target: M | ((config: unknown) => M)): Promise<LoadedCheckpoint<M>>;
export async function loadCheckpoint(
  dir: string,
  target?: TrainableModel | ((config: unknown) => TrainableModel),
): Promise<LoadedCheckpoint<TrainableModel>> {
  const where = `loadCheckpoint(${dir})`;
  const info = readCheckpointInfo(dir);
  const root = path.resolve(dir);
  const built =
    target === undefined
      ? rebuild(info, where)
      : typeof target === 'function' && !(target instanceof tf.LayersModel)
        ? target(info.config)
        : undefined;
  const model = (built ?? target) as TrainableModel;
  try {
    checkSameModel(info, model, where);
    for (const { part, model: network } of toTrainee(model).networks) await loadPart(root, info, part, network, where);
  } catch (e) {
    if (built) (built as { dispose(): void }).dispose();
    throw e;
  }
  const historyFile = path.join(root, HISTORY_FILE);
  let history: TrainHistory | undefined;
  if (fs.existsSync(historyFile) || info.files?.[HISTORY_FILE] !== undefined) {
    try {
      const text = readVerified(root, info, HISTORY_FILE, where).toString('utf8');
      try {
        history = JSON.parse(text) as TrainHistory;
      } catch (e) {
        throw new CheckpointError(`${where}: ${historyFile} is corrupt (${(e as Error).message})`);
      }
    } catch (e) {
      if (built) (built as { dispose(): void }).dispose();
      throw e;
    }
  }
  return { model, history, info, verified: info.files !== undefined };
}
