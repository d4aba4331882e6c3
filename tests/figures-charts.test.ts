import sharp from 'sharp';
import {
  barChart,
  DIGIT_COLORS,
  latentScatter,
  lineChart,
  lossCurveChart,
  mapLossChart,
  rocChart,
  VEGA_LITE_SCHEMA,
  type Figure,
} from '../src/figures';
import { vegaLiteToSvg } from '../src/figures/vega-render';

async function rgb(figure: Figure): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(figure.png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  expect(info.width).toBe(figure.width);
  expect(info.height).toBe(figure.height);
  return { data, width: info.width, height: info.height };
}

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** Pixels within `tol` of a colour in each channel (rows y0..y1 only, when given). */
function countColour(img: { data: Buffer; width: number; height: number }, colour: string, tol = 40, rows?: [number, number]): number {
  const [r, g, b] = hex(colour);
  const [y0, y1] = rows ?? [0, img.height];
  // Histogram of exact colours first (one pass over a typed array), then match the few distinct colours.
  const d = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.length);
  const counts = new Map<number, number>();
  for (let i = y0 * img.width * 3, end = y1 * img.width * 3; i < end; i += 3) {
    const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let n = 0;
  for (const [key, count] of counts) {
    if (Math.abs((key >> 16) - r) <= tol && Math.abs(((key >> 8) & 255) - g) <= tol && Math.abs((key & 255) - b) <= tol) n += count;
  }
  return n;
}

/** Dark (text-like) pixels in the top `rows` rows. */
function darkTop(img: { data: Buffer; width: number }, rows: number): number {
  let n = 0;
  for (let i = 0; i < rows * img.width * 3; i += 3) if (img.data[i] + img.data[i + 1] + img.data[i + 2] < 200) n++;
  return n;
}

const epochs = [1, 2, 3, 4].map((e) => ({
  epoch: e,
  loss: 100 / e,
  valLoss: 110 / e,
  reconstruction: 90 / e,
  valReconstruction: 95 / e,
  kl: 10 + e,
  valKl: 11 + e,
  seconds: 1,
  imagesPerSecond: 1,
}));

