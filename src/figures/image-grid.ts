/**
 * Image grids composed with sharp: flat greyscale images in [0, 1] become one PNG, each image
 * upscaled by nearest neighbour (crisp pixels), with thin separators and optional labels, axis
 * titles and a title. Digits are drawn the MNIST way: white strokes on black.
 */
import sharp from 'sharp';
import { ensureFigureFonts } from './fonts';
import { figureFromPng, type Figure } from './figure';
import { svgDocument, svgText } from './svg-text';
import { checkInt } from '../util/validate';

/** Options of {@link imageGrid}. */
export interface ImageGridOptions {
  /** Grid rows. */
  readonly rows: number;
  /** Grid columns. */
  readonly cols: number;
  /** Height and width of one image (default [28, 28]). */
  readonly imageShape?: readonly [number, number];
  /** Integer upscale factor per image pixel, nearest neighbour (default: fits the grid in about 900 px, 1 to 4). */
  readonly scale?: number;
  /** Separator line width in pixels between cells and around the grid (default 1; 0 for none). */
  readonly separator?: number;
  /** Grey level of the separators, 0 (black) to 255 (white) (default 200). */
  readonly separatorGrey?: number;
  /** One label per row, drawn left of the row. */
  readonly rowLabels?: readonly string[];
  /** One label per column, drawn above the column (or below with `colLabelsBelow`). */
  readonly colLabels?: readonly string[];
  /** Draw the column labels under the grid, like tick labels of a plot's x axis (default false). */
  readonly colLabelsBelow?: boolean;
  /** Axis title under the grid (e.g. `z[0] →`). */
  readonly xAxisTitle?: string;
  /** Axis title left of the grid, written bottom to top (e.g. `z[1] →`). */
  readonly yAxisTitle?: string;
  /** Title above the grid. */
  readonly title?: string;
  /** Draw dark digits on white instead of white on black (default false). */
  readonly invert?: boolean;
}

const WHITE = 255;

function checkLabels(name: string, labels: readonly string[] | undefined, expected: number): void {
  if (labels === undefined) return;
  if (!Array.isArray(labels) || labels.length !== expected) {
    throw new RangeError(
      `imageGrid: ${name} must have ${expected} entries (one per ${name === 'rowLabels' ? 'row' : 'column'}), got ${Array.isArray(labels) ? labels.length : typeof labels}`,
    );
  }
}

/** Rough width in pixels of `text` at font size `size` in DejaVu Sans (used for margins only). */
function textWidth(text: string, size: number): number {
  return Math.ceil(text.length * size * 0.62);
}

/**
 * Lays out flat images (`count * h * w` values in [0, 1], row after row of the grid: cell (r, c) is
 * image r * cols + c) as one PNG figure. Fewer images than cells leave the last cells empty.
 */
