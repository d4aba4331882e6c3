import * as tf from '@tensorflow/tfjs';
import { conditionalGrid, decoderGrid, interpolate, samplePrior } from '../src/analysis';
import { Rng } from '../src/rng';
import { PIXELS, probeModel } from './analysis-fixtures';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// probeModel decodes pixel 0 = 0.5 + z0 / 10, pixel 1 = 0.5 + z1 / 10, pixel 2 = label / 10.
const px = (images: Float32Array, cell: number, k: number): number => images[cell * PIXELS + k];

describe('decoderGrid', () => {
  test('matches a scatter plot: x grows to the right, y grows upwards (row 0 = highest y)', () => {
    const model = probeModel('ae');
    const n = 5;
    const grid = decoderGrid(model, { n, bounds: { min: [-2, -4], max: [2, 4] } });
    expect(grid.gridRows).toBe(n);
    expect(grid.images.length).toBe(n * n * PIXELS);
    expect(grid.xValues).toEqual([-2, -1, 0, 1, 2]);
    expect(grid.yValues).toEqual([4, 2, 0, -2, -4]);
    // top-left cell: lowest x, highest y; bottom-right: highest x, lowest y
    expect(px(grid.images, 0, 0)).toBeCloseTo(0.5 - 0.2);
    expect(px(grid.images, 0, 1)).toBeCloseTo(0.5 + 0.4);
    expect(px(grid.images, n * n - 1, 0)).toBeCloseTo(0.5 + 0.2);
    expect(px(grid.images, n * n - 1, 1)).toBeCloseTo(0.5 - 0.4);
    for (let r = 1; r < n; r++) expect(px(grid.images, r * n, 1)).toBeLessThan(px(grid.images, (r - 1) * n, 1));
  });

  test('a VAE defaults to [-2, 2]; an AE must be given bounds; bad bounds are refused', () => {
    expect(decoderGrid(probeModel('vae'), { n: 3 }).xValues).toEqual([-2, 0, 2]);
    expect(() => decoderGrid(probeModel('ae'))).toThrow(/bounds/);
    expect(() => decoderGrid(probeModel('vae'), { bounds: { min: [0, 0], max: [0, 1] } })).toThrow(/must exceed/);
    expect(() => decoderGrid(probeModel('vae'), { dims: [0, 2] })).toThrow(/dims/);
    expect(() => decoderGrid(probeModel('cvae'))).toThrow(/label/);
    const cond = decoderGrid(probeModel('cvae'), { n: 2, label: 7 });
    expect(px(cond.images, 3, 2)).toBeCloseTo(0.7);
  });
});

describe('samplePrior, interpolate, conditionalGrid', () => {
  test('samplePrior decodes N(0, I) draws reproducibly', () => {
    const a = samplePrior(probeModel('vae'), 500, new Rng(4));
    const b = samplePrior(probeModel('vae'), 500, new Rng(4));
    expect(Array.from(a.images)).toEqual(Array.from(b.images));
    let s2 = 0;
    for (let i = 0; i < 500; i++) s2 += a.z[i * 2] ** 2;
    expect(s2 / 500).toBeGreaterThan(0.8);
    expect(s2 / 500).toBeLessThan(1.2);
    expect(px(a.images, 3, 0)).toBeCloseTo(0.5 + a.z[6] / 10);
    expect(() => samplePrior(probeModel('cvae'), 3, new Rng(1))).toThrow(/labels/);
    expect(px(samplePrior(probeModel('cvae'), 3, new Rng(1), { labels: 4 }).images, 2, 2)).toBeCloseTo(0.4);
  });

  test('interpolate runs from the first image to the second in latent space', () => {
    const model = probeModel('ae');
    const xa = new Float32Array(PIXELS);
    const xb = new Float32Array(PIXELS);
    xa[0] = 0.1;
    xa[1] = 0.9;
    xb[0] = 0.9;
    xb[1] = 0.1;
    const path = interpolate(model, xa, xb, 5);
    expect(path.t).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(px(path.images, 0, 0)).toBeCloseTo(0.1, 5);
    expect(px(path.images, 4, 0)).toBeCloseTo(0.9, 5);
    expect(px(path.images, 2, 0)).toBeCloseTo(0.5, 5);
    expect(() => interpolate(model, new Float32Array(2 * PIXELS), xb)).toThrow(/ONE image/);
  });

  test('conditionalGrid puts one class per row and shares z along each column', () => {
    const grid = conditionalGrid(probeModel('cvae'), { classes: [3, 8], samplesPerClass: 4, rng: new Rng(2) });
    expect(grid.gridRows).toBe(2);
    expect(grid.gridCols).toBe(4);
    for (let c = 0; c < 4; c++) {
      expect(px(grid.images, c, 2)).toBeCloseTo(0.3);
      expect(px(grid.images, 4 + c, 2)).toBeCloseTo(0.8);
      expect(px(grid.images, c, 0)).toBe(px(grid.images, 4 + c, 0));
    }
    expect(() => conditionalGrid(probeModel('vae'), { rng: new Rng(1) })).toThrow(/conditional/);
  });
});
