/**
 * Frechet distance between two sets of feature vectors (the measure behind FID): fit a Gaussian
 * (mean, covariance) to each set and compute
 *
 *   d^2 = ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2})
 *
 * in double precision. The trace of the matrix square root is taken in the symmetric form
 * Tr((S1^{1/2} S2 S1^{1/2})^{1/2}), which has the same eigenvalues as S1 S2 but is symmetric
 * positive semi-definite, so a symmetric eigen decomposition (ml-matrix) gives it stably.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { checkInt } from '../util/validate';

/** A set of feature vectors: `count` rows of `dims` values, flat and row after row. */
export interface FeatureMatrix {
  /** The values, row after row (`count * dims`). */
  readonly values: ArrayLike<number>;
  /** Values per row (the feature dimension). */
  readonly dims: number;
}

/** A Gaussian fitted to a feature set: mean, covariance (unbiased, divisor n - 1) and sample count. */
export interface GaussianFit {
  /** Mean vector `[dims]`. */
  readonly mean: Float64Array;
  /** Covariance, row-major `[dims * dims]`, symmetric. */
  readonly covariance: Float64Array;
  /** Feature dimension. */
  readonly dims: number;
  /** Number of samples it was fitted to (0 for a Gaussian given by its moments). */
  readonly count: number;
}

/** What {@link frechetDistance} accepts for each side: feature rows (`number[][]`), a {@link FeatureMatrix}, or a fitted {@link GaussianFit}. */
export type FeatureInput = FeatureMatrix | GaussianFit | ReadonlyArray<ArrayLike<number>>;

/** The smallest number of samples a Gaussian is fitted to (a covariance needs two). */
export const MIN_FRECHET_SAMPLES = 2;

function isGaussianFit(x: unknown): x is GaussianFit {
  return typeof x === 'object' && x !== null && 'mean' in x && 'covariance' in x;
}

function checkFiniteValues(where: string, name: string, values: ArrayLike<number>, dims: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`${where}: ${name} row ${Math.floor(i / dims)}, column ${i % dims} is ${String(v)}; expected finite numbers`);
    }
  }
}

/** Rows of a feature set as one flat array with its size; errors name `where` and `name` (internal, shared with judge-scores). */
export function flatFeatures(
  where: string,
  name: string,
  input: FeatureMatrix | ReadonlyArray<ArrayLike<number>>,
): { values: ArrayLike<number>; count: number; dims: number } {
  if (Array.isArray(input)) {
    const rows = input as ReadonlyArray<ArrayLike<number>>;
    if (rows.length === 0) throw new RangeError(`${where}: ${name} has no rows; expected a non-empty array of rows`);
    const dims = rows[0]?.length;
    if (!Number.isInteger(dims) || dims < 1) throw new RangeError(`${where}: ${name}[0] must be a non-empty array of numbers`);
    const values = new Float64Array(rows.length * dims);
    rows.forEach((r, i) => {
      if (r == null || r.length !== dims) {
        throw new RangeError(`${where}: ${name}[${i}] has ${r == null ? 'no' : r.length} values, expected ${dims} like row 0`);
      }
      for (let j = 0; j < dims; j++) values[i * dims + j] = r[j];
    });
    return { values, count: rows.length, dims };
  }
  if (typeof input !== 'object' || input === null || !('values' in input) || !('dims' in input)) {
    throw new TypeError(`${where}: ${name} must be feature rows (number[][]), { values, dims } or a GaussianFit from fitGaussian`);
  }
  const { values, dims } = input as FeatureMatrix;
  checkInt(where, `${name}.dims`, dims);
  if (values == null || typeof values.length !== 'number') throw new TypeError(`${where}: ${name}.values must be an array of numbers`);
  if (values.length % dims !== 0) {
    throw new RangeError(`${where}: ${name} has ${values.length} values, not a multiple of dims = ${dims}`);
  }
  return { values, count: values.length / dims, dims };
}

