/**
 * Generating images with a decoder: a grid over the latent plane, samples from the prior,
 * interpolation between two images, and digit-by-sample grids for conditional VAEs.
 * All results are flat Float32Array images `[count * rows * cols]` in [0, 1], ready for `imageGrid`.
 */
import * as tf from '@tensorflow/tfjs';
import type { AutoencoderModel } from '../models/types';
import type { Rng } from '../rng';
import type { LatentBounds } from './encode';
import { checkInt, checkNumber, flatImages, type ImagesInput } from '../util/validate';
import { checkModel, conditionalLabels, decodeFlat, labelSlice } from '../models/model-io';
import { modelPixelCount } from '../models/forward';

/** Images laid out as a grid of `gridRows x gridCols` cells. */
export interface GeneratedGrid {
  /** Flat images, row after row of the grid (cell (r, c) is image r * gridCols + c). */
  readonly images: Float32Array;
  /** Grid rows. */
  readonly gridRows: number;
  /** Grid columns. */
  readonly gridCols: number;
  /** Image height and width. */
  readonly imageShape: readonly [number, number];
  /** The latent code of each image, flat `[count * latentDim]`. */
  readonly z: Float32Array;
}

/** A decoder grid with the latent values along its axes. */
export interface DecoderGrid extends GeneratedGrid {
  /** Value of the x dimension in each grid column, ascending left to right. */
  readonly xValues: number[];
  /** Value of the y dimension in each grid row, DESCENDING top to bottom (row 0 = highest y). */
  readonly yValues: number[];
  /** The two latent dimensions spanned: [x, y]. */
  readonly dims: readonly [number, number];
}

/** Options of {@link decoderGrid}. */
export interface DecoderGridOptions {
  /** Cells per side (default 15). */
  readonly n?: number;
  /**
   * Latent range to cover (e.g. `latentBounds(codes)`). Required for a deterministic AE;
   * for a VAE the default is [-2, 2] in each dimension (about 95% of the N(0, 1) prior).
   */
  readonly bounds?: LatentBounds;
  /** Which two latent dimensions span the grid: [x, y] (default [0, 1]). */
  readonly dims?: readonly [number, number];
  /** Value of every other latent dimension (default 0, or `base[j]` when `base` is given). */
  readonly base?: readonly number[];
  /** Class to condition on (conditional models). */
  readonly label?: number;
}

function linspace(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (n === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * i) / (n - 1)));
}

/**
 * An n x n grid of decoded images over two latent dimensions, oriented like a scatter plot of
 * the codes: x grows left to right, y grows bottom to top (so image row 0 holds the HIGHEST y).
 */
export function decoderGrid(model: AutoencoderModel, options: DecoderGridOptions = {}): DecoderGrid {
  const where = 'decoderGrid';
  checkModel(where, model);
  const { n = 15, dims = [0, 1] } = options;
  checkInt(where, 'n', n);
  const d = model.latentDim;
  for (const j of dims) {
    if (!Number.isInteger(j) || j < 0 || j >= d) throw new RangeError(`${where}: dims ${dims} must be latent dimensions in [0, ${d})`);
  }
  if (d >= 2 && dims[0] === dims[1]) throw new RangeError(`${where}: dims must be two different latent dimensions, got [${dims}]`);
  if (d < 2) throw new RangeError(`${where}: needs a latent space of at least 2 dimensions, model '${model.name}' has ${d}`);
  let bounds = options.bounds;
  if (!bounds) {
    if (model.kind === 'ae') {
      throw new TypeError(`${where}: a deterministic AE has no prior: pass bounds, e.g. latentBounds(encodeDataset(model, data))`);
    }
    bounds = { min: new Array<number>(d).fill(-2), max: new Array<number>(d).fill(2) };
  }
  if (bounds.min.length !== d || bounds.max.length !== d) {
    throw new RangeError(`${where}: bounds have ${bounds.min.length}/${bounds.max.length} dims, expected ${d} (the latent size)`);
  }
  for (const j of dims) {
    checkNumber(where, `bounds.min[${j}]`, bounds.min[j]);
    checkNumber(where, `bounds.max[${j}]`, bounds.max[j]);
    if (!(bounds.max[j] > bounds.min[j])) throw new RangeError(`${where}: bounds.max[${j}] must exceed bounds.min[${j}]`);
  }
  const base = options.base ?? new Array<number>(d).fill(0);
  if (base.length !== d) throw new RangeError(`${where}: base has ${base.length} values, expected ${d}`);
  const [dx, dy] = dims;
  const xValues = linspace(bounds.min[dx], bounds.max[dx], n);
  const yValues = linspace(bounds.max[dy], bounds.min[dy], n);
  const z = new Float32Array(n * n * d);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const o = (r * n + c) * d;
      for (let j = 0; j < d; j++) z[o + j] = base[j];
      z[o + dx] = xValues[c];
      z[o + dy] = yValues[r];
    }
  }
  const labels = labelsFor(where, model, options.label, n * n);
  const images = decodeFlat(model, z, n * n, labels);
  return { images, gridRows: n, gridCols: n, imageShape: model.imageShape, z, xValues, yValues, dims: [dx, dy] };
}

function labelsFor(where: string, model: AutoencoderModel, label: number | undefined, count: number): Int32Array | undefined {
  if (model.kind !== 'cvae') return undefined;
  if (label === undefined) throw new TypeError(`${where}: model '${model.name}' is conditional: pass label (the class to draw)`);
  return conditionalLabels(where, model, new Int32Array(count).fill(label), count);
}

