/**
 * A TensorFlow.js IOHandler for a folder on disk (tfjs-node's `file://` handler is not
 * available here): `<name>.json` in the standard model.json format plus `<name>.weights.bin`.
 * Every file is written atomically (temporary file, then rename).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from '../util/atomic-write';

/** Thrown when checkpoint files are missing, truncated or do not match the model. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1 };

/** Bytes a weights manifest entry takes in the weights file. */
export function weightSpecBytes(spec: tf.io.WeightsManifestEntry): number {
  const per = spec.quantization ? (BYTES[spec.quantization.dtype] ?? 4) : BYTES[spec.dtype];
  if (per === undefined) throw new CheckpointError(`weight '${spec.name}' has dtype ${spec.dtype}, which checkpoints do not support`);
  return spec.shape.reduce((a, d) => a * d, 1) * per;
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const total = data.reduce((a, b) => a + b.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new CheckpointError(`${what}: ${file} is missing`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${what}: ${file} is not valid JSON (${(e as Error).message}); the file is corrupt or truncated`);
  }
}

/** An IOHandler with both `save` and `load`. */
export type CheckpointIOHandler = tf.io.IOHandler & { save: tf.io.SaveHandler; load: tf.io.LoadHandler };

/**
 * An IOHandler that saves to / loads from `<dir>/<name>.json` and `<dir>/<name>.weights.bin`,
 * usable with `model.save(handler)` and `tf.loadLayersModel(handler)`. Loading checks that the
 * weights file holds exactly the bytes the manifest lists (a truncated file is a clear error).
 */
export function checkpointIOHandler(dir: string, name: string): CheckpointIOHandler {
  const jsonFile = path.join(dir, `${name}.json`);
  const weightsName = `${name}.weights.bin`;
  const weightsFile = path.join(dir, weightsName);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      fs.mkdirSync(dir, { recursive: true });
      const weights = artifacts.weightData ? concatBuffers(artifacts.weightData as ArrayBuffer | ArrayBuffer[]) : new Uint8Array(0);
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: 'vaelab checkpointIOHandler',
        modelTopology: artifacts.modelTopology ?? null,
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
        weightsBytes: weights.byteLength,
      };
      writeFileAtomic(weightsFile, weights);
      writeFileAtomic(jsonFile, JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const what = `checkpoint ${dir}`;
      const json = readJson(jsonFile, what) as {
        modelTopology?: unknown;
        weightsManifest?: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
        format?: string;
        generatedBy?: string;
      };
      if (!Array.isArray(json.weightsManifest)) throw new CheckpointError(`${what}: ${jsonFile} has no weightsManifest`);
      const specs = json.weightsManifest.flatMap((g) => g.weights);
      const expected = specs.reduce((a, s) => a + weightSpecBytes(s), 0);
      let bytes: Buffer;
      try {
        bytes = fs.readFileSync(weightsFile);
      } catch {
        throw new CheckpointError(`${what}: the weights file ${weightsFile} is missing`);
      }
      if (bytes.byteLength !== expected) {
        throw new CheckpointError(
          `${what}: the weights file ${weightsName} is ${bytes.byteLength < expected ? 'truncated' : 'too long'}: ` +
            `${bytes.byteLength} bytes, but ${name}.json lists ${specs.length} weights of ${expected} bytes. The checkpoint is corrupt; save it again.`,
        );
      }
      const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      return {
        modelTopology: (json.modelTopology ?? undefined) as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: specs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
      };
    },
  };
}