/**
 * Fits a Gaussian to feature vectors: their mean and unbiased covariance (divisor n - 1), in
 * double precision. Fit a reference set once and pass the fit to {@link frechetDistance} many times.
 * Throws for fewer than {@link MIN_FRECHET_SAMPLES} rows, ragged rows or non-finite values.
 */
export function fitGaussian(features: FeatureMatrix | ReadonlyArray<ArrayLike<number>>): GaussianFit {
  return fitGaussianAt('fitGaussian', 'features', features);
}

function fitGaussianAt(where: string, name: string, features: FeatureMatrix | ReadonlyArray<ArrayLike<number>>): GaussianFit {
  const { values, count, dims } = flatFeatures(where, name, features);
  if (count < MIN_FRECHET_SAMPLES) {
    throw new RangeError(`${where}: ${name} has ${count} feature vector(s); a covariance needs at least ${MIN_FRECHET_SAMPLES}`);
  }
  checkFiniteValues(where, name, values, dims);
  const mean = new Float64Array(dims);
  for (let i = 0; i < count; i++) for (let j = 0; j < dims; j++) mean[j] += values[i * dims + j];
  for (let j = 0; j < dims; j++) mean[j] /= count;
  const covariance = new Float64Array(dims * dims);
  const centred = new Float64Array(dims);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dims; j++) centred[j] = values[i * dims + j] - mean[j];
    for (let a = 0; a < dims; a++) {
      const ca = centred[a];
      if (ca === 0) continue;
      const row = a * dims;
      for (let b = a; b < dims; b++) covariance[row + b] += ca * centred[b];
    }
  }
  for (let a = 0; a < dims; a++) {
    for (let b = a; b < dims; b++) {
      const v = covariance[a * dims + b] / (count - 1);
      covariance[a * dims + b] = v;
      covariance[b * dims + a] = v;
    }
  }
  return { mean, covariance, dims, count };
}

function checkGaussian(where: string, name: string, g: GaussianFit): void {
  const { dims } = g;
  checkInt(where, `${name}.dims`, dims);
  if (g.mean?.length !== dims) throw new RangeError(`${where}: ${name}.mean has ${g.mean?.length} values, expected dims = ${dims}`);
  if (g.covariance?.length !== dims * dims) {
    throw new RangeError(`${where}: ${name}.covariance has ${g.covariance?.length} values, expected dims*dims = ${dims * dims}`);
  }
  checkFiniteValues(where, `${name}.mean`, g.mean, dims);
  checkFiniteValues(where, `${name}.covariance`, g.covariance, dims);
  const tol = (a: number, b: number): number => 1e-9 * (Math.abs(a) + Math.abs(b)) + 1e-300;
  for (let a = 0; a < dims; a++) {
    for (let b = a + 1; b < dims; b++) {
      const x = g.covariance[a * dims + b];
      const y = g.covariance[b * dims + a];
      if (Math.abs(x - y) > tol(x, y)) {
        throw new RangeError(`${where}: ${name}.covariance is not symmetric ([${a}][${b}] = ${x} but [${b}][${a}] = ${y})`);
      }
    }
  }
}

function toGaussian(where: string, name: string, x: FeatureInput): GaussianFit {
  if (isGaussianFit(x)) {
    checkGaussian(where, name, x);
    return x;
  }
  return fitGaussianAt(where, name, x as FeatureMatrix | ReadonlyArray<ArrayLike<number>>);
}

function toMatrix(flat: Float64Array, dims: number): Matrix {
  const m = new Matrix(dims, dims);
  for (let a = 0; a < dims; a++) for (let b = 0; b < dims; b++) m.set(a, b, flat[a * dims + b]);
  return m;
}

/** (M + M^T) / 2: removes the rounding asymmetry before a symmetric eigen decomposition. */
function symmetrised(m: Matrix): Matrix {
  const n = m.rows;
  const out = new Matrix(n, n);
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) out.set(a, b, 0.5 * (m.get(a, b) + m.get(b, a)));
  return out;
}