export async function imageGrid(images: Float32Array, options: ImageGridOptions): Promise<Figure> {
  if (!(images instanceof Float32Array)) throw new TypeError('imageGrid: images must be a Float32Array of flat images in [0, 1]');
  checkInt('imageGrid', 'rows', options.rows);
  checkInt('imageGrid', 'cols', options.cols);
  const { rows, cols } = options;
  const [h, w] = options.imageShape ?? [28, 28];
  checkInt('imageGrid', 'imageShape[0]', h);
  checkInt('imageGrid', 'imageShape[1]', w);
  const pixels = h * w;
  if (images.length === 0 || images.length % pixels !== 0) {
    throw new RangeError(`imageGrid: images has ${images.length} values, expected a non-zero multiple of ${h}x${w} = ${pixels}`);
  }
  const count = images.length / pixels;
  if (count > rows * cols) throw new RangeError(`imageGrid: ${count} images do not fit a ${rows}x${cols} grid of ${rows * cols} cells`);
  const scale = options.scale ?? Math.max(1, Math.min(4, Math.floor(900 / (cols * w))));
  checkInt('imageGrid', 'scale', scale);
  const sep = options.separator ?? 1;
  if (!Number.isInteger(sep) || sep < 0) throw new RangeError(`imageGrid: separator must be a whole number of pixels >= 0, got ${sep}`);
  const sepGrey = options.separatorGrey ?? 200;
  checkLabels('rowLabels', options.rowLabels, rows);
  checkLabels('colLabels', options.colLabels, cols);

  // The grid itself, one byte per pixel.
  const cellH = h * scale;
  const cellW = w * scale;
  const gridW = cols * cellW + (cols + 1) * sep;
  const gridH = rows * cellH + (rows + 1) * sep;
  const grid = Buffer.alloc(gridW * gridH, sepGrey);
  const blank = options.invert ? WHITE : 0;
  for (let cell = 0; cell < rows * cols; cell++) {
    const r = Math.floor(cell / cols);
    const c = cell % cols;
    const top = sep + r * (cellH + sep);
    const left = sep + c * (cellW + sep);
    for (let y = 0; y < cellH; y++) {
      const row = (top + y) * gridW + left;
      const srcRow = cell * pixels + Math.floor(y / scale) * w;
      for (let x = 0; x < cellW; x++) {
        if (cell >= count) {
          grid[row + x] = blank;
          continue;
        }
        const v = images[srcRow + Math.floor(x / scale)];
        const clamped = Number.isNaN(v) ? 0 : Math.min(1, Math.max(0, v));
        const grey = Math.round(clamped * 255);
        grid[row + x] = options.invert ? 255 - grey : grey;
      }
    }
  }

  // Margins for text.
  const labelSize = Math.max(11, Math.min(16, Math.round(cellH * 0.28)));
  const titleSize = 18;
  const pad = 6;
  const title = options.title ?? '';
  const rowLabels = options.rowLabels ?? [];
  const colLabels = options.colLabels ?? [];
  const colBelow = options.colLabelsBelow === true;
  const top = pad + (title ? titleSize + 10 : 0) + (colLabels.length && !colBelow ? labelSize + 8 : 0);
  const yTitleW = options.yAxisTitle ? labelSize + 10 : 0;
  const rowLabelW = rowLabels.length ? Math.max(...rowLabels.map((l) => textWidth(l, labelSize))) + 10 : 0;
  const left = pad + yTitleW + rowLabelW;
  const bottom = pad + (colLabels.length && colBelow ? labelSize + 8 : 0) + (options.xAxisTitle ? labelSize + 10 : 0);
  const minWidth = title ? textWidth(title, titleSize) + 2 * pad : 0;
  const right = Math.max(pad, minWidth - (left + gridW));
  const width = left + gridW + right;
  const height = top + gridH + bottom;

  const texts: string[] = [];
  if (title)
    texts.push(
      svgText(title, {
        x: minWidth > left + gridW + pad ? width / 2 : left + gridW / 2,
        y: pad + titleSize / 2 + 2,
        size: titleSize,
        anchor: 'middle',
        weight: 'bold',
      }),
    );
  rowLabels.forEach((label, r) => {
    const y = top + sep + r * (cellH + sep) + cellH / 2;
    texts.push(svgText(label, { x: left - 8, y, size: labelSize, anchor: 'end' }));
  });
  colLabels.forEach((label, c) => {
    const x = left + sep + c * (cellW + sep) + cellW / 2;
    const y = colBelow ? top + gridH + 4 + labelSize / 2 : top - 4 - labelSize / 2;
    texts.push(svgText(label, { x, y, size: labelSize, anchor: 'middle' }));
  });
  if (options.xAxisTitle) {
    const y = top + gridH + (colLabels.length && colBelow ? labelSize + 8 : 0) + 4 + labelSize / 2;
    texts.push(svgText(options.xAxisTitle, { x: left + gridW / 2, y, size: labelSize, anchor: 'middle', weight: 'bold' }));
  }
  if (options.yAxisTitle) {
    const x = pad + labelSize / 2;
    const y = top + gridH / 2;
    texts.push(
      `<g transform="translate(${x} ${y}) rotate(-90)">${svgText(options.yAxisTitle, { x: 0, y: 0, size: labelSize, anchor: 'middle', weight: 'bold' })}</g>`,
    );
  }

  ensureFigureFonts();
  let image = sharp(grid, { raw: { width: gridW, height: gridH, channels: 1 } }).extend({
    top,
    bottom,
    left,
    right,
    background: { r: WHITE, g: WHITE, b: WHITE },
  });
  if (texts.length) {
    // Flatten the extended grid first so the text is composited on the final canvas.
    const base = await image.png().toBuffer();
    image = sharp(base).composite([{ input: Buffer.from(svgDocument(width, height, texts.join(''))), top: 0, left: 0 }]);
  }
  const png = await image.png({ compressionLevel: 9 }).toBuffer();
  const figure = await figureFromPng('imageGrid', png);
  return { ...figure, grid: { left: left + sep, top: top + sep, cellWidth: cellW, cellHeight: cellH, separator: sep, rows, cols } };
}

/**
 * Input row over reconstruction row: `inputs` and `outputs` hold the same number of flat images
 * (at most 20 are shown; pass a slice to choose which).
 */
export async function reconstructionFigure(
  inputs: Float32Array,
  outputs: Float32Array,
  options: { imageShape?: readonly [number, number]; title?: string; scale?: number; labels?: readonly [string, string] } = {},
): Promise<Figure> {
  return labelledRows('reconstructionFigure', [inputs, outputs], options.labels ?? ['input', 'reconstruction'], options);
}

/**
 * Noisy / denoised / clean rows with labels (default `['noisy', 'denoised', 'clean']`); the three
 * arrays hold the same number of flat images (at most 20 are shown).
 */
export async function denoisingFigure(
  noisy: Float32Array,
  denoised: Float32Array,
  clean: Float32Array,
  labels: readonly string[] = ['noisy', 'denoised', 'clean'],
  options: { imageShape?: readonly [number, number]; title?: string; scale?: number } = {},
): Promise<Figure> {
  return labelledRows('denoisingFigure', [noisy, denoised, clean], labels, options);
}

