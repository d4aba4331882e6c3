/** Anomaly detection by reconstruction error: images the autoencoder rebuilds badly are flagged. */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from '../models/types';
import { checkInt, flatImages, isImageDataset, type ImagesInput } from '../util/validate';
import { perImageMseInto } from '../util/per-image-mse';
import { ANALYSIS_BATCH_SIZE, checkModel, conditionalLabels, labelSlice } from '../models/model-io';
import { modelPixelCount } from '../models/forward';

/** Options of {@link reconstructionErrors}. */
export interface ReconstructionErrorOptions {
  /** Images per forward pass (default 500). */
  readonly batchSize?: number;
  /** One class per image for conditional models. */
  readonly labels?: ArrayLike<number>;
}

/** Reconstruct each image (encode to the code / mean, decode) in batches: flat `[count * pixels]`. */
export function reconstructDataset(model: AutoencoderModel, images: ImagesInput, options: ReconstructionErrorOptions = {}): Float32Array {
  const where = 'reconstructDataset';
  checkModel(where, model);
  const { batchSize = ANALYSIS_BATCH_SIZE } = options;
  checkInt(where, 'batchSize', batchSize);
  const { data, count, pixels } = flatImages(where, images, modelPixelCount(model));
  const labels = conditionalLabels(where, model, options.labels ?? (isImageDataset(images) ? images.labels : undefined), count);
  const out = new Float32Array(data.length);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const x = tf.tensor2d(data.subarray(start * pixels, end * pixels), [end - start, pixels]);
    const lt = labelSlice(labels, start, end);
    const y = tf.tidy(() => model.decode(model.encodeMean(x, lt), lt));
    if (y.shape[0] !== end - start || y.shape[1] !== pixels) {
      const shape = y.shape.join(',');
      tf.dispose([x, lt, y]);
      throw new Error(`${where}: model '${model.name}' reconstructed shape [${shape}], expected [${end - start}, ${pixels}]`);
    }
    out.set(y.dataSync() as Float32Array, start * pixels);
    tf.dispose([x, lt, y]);
  }
  return out;
}

/** Anomaly score of each image: mean squared error between it and its reconstruction. */
export function reconstructionErrors(model: AutoencoderModel, images: ImagesInput, options: ReconstructionErrorOptions = {}): Float32Array {
  checkModel('reconstructionErrors', model);
  const { data, count, pixels } = flatImages('reconstructionErrors', images, modelPixelCount(model));
  const recon = reconstructDataset(model, images, options);
  return perImageMseInto(data, recon, count, pixels, new Float32Array(count));
}