/** Eigenvalues of a symmetric matrix, with the (tiny) negative ones of a PSD matrix set to 0. */
function psdEigen(m: Matrix): { values: number[]; vectors: Matrix } {
  const evd = new EigenvalueDecomposition(symmetrised(m), { assumeSymmetric: true });
  return { values: evd.realEigenvalues.map((v) => (v > 0 ? v : 0)), vectors: evd.eigenvectorMatrix };
}

/** The symmetric PSD square root V diag(sqrt(lambda)) V^T of a covariance. */
function psdSqrt(m: Matrix): Matrix {
  const { values, vectors } = psdEigen(m);
  const scaled = vectors.clone();
  for (let b = 0; b < values.length; b++) {
    const s = Math.sqrt(values[b]);
    for (let a = 0; a < scaled.rows; a++) scaled.set(a, b, scaled.get(a, b) * s);
  }
  return scaled.mmul(vectors.transpose());
}

/** The terms of a Frechet distance. */
export interface FrechetDistance {
  /** The Frechet distance d^2 = meanTerm + covarianceTerm (squared units of the features, >= 0). */
  readonly distance: number;
  /** ||mu1 - mu2||^2. */
  readonly meanTerm: number;
  /** Tr(S1 + S2 - 2 (S1 S2)^{1/2}). */
  readonly covarianceTerm: number;
  /** Feature dimension. */
  readonly dims: number;
  /** Sample counts of the two sides (0 for a side given by its moments). */
  readonly counts: readonly [number, number];
}

/**
 * The Frechet distance between Gaussians fitted to two feature sets (FID when the features are an
 * image classifier's penultimate layer): ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^{1/2}), in double
 * precision. Each side is feature rows, a `{ values, dims }` matrix, or a {@link GaussianFit}
 * (fit a fixed reference once, e.g. with {@link judgeReference}). Rounding can leave a result a hair
 * below zero; it is reported as 0. With fewer samples than dimensions the covariances are
 * singular; the distance is still defined but biased upwards, so compare sets of equal size.
 *
 * @example
 * const ref = judgeReference(judge, testImages);
 * const d = frechetDistance(judge.features(samples), ref).distance;
 */
export function frechetDistance(a: FeatureInput, b: FeatureInput): FrechetDistance {
  const where = 'frechetDistance';
  if (a == null) throw new TypeError(`${where}: the first feature set is ${String(a)}`);
  if (b == null) throw new TypeError(`${where}: the second feature set is ${String(b)}`);
  const g1 = toGaussian(where, 'the first feature set', a);
  const g2 = toGaussian(where, 'the second feature set', b);
  if (g1.dims !== g2.dims) {
    throw new RangeError(
      `${where}: the feature sets have different dimensions (${g1.dims} and ${g2.dims}); expected features from the same network layer`,
    );
  }
  const dims = g1.dims;
  let meanTerm = 0;
  for (let j = 0; j < dims; j++) meanTerm += (g1.mean[j] - g2.mean[j]) ** 2;
  let trace1 = 0;
  let trace2 = 0;
  for (let j = 0; j < dims; j++) {
    trace1 += g1.covariance[j * dims + j];
    trace2 += g2.covariance[j * dims + j];
  }
  const s1 = toMatrix(g1.covariance, dims);
  const s2 = toMatrix(g2.covariance, dims);
  const root1 = psdSqrt(s1);
  const middle = root1.mmul(s2).mmul(root1);
  const traceRoot = psdEigen(middle).values.reduce((s, v) => s + Math.sqrt(v), 0);
  const covarianceTerm = trace1 + trace2 - 2 * traceRoot;
  const raw = meanTerm + covarianceTerm;
  return {
    distance: raw > 0 ? raw : 0,
    meanTerm,
    covarianceTerm,
    dims,
    counts: [g1.count, g2.count],
  };
}