/**
 * Rows of images with one label per row (any number of rows, e.g. clean / noisy / several
 * denoisers). Every array holds the same number of flat images; at most `maxCols` (default 20) are shown.
 */
export async function comparisonRows(
  rowsOfImages: readonly Float32Array[],
  labels: readonly string[],
  options: { imageShape?: readonly [number, number]; title?: string; scale?: number; maxCols?: number } = {},
): Promise<Figure> {
  return labelledRows('comparisonRows', rowsOfImages, labels, options);
}

async function labelledRows(
  where: string,
  rowsOfImages: readonly Float32Array[],
  labels: readonly string[],
  options: { imageShape?: readonly [number, number]; title?: string; scale?: number; maxCols?: number },
): Promise<Figure> {
  if (rowsOfImages.length === 0) throw new RangeError(`${where}: no image rows given`);
  if (labels.length !== rowsOfImages.length) {
    throw new RangeError(`${where}: ${labels.length} labels for ${rowsOfImages.length} rows of images; expected one label per row`);
  }
  const [h, w] = options.imageShape ?? [28, 28];
  const pixels = h * w;
  rowsOfImages.forEach((imgs, i) => {
    if (!(imgs instanceof Float32Array)) throw new TypeError(`${where}: row ${i} (${labels[i]}) must be a Float32Array of flat images`);
    if (imgs.length === 0 || imgs.length % pixels !== 0) {
      throw new RangeError(`${where}: row ${i} (${labels[i]}) has ${imgs.length} values, expected a non-zero multiple of ${h}x${w} = ${pixels}`);
    }
  });
  const count = rowsOfImages[0].length / pixels;
  rowsOfImages.forEach((imgs, i) => {
    if (imgs.length / pixels !== count) {
      throw new RangeError(`${where}: row ${i} (${labels[i]}) has ${imgs.length / pixels} images but row 0 has ${count}; expected the same count`);
    }
  });
  const cols = Math.min(count, options.maxCols ?? 20);
  const all = new Float32Array(rowsOfImages.length * cols * pixels);
  rowsOfImages.forEach((imgs, r) => all.set(imgs.subarray(0, cols * pixels), r * cols * pixels));
  const figure = await imageGrid(all, {
    rows: rowsOfImages.length,
    cols,
    imageShape: [h, w],
    scale: options.scale,
    rowLabels: labels,
    title: options.title,
  });
  return { ...figure, kind: where };
}

/** Options of {@link generationGrid}. */
export interface GenerationGridOptions {
  /** Latent value of each column, left to right (e.g. `decoderGrid(...).xValues`); drawn under the grid. */
  readonly xValues?: readonly number[];
  /** Latent value of each row, top to bottom (e.g. `decoderGrid(...).yValues`, descending); drawn left of the grid. */
  readonly yValues?: readonly number[];
  /** Names of the two latent dimensions (default `['z[0]', 'z[1]']`). */
  readonly axisNames?: readonly [string, string];
  /** Height and width of one image (default [28, 28]). */
  readonly imageShape?: readonly [number, number];
  /** Title above the grid. */
  readonly title?: string;
  /** Integer nearest-neighbour upscale factor (default: fits about 900 px). */
  readonly scale?: number;
}

function formatTick(value: number, values: readonly number[]): string {
  const span = Math.max(...values) - Math.min(...values);
  const digits = span >= 20 ? 0 : span >= 4 ? 1 : 2;
  const text = value.toFixed(digits);
  return text === '-0' || /^-0\.0+$/.test(text) ? text.slice(1) : text;
}

/**
 * An n x n grid of generated images (row after row, as `decoderGrid` returns them). With the
 * latent values of the rows and columns, they are written along the axes like a scatter plot's
 * ticks: x under the grid (left to right), y on the left (top row = highest y).
 */
export async function generationGrid(images: Float32Array, n: number, options: GenerationGridOptions = {}): Promise<Figure> {
  checkInt('generationGrid', 'n', n);
  const { xValues, yValues } = options;
  if (xValues && xValues.length !== n) throw new RangeError(`generationGrid: xValues has ${xValues.length} values, expected n = ${n}`);
  if (yValues && yValues.length !== n) throw new RangeError(`generationGrid: yValues has ${yValues.length} values, expected n = ${n}`);
  const [xName, yName] = options.axisNames ?? ['z[0]', 'z[1]'];
  const every = n > 10 ? 2 : 1;
  const figure = await imageGrid(images, {
    rows: n,
    cols: n,
    imageShape: options.imageShape,
    scale: options.scale,
    title: options.title,
    colLabels: xValues ? xValues.map((v, i) => (i % every === 0 ? formatTick(v, xValues) : '')) : undefined,
    colLabelsBelow: true,
    rowLabels: yValues ? yValues.map((v, i) => (i % every === 0 ? formatTick(v, yValues) : '')) : undefined,
    xAxisTitle: xValues ? `${xName} →` : undefined,
    yAxisTitle: yValues ? `${yName} →` : undefined,
  });
  return { ...figure, kind: 'generationGrid' };
}
