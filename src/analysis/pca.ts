/**
 * Principal component analysis of raw pixels with `ml-pca`, the linear baseline the
 * curriculum sets beside VAE latents. The covariance matrix is accumulated with
 * TensorFlow.js matrix products and handed to ml-pca, which finds its eigenvectors
 * (on the wasm backend about 1 s per 5,000 images for the covariance plus 14 s for the
 * 784 x 784 eigen-decomposition).
 */
import * as tf from '@tensorflow/tfjs';
import { PCA } from 'ml-pca';
import { checkInt, flatImages, isImageDataset, type ImagesInput } from '../util/validate';

/** A fitted PCA with the projection of its training images. */
export interface PcaProjection {
  /** Projected training images, flat `[count * dims]` (principal-component scores). */
  readonly codes: Float32Array;
  /** Number of projected images. */
  readonly count: number;
  /** Number of components kept. */
  readonly dims: number;
  /** Principal axes, flat `[dims * pixels]` (component after component, unit length). */
  readonly components: Float32Array;
  /** Mean image subtracted before projecting, `[pixels]`. */
  readonly mean: Float32Array;
  /** Share of the total pixel variance each kept component explains. */
  readonly explainedVarianceRatio: number[];
  /** Labels of the training images when a dataset was given. */
  readonly labels?: Uint8Array;
  /** Projects other images (e.g. the test set) with the same mean and axes: flat `[n * dims]`. */
  transform(images: ImagesInput): Float32Array;
}

/** Images per chunk of {@link pcaProject}'s covariance product unless `batchSize` says otherwise. */
export const PCA_BATCH_SIZE = 5000;

/** Options of {@link pcaProject}. */
export interface PcaOptions {
  /** Components to keep (default 2; the curriculum uses 2 and 3). */
  readonly components?: number;
  /** Pixels per image (default 784, or the dataset's rows * cols). */
  readonly pixels?: number;
  /** Images per chunk of the covariance product (default 5000). */
  readonly batchSize?: number;
}

/**
 * Fits PCA on images (flat pixels) and projects them to `components` dimensions.
 * Each axis's sign is fixed so that its largest-magnitude entry is positive (deterministic).
 */
export function pcaProject(input: ImagesInput, options: PcaOptions = {}): PcaProjection {
  const where = 'pcaProject';
  const pixels = options.pixels ?? (isImageDataset(input) ? input.rows * input.cols : 784);
  const { components = 2, batchSize = PCA_BATCH_SIZE } = options;
  checkInt(where, 'components', components);
  checkInt(where, 'batchSize', batchSize);
  const { data, count } = flatImages(where, input, pixels);
  if (components > pixels) throw new RangeError(`${where}: components = ${components} exceeds the ${pixels} pixels per image`);
  if (count < 2) throw new RangeError(`${where}: needs at least 2 images, got ${count}`);

  const mean = new Float64Array(pixels);
  for (let i = 0; i < count; i++) for (let j = 0; j < pixels; j++) mean[j] += data[i * pixels + j];
  for (let j = 0; j < pixels; j++) mean[j] /= count;
  const meanF = Float32Array.from(mean);
  const meanT = tf.tensor2d(meanF, [1, pixels]);
  let cov = tf.zeros([pixels, pixels]);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    const next = tf.tidy(() => {
      const x = tf.tensor2d(data.subarray(start * pixels, end * pixels), [end - start, pixels]).sub(meanT);
      // transpose explicitly: a transposed-operand matMul is ~10x slower on the wasm backend
      return cov.add(tf.matMul(x.transpose(), x));
    });
    cov.dispose();
    cov = next;
  }
  const covData = cov.dataSync();
  tf.dispose([cov, meanT]);
  const covRows: number[][] = [];
  for (let i = 0; i < pixels; i++) covRows.push(Array.from(covData.subarray(i * pixels, (i + 1) * pixels), (v) => v / (count - 1)));
  const pca = new PCA(covRows, { isCovarianceMatrix: true });
  const vectors = pca.getEigenvectors();
  const eigen = pca.getEigenvalues();
  const total = eigen.reduce((a, b) => a + Math.max(0, b), 0);
  const comps = new Float32Array(components * pixels);
  for (let c = 0; c < components; c++) {
    let big = 0;
    for (let j = 0; j < pixels; j++) {
      const v = vectors.get(j, c);
      if (Math.abs(v) > Math.abs(big)) big = v;
    }
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < pixels; j++) comps[c * pixels + j] = sign * vectors.get(j, c);
  }
  const transform = (images: ImagesInput): Float32Array => {
    const flat = flatImages('pcaProject.transform', images, pixels);
    const out = new Float32Array(flat.count * components);
    const meanT = tf.tensor2d(meanF, [1, pixels]);
    // (inside tidy: the untransposed tensor is an intermediate to free, not to keep)
    const compTT = tf.tidy(() => tf.tensor2d(comps, [components, pixels]).transpose());
    for (let start = 0; start < flat.count; start += batchSize) {
      const end = Math.min(flat.count, start + batchSize);
      const proj = tf.tidy(() => {
        const x = tf.tensor2d(flat.data.subarray(start * pixels, end * pixels), [end - start, pixels]).sub(meanT);
        return tf.matMul(x, compTT);
      });
      out.set(proj.dataSync() as Float32Array, start * components);
      proj.dispose();
    }
    tf.dispose([meanT, compTT]);
    return out;
  };
  const codes = transform(data);
  return {
    codes,
    count,
    dims: components,
    components: comps,
    mean: meanF,
    explainedVarianceRatio: eigen.slice(0, components).map((e) => (total > 0 ? e / total : 0)),
    labels: isImageDataset(input) && input.labels instanceof Uint8Array ? input.labels : undefined,
    transform,
  };
}