describe('charts render to PNG with their Vega-Lite spec', () => {
  it('lossCurveChart: a panel per term, train and validation colours, a visible title', async () => {
    const fig = await lossCurveChart({ modelName: 'vae', kind: 'vae', epochs, stoppedEarly: false, restoredBestWeights: false });
    expect(fig.vegaLite?.$schema).toBe(VEGA_LITE_SCHEMA);
    expect(fig.width).toBeGreaterThan(1000); // three panels side by side, drawn at 2x
    const img = await rgb(fig);
    expect(countColour(img, '#1f77b4', 30)).toBeGreaterThan(200); // train
    expect(countColour(img, '#ff7f0e', 30)).toBeGreaterThan(200); // validation
    expect(darkTop(img, 50)).toBeGreaterThan(100); // title text
    const terms = (fig.vegaLite?.data as { values: { term: string }[] }).values.map((v) => v.term);
    expect(new Set(terms)).toEqual(new Set(['total loss', 'reconstruction', 'KL divergence']));
    await expect(lossCurveChart({ epochs: [] })).rejects.toThrow(/no epochs/);
  });

  it('latentScatter (2-D) has pixels of every digit colour', async () => {
    const labels = new Uint8Array(200).map((_, i) => i % 10);
    const codes = new Float32Array(400).map((_, j) => (j % 2 === 0 ? labels[j >> 1] : Math.sin(j)));
    const fig = await latentScatter(codes, labels, { dims: 2, title: 'codes' });
    const img = await rgb(fig);
    for (const colour of DIGIT_COLORS) expect(countColour(img, colour, 25)).toBeGreaterThan(20);
    expect(darkTop(img, 50)).toBeGreaterThan(50);
    await expect(latentScatter(codes, labels.subarray(0, 10), { dims: 2 })).rejects.toThrow(/10 labels for 200 codes/);
    await expect(latentScatter(new Float32Array(5), undefined, { dims: 2 })).rejects.toThrow(/multiple of dims = 2/);
  });

  it('latentScatter draws a subset of many codes without losing classes stored in a regular order', async () => {
    const labels = new Uint8Array(400).map((_, i) => i % 2);
    const fig = await latentScatter(
      new Float32Array(800).map((_, j) => j % 7),
      labels,
      { dims: 2, maxPoints: 100 },
    );
    const drawn = (fig.vegaLite?.data as { values: { label: string }[] }).values;
    expect(drawn).toHaveLength(100);
    expect(new Set(drawn.map((p) => p.label))).toEqual(new Set(['0', '1']));
  });

  it('latentScatter (3-D) has a rotatable view (sliders, HTML page) and three static projections', async () => {
    const labels = new Uint8Array(120).map((_, i) => i % 3);
    const codes = new Float32Array(360).map((_, j) => Math.cos(j * 1.7) + (j % 3 === 2 ? labels[Math.floor(j / 3)] : 0));
    const fig = await latentScatter({ codes, dims: 3, labels }, undefined);
    expect(fig.kind).toBe('latentScatter3d');
    const params = (fig.vegaLite?.params as { name: string; bind?: unknown }[]).map((p) => p.name);
    expect(params).toEqual(['yaw', 'pitch']);
    expect(fig.html).toContain('vega.parse');
    expect(fig.html).toContain('"yaw"');
    const img = await rgb(fig);
    const bottomHalf: [number, number] = [Math.floor(img.height / 2), img.height];
    for (const colour of DIGIT_COLORS.slice(0, 3)) {
      expect(countColour(img, colour, 25)).toBeGreaterThan(100);
      expect(countColour(img, colour, 25, bottomHalf)).toBeGreaterThan(50); // in the projections
    }
  });

  it('barChart draws bars and the reference line', async () => {
    const fig = await barChart([0, 1, 2], [0.9, 0.5, 0.7], { title: 'accuracy', yDomain: [0, 1], reference: { value: 0.1, label: 'chance' } });
    const img = await rgb(fig);
    expect(countColour(img, '#4c78a8', 10)).toBeGreaterThan(5000);
    expect(countColour(img, '#d62728', 40)).toBeGreaterThan(200);
    expect(darkTop(img, 50)).toBeGreaterThan(50);
    await expect(barChart([0, 1], [1])).rejects.toThrow(/2 labels but 1 values/);
  });

  it('lineChart and mapLossChart draw their series', async () => {
    const fig = await lineChart(
      [
        { name: 'AE', x: [0.1, 0.2, 0.3], y: [20, 18, 15] },
        { name: 'median', x: [0.1, 0.2, 0.3], y: [19, 15, 11] },
      ],
      { title: 'PSNR vs noise', xTitle: 'std', yTitle: 'dB' },
    );
    const img = await rgb(fig);
    expect(countColour(img, '#4c78a8', 30)).toBeGreaterThan(200);
    expect(countColour(img, '#f58518', 30)).toBeGreaterThan(200);
    const map = await mapLossChart(Float64Array.from({ length: 50 }, (_, i) => 100 * Math.exp(-i / 5) + 1));
    expect(map.kind).toBe('mapLossChart');
    expect((map.vegaLite?.encoding as { y: { scale: { type?: string } } }).y.scale.type).toBe('log');
    await expect(lineChart({ name: 'bad', x: [1, 2], y: [1] })).rejects.toThrow(/2 x values but 1 y values/);
  });

  it('lineChart labels an x axis of whole numbers (epochs) with whole numbers only, and keeps fractions for fractional x', async () => {
    // the labels of the x axis are the texts drawn before its title
    const xLabels = async (x: number[], title: string): Promise<string[]> => {
      const fig = await lineChart([{ name: 'a', x, y: x.map((v) => 1 / (1 + v)) }], { xTitle: title });
      const texts = [...(await vegaLiteToSvg(fig.vegaLite ?? {})).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
      return texts.slice(0, texts.indexOf(title));
    };
    // three epochs: exactly the ticks 1, 2, 3 (not 1, 1.5, 2, ... rounded to repeated labels)
    expect(await xLabels([1, 2, 3], 'epoch')).toEqual(['1', '2', '3']);
    const epochs = await xLabels([1, 2, 3, 4, 5], 'epoch');
    expect(epochs).toEqual(['1', '2', '3', '4', '5']);
    // thirty epochs: whole numbers, each once, in order, at most about ten
    const many = await xLabels(
      Array.from({ length: 30 }, (_, i) => i + 1),
      'epoch',
    );
    for (const label of many) expect(label).toMatch(/^\d+$/);
    expect(new Set(many).size).toBe(many.length);
    expect(many.map(Number)).toEqual([...many.map(Number)].sort((a, b) => a - b));
    expect(many.length).toBeLessThanOrEqual(11);
    const levels = await xLabels([0.1, 0.3, 0.5], 'noise std');
    expect(levels.some((label) => /^0?\.\d+$/.test(label))).toBe(true);
  });

  it('rocChart draws the curve, the diagonal and the AUC in the title', async () => {
    const fig = await rocChart({ fpr: [0, 0, 1], tpr: [0, 1, 1] });
    expect(fig.vegaLite?.title).toBe('ROC curve (AUC = 1.000)');
    const img = await rgb(fig);
    expect(countColour(img, '#4c78a8', 30)).toBeGreaterThan(500);
    expect(countColour(img, '#999999', 20)).toBeGreaterThan(100); // the dashed diagonal
    await expect(rocChart({ fpr: [0, 2], tpr: [0, 1] })).rejects.toThrow(/rates must lie in \[0, 1\]/);
  });
});
