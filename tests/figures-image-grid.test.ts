import sharp from 'sharp';
import { denoisingFigure, generationGrid, imageGrid, reconstructionFigure, type Figure } from '../src/figures';

/** Decodes a figure's PNG to greyscale pixels. */
async function grey(figure: Figure): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(figure.png).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** `count` 28x28 images; image k has a bright 4x4 square whose top-left corner is (row k % 20, col 2). */
function squares(count: number): Float32Array {
  const images = new Float32Array(count * 784);
  for (let k = 0; k < count; k++) {
    const top = k % 20;
    for (let y = top; y < top + 4; y++) for (let x = 2; x < 6; x++) images[k * 784 + y * 28 + x] = 1;
  }
  return images;
}

function darkPixels(img: { data: Buffer; width: number }, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (img.data[y * img.width + x] < 110) n++;
  return n;
}

describe('imageGrid', () => {
  it('puts image r * cols + c in cell (r, c), upscaled crisply, with separators', async () => {
    const fig = await imageGrid(squares(6), { rows: 2, cols: 3, scale: 3, separator: 1 });
    const g = fig.grid!;
    expect(g.cellWidth).toBe(84);
    const img = await grey(fig);
    expect(img.width).toBe(fig.width);
    for (let k = 0; k < 6; k++) {
      const r = Math.floor(k / 3);
      const c = k % 3;
      const left = g.left + c * (g.cellWidth + g.separator);
      const top = g.top + r * (g.cellHeight + g.separator);
      const px = (x: number, y: number): number => img.data[(top + y) * img.width + left + x];
      // Inside the square (image pixel (k+1, 3) -> 3x3 block starting at (9, 3k+3)): white, every upscaled pixel.
      for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) expect(px(3 * 3 + dx, 3 * (k + 1) + dy)).toBe(255);
      // Just outside the square: black (no smoothing across the edge).
      expect(px(3 * 6, 3 * (k + 1))).toBe(0);
      expect(px(3 * 1 + 2, 3 * (k + 1))).toBe(0);
      expect(px(40, 80)).toBe(0);
    }
    // A separator line between the first two cells.
    expect(img.data[(g.top + 10) * img.width + g.left + g.cellWidth]).toBe(200);
  });

  it('draws the title and labels as visible text', async () => {
    const fig = await imageGrid(squares(4), {
      rows: 2,
      cols: 2,
      scale: 2,
      title: 'Four squares',
      rowLabels: ['top', 'bottom'],
      colLabels: ['a', 'b'],
    });
    const img = await grey(fig);
    const g = fig.grid!;
    expect(darkPixels(img, 0, 0, img.width, g.top - 20)).toBeGreaterThan(40); // title
    expect(darkPixels(img, 0, g.top, g.left - 2, g.top + g.cellHeight)).toBeGreaterThan(20); // row label "top"
    expect(darkPixels(img, g.left, g.top - 18, g.left + g.cellWidth, g.top - 1)).toBeGreaterThan(5); // column label "a"
  });

  it('keeps a title wider than the grid whole: no glyph touches the left or right edge', async () => {
    const fig = await imageGrid(squares(2), { rows: 1, cols: 2, scale: 1, title: 'A title much wider than two small digits side by side' });
    const img = await grey(fig);
    const g = fig.grid!;
    const band = g.top - 4;
    expect(darkPixels(img, 0, 0, img.width, band)).toBeGreaterThan(100);
    expect(darkPixels(img, 0, 0, 3, band)).toBe(0);
    expect(darkPixels(img, img.width - 3, 0, img.width, band)).toBe(0);
  });

  it('rejects images that do not match the grid', async () => {
    await expect(imageGrid(new Float32Array(100), { rows: 1, cols: 1 })).rejects.toThrow(/multiple of 28x28/);
    await expect(imageGrid(squares(5), { rows: 2, cols: 2 })).rejects.toThrow(/do not fit a 2x2 grid/);
    await expect(imageGrid(squares(2), { rows: 1, cols: 2, rowLabels: ['a', 'b'] })).rejects.toThrow(/rowLabels must have 1/);
    await expect(imageGrid(squares(1), { rows: 0, cols: 2 })).rejects.toThrow(/rows must be an integer >= 1/);
  });
});

describe('image figures', () => {
  it('reconstructionFigure shows inputs above outputs with row labels', async () => {
    const inputs = squares(5);
    const outputs = new Float32Array(inputs.length).fill(0.5);
    const fig = await reconstructionFigure(inputs, outputs);
    expect(fig.kind).toBe('reconstructionFigure');
    const g = fig.grid!;
    expect([g.rows, g.cols]).toEqual([2, 5]);
    const img = await grey(fig);
    const at = (r: number, c: number, x: number, y: number): number =>
      img.data[(g.top + r * (g.cellHeight + g.separator) + y) * img.width + g.left + c * (g.cellWidth + g.separator) + x];
    const s = g.cellWidth / 28;
    expect(at(0, 0, 3 * s, 1 * s)).toBe(255); // input 0: square at rows 0-3, cols 2-5
    expect(at(1, 0, 3 * s, 1 * s)).toBe(128); // reconstruction row: 0.5 grey
    expect(darkPixels(img, 0, g.top, g.left - 2, g.top + 2 * g.cellHeight)).toBeGreaterThan(60); // 'input', 'reconstruction'
  });

  it('denoisingFigure has three labelled rows and checks the counts', async () => {
    const fig = await denoisingFigure(squares(3), squares(3), squares(3));
    expect([fig.grid!.rows, fig.grid!.cols]).toEqual([3, 3]);
    await expect(denoisingFigure(squares(3), squares(2), squares(3))).rejects.toThrow(/row 1 \(denoised\) has 2 images but row 0 has 3/);
  });

  it('generationGrid writes latent values along the axes, top row = highest y', async () => {
    const n = 4;
    const fig = await generationGrid(squares(n * n), n, { xValues: [-2, -1, 0, 1], yValues: [1, 0, -1, -2], title: 'grid' });
    expect(fig.kind).toBe('generationGrid');
    const img = await grey(fig);
    const g = fig.grid!;
    const gridBottom = g.top + n * (g.cellHeight + g.separator);
    expect(darkPixels(img, g.left, gridBottom + 2, img.width, img.height)).toBeGreaterThan(30); // x ticks + axis title
    expect(darkPixels(img, 0, g.top, g.left - 2, gridBottom)).toBeGreaterThan(30); // y ticks + axis title
    // Image 5 (row 1, col 1) has its square 5 image rows down.
    const s = g.cellWidth / 28;
    const y = g.top + (g.cellHeight + g.separator) + (5 + 1) * s;
    const x = g.left + (g.cellWidth + g.separator) + 3 * s;
    expect(img.data[y * img.width + x]).toBe(255);
    await expect(generationGrid(squares(4), 2, { xValues: [0, 1, 2] })).rejects.toThrow(/xValues has 3 values, expected n = 2/);
  });
});