/** Images decoded from z ~ N(0, I) (the VAE prior), with their codes. */
export interface PriorSamples {
  /** Flat images `[count * pixels]`. */
  readonly images: Float32Array;
  /** The sampled codes, flat `[count * latentDim]`. */
  readonly z: Float32Array;
  /** Number of samples. */
  readonly count: number;
}

/**
 * Decodes `count` draws of z ~ N(0, I). For a conditional model pass `labels` (one class per
 * sample, or a single class for all).
 */
export function samplePrior(
  model: AutoencoderModel,
  count: number,
  rng: Rng,
  options: { readonly labels?: ArrayLike<number> | number } = {},
): PriorSamples {
  const where = 'samplePrior';
  checkModel(where, model);
  checkInt(where, 'count', count);
  if (!rng || typeof rng.normalArray !== 'function') throw new TypeError(`${where}: pass an Rng (the one random source)`);
  const z = rng.normalArray(count * model.latentDim);
  const given = typeof options.labels === 'number' ? new Int32Array(count).fill(options.labels) : options.labels;
  const labels = conditionalLabels(where, model, given, count);
  return { images: decodeFlat(model, z, count, labels), z, count };
}

/** Images along a straight line between two latent codes. */
export interface Interpolation {
  /** Flat images `[steps * pixels]`, from the first image's code to the second's. */
  readonly images: Float32Array;
  /** Codes along the line, flat `[steps * latentDim]`. */
  readonly z: Float32Array;
  /** Interpolation weights t in [0, 1]. */
  readonly t: number[];
}

/**
 * Encodes two images (the AE code or VAE mean) and decodes `steps` codes evenly spaced on
 * the line between them (both ends included). Conditional models take `label`.
 */
export function interpolate(
  model: AutoencoderModel,
  xa: ImagesInput,
  xb: ImagesInput,
  steps = 10,
  options: { readonly label?: number } = {},
): Interpolation {
  const where = 'interpolate';
  checkModel(where, model);
  checkInt(where, 'steps', steps, 2);
  const p = modelPixelCount(model);
  const a = flatImages(where, xa, p, 'xa');
  const b = flatImages(where, xb, p, 'xb');
  if (a.count !== 1 || b.count !== 1) throw new RangeError(`${where}: xa and xb must be ONE image each (${p} pixels), got ${a.count} and ${b.count}`);
  const labels = labelsFor(where, model, options.label, 2);
  const codes = tf.tidy(() => {
    const x = tf.tensor2d([...a.data, ...b.data], [2, p]);
    return model.encodeMean(x, labelSlice(labels, 0, 2));
  });
  const ends = codes.dataSync() as Float32Array;
  codes.dispose();
  const d = model.latentDim;
  const t = linspace(0, 1, steps);
  const z = new Float32Array(steps * d);
  for (let s = 0; s < steps; s++) for (let j = 0; j < d; j++) z[s * d + j] = (1 - t[s]) * ends[j] + t[s] * ends[d + j];
  return { images: decodeFlat(model, z, steps, labelsFor(where, model, options.label, steps)), z, t };
}

/** Options of {@link conditionalGrid}. */
export interface ConditionalGridOptions {
  /** Classes, one grid row each (default 0..numClasses-1). */
  readonly classes?: readonly number[];
  /** Samples per class, one grid column each (default 10). */
  readonly samplesPerClass?: number;
  /** Source of the prior draws. */
  readonly rng: Rng;
  /**
   * Use the same z in every row of a column (default true), so a column shows one "style"
   * written as every digit; false draws a fresh z per cell.
   */
  readonly sharedZ?: boolean;
}

/** A class x sample grid from a conditional VAE: row r draws class `classes[r]` from the prior. */
export function conditionalGrid(model: AutoencoderModel, options: ConditionalGridOptions): GeneratedGrid & { classes: number[] } {
  const where = 'conditionalGrid';
  checkModel(where, model);
  if (model.kind !== 'cvae') throw new TypeError(`${where}: needs a conditional VAE (kind 'cvae'), got kind '${model.kind}'`);
  const numClasses = model.numClasses ?? 10;
  const classes = [...(options.classes ?? Array.from({ length: numClasses }, (_, i) => i))];
  const { samplesPerClass = 10, rng, sharedZ = true } = options;
  checkInt(where, 'samplesPerClass', samplesPerClass);
  if (classes.length === 0) throw new RangeError(`${where}: classes is empty, expected at least one class`);
  if (!rng || typeof rng.normalArray !== 'function') throw new TypeError(`${where}: pass rng (the one random source)`);
  const d = model.latentDim;
  const count = classes.length * samplesPerClass;
  let z: Float32Array;
  if (sharedZ) {
    const cols = rng.normalArray(samplesPerClass * d);
    z = new Float32Array(count * d);
    for (let r = 0; r < classes.length; r++) z.set(cols, r * samplesPerClass * d);
  } else {
    z = rng.normalArray(count * d);
  }
  const labelList = new Int32Array(count);
  for (let r = 0; r < classes.length; r++) labelList.fill(classes[r], r * samplesPerClass, (r + 1) * samplesPerClass);
  const labels = conditionalLabels(where, model, labelList, count);
  return {
    images: decodeFlat(model, z, count, labels),
    gridRows: classes.length,
    gridCols: samplesPerClass,
    imageShape: model.imageShape,
    z,
    classes,
  };
}
