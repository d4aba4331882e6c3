/**
 * Latent-space scatter plots coloured by digit. 2-D codes give one scatter; 3-D codes give a
 * rotatable 3-D view (yaw/pitch sliders in JupyterLab and in the saved HTML page) beside the
 * static xy, xz and yz projections.
 */
import { Rng } from '../rng';
import type { Figure, VegaLiteSpec } from './figure';
import { vegaHtmlPage } from './html-page';
import { DIGIT_COLORS, renderVegaLite, withChartDefaults } from './vega-render';
import { checkInt } from '../util/validate';

/** Codes as `encodeDataset` returns them: flat `[count * dims]` plus optional labels. */
export interface LatentCodesLike {
  /** Flat codes, code after code. */
  readonly codes: Float32Array;
  /** Latent dimensions per code. */
  readonly dims: number;
  /** One label per code (used when `latentScatter` gets no labels argument). */
  readonly labels?: ArrayLike<number>;
}

/** Options of {@link latentScatter}. */
export interface LatentScatterOptions {
  /** Latent dimensions per code; needed when `codes` is a bare Float32Array (default 2). */
  readonly dims?: number;
  /** Which latent dimensions to plot: two for a 2-D scatter, three for the 3-D view (default the first two, or three when dims >= 3). */
  readonly axes?: readonly number[];
  /** Chart title (default `Latent space`). */
  readonly title?: string;
  /** At most this many points are drawn (a fixed random subset beyond that; default 10,000 in 2-D, 5,000 in 3-D, where each point is drawn four times). */
  readonly maxPoints?: number;
  /** Name of the legend (default `digit`). */
  readonly legendTitle?: string;
}

interface Point {
  i: number;
  label: string;
  x: number;
  y: number;
  z?: number;
}

function resolveCodes(
  codes: Float32Array | LatentCodesLike,
  labels: ArrayLike<number> | undefined,
  options: LatentScatterOptions,
): {
  codes: Float32Array;
  dims: number;
  labels?: ArrayLike<number>;
} {
  if (codes instanceof Float32Array) return { codes, dims: options.dims ?? 2, labels };
  if (codes && codes.codes instanceof Float32Array) return { codes: codes.codes, dims: codes.dims, labels: labels ?? codes.labels };
  throw new TypeError('latentScatter: codes must be a Float32Array of flat codes or an object { codes, dims, labels? } from encodeDataset');
}

/** Which codes to draw: all of them, or a fixed (seeded) random subset of `maxPoints`, in index order. */
function chooseIndices(count: number, maxPoints: number): number[] {
  if (count <= maxPoints) return Array.from({ length: count }, (_, i) => i);
  // A random subset rather than every k-th code: data ordered by label must not lose whole classes.
  return Array.from(new Rng('latentScatter').permutation(count).subarray(0, maxPoints)).sort((a, b) => a - b);
}

function gatherPoints(
  where: string,
  codes: Float32Array,
  dims: number,
  labels: ArrayLike<number> | undefined,
  axes: readonly number[],
  maxPoints: number,
): Point[] {
  checkInt(where, 'maxPoints', maxPoints);
  const points: Point[] = [];
  for (const i of chooseIndices(codes.length / dims, maxPoints)) {
    const v = axes.map((a) => codes[i * dims + a]);
    if (v.some((x) => !Number.isFinite(x))) throw new RangeError(`${where}: code ${i} has a non-finite value in dimensions [${axes}]`);
    points.push({ i, label: labels ? String(labels[i]) : 'all', x: v[0], y: v[1], ...(v.length > 2 ? { z: v[2] } : {}) });
  }
  return points;
}

function colorEncoding(points: readonly Point[], legendTitle: string): Record<string, unknown> {
  const names = [...new Set(points.map((p) => p.label))].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const digits = names.every((n) => /^\d$/.test(n));
  return {
    field: 'label',
    type: 'nominal',
    title: legendTitle,
    sort: names,
    scale: digits ? { domain: names, range: names.map((n) => DIGIT_COLORS[Number(n)]) } : { scheme: 'category10' },
    legend: names.length > 1 ? { symbolOpacity: 1, symbolSize: 80 } : null,
  };
}

/**
 * Scatter plot of latent codes coloured by label (digit colours are fixed: 0 blue, 1 orange, ...).
 * With three axes it also returns an interactive rotatable 3-D view (`vegaLite` and `html`), and
 * its PNG shows that view at the default angle next to the xy, xz and yz projections.
 */
export async function latentScatter(
  codes: Float32Array | LatentCodesLike,
  labels?: ArrayLike<number>,
  options: LatentScatterOptions = {},
): Promise<Figure> {
  const where = 'latentScatter';
  const resolved = resolveCodes(codes, labels, options);
  const { dims } = resolved;
  if (!Number.isInteger(dims) || dims < 2)
    throw new RangeError(`${where}: dims must be an integer >= 2 (the latent size), got ${dims}; for a 1-D latent use lineChart or barChart`);
  if (resolved.codes.length === 0 || resolved.codes.length % dims !== 0) {
    throw new RangeError(`${where}: codes has ${resolved.codes.length} values, expected a non-zero multiple of dims = ${dims}`);
  }
  const count = resolved.codes.length / dims;
  if (resolved.labels && resolved.labels.length !== count)
    throw new RangeError(`${where}: ${resolved.labels.length} labels for ${count} codes; expected one label per code`);
  const axes = options.axes ?? (dims >= 3 ? [0, 1, 2] : [0, 1]);
  if (axes.length !== 2 && axes.length !== 3) throw new RangeError(`${where}: axes must list 2 or 3 latent dimensions, got [${axes}]`);
  for (const a of axes)
    if (!Number.isInteger(a) || a < 0 || a >= dims) throw new RangeError(`${where}: axis ${a} is not a latent dimension in [0, ${dims})`);
  if (new Set(axes).size !== axes.length) throw new RangeError(`${where}: axes must be different dimensions, got [${axes}]`);
  const maxPoints = options.maxPoints ?? (axes.length === 3 ? 5000 : 10000);
  const points = gatherPoints(where, resolved.codes, dims, resolved.labels, axes, maxPoints);
  const color = colorEncoding(points, options.legendTitle ?? 'digit');
  const names = axes.map((a) => `z[${a}]`);
  const title = options.title ?? 'Latent space';
  const size = points.length > 3000 ? 10 : points.length > 500 ? 20 : 40;
  const opacity = points.length > 3000 ? 0.55 : 0.8;

  const panel = (xField: string, yField: string, xTitle: string, yTitle: string, side: number): Record<string, unknown> => ({
    width: side,
    height: side,
    mark: { type: 'circle', size, fillOpacity: opacity, aria: points.length <= 2000 },
    encoding: {
      x: { field: xField, type: 'quantitative', title: xTitle, scale: { zero: false } },
      y: { field: yField, type: 'quantitative', title: yTitle, scale: { zero: false } },
      color,
      tooltip: [
        { field: 'label', title: 'label' },
        { field: 'i', title: 'index' },
      ],
    },
  });

  if (axes.length === 2) {
    const spec: VegaLiteSpec = { title, data: { values: points }, ...panel('x', 'y', names[0], names[1], 420) };
    return renderVegaLite('latentScatter', spec);
  }

  // 3-D: centre and scale to about the unit ball so any rotation stays inside fixed axes.
  const mean = [0, 0, 0];
  for (const p of points) {
    mean[0] += p.x / points.length;
    mean[1] += p.y / points.length;
    mean[2] += (p.z ?? 0) / points.length;
  }
  // Scale by the 98th percentile of distances from the mean, so a few outliers do not shrink the cloud.
  const norms = points.map((p) => Math.hypot(p.x - mean[0], p.y - mean[1], (p.z ?? 0) - mean[2])).sort((a, b) => a - b);
  const radius = norms[Math.min(norms.length - 1, Math.floor(0.98 * norms.length))] || norms[norms.length - 1] || 1;
  const unit = points.map((p) => ({ ...p, ux: (p.x - mean[0]) / radius, uy: (p.y - mean[1]) / radius, uz: ((p.z ?? 0) - mean[2]) / radius }));
  const rotate = [
    { calculate: 'datum.ux * cos(yaw * PI / 180) + datum.uz * sin(yaw * PI / 180)', as: 'px' },
    { calculate: '-datum.ux * sin(yaw * PI / 180) + datum.uz * cos(yaw * PI / 180)', as: 'pz' },
    { calculate: 'datum.uy * cos(pitch * PI / 180) - datum.pz * sin(pitch * PI / 180)', as: 'py' },
    { calculate: 'datum.uy * sin(pitch * PI / 180) + datum.pz * cos(pitch * PI / 180)', as: 'depth' },
  ];
  const axisLines = [0, 1, 2].flatMap((k) =>
    [0, 1].map((t) => ({ axis: names[k], t, ux: k === 0 ? t * 1.15 : 0, uy: k === 1 ? t * 1.15 : 0, uz: k === 2 ? t * 1.15 : 0 })),
  );
  const side = 260;
  const height3d = 420;
  const width3d = 3 * side + 2 * 70;
  const fixedY = { domain: [-1.2, 1.2] };
  const fixedX = { domain: [(-1.2 * width3d) / height3d, (1.2 * width3d) / height3d] };
  const view3d: Record<string, unknown> = {
    title: { text: `3-D view of ${names.join(', ')} (yaw/pitch sliders rotate it)`, fontSize: 12, fontWeight: 'normal' },
    width: width3d,
    height: height3d,
    layer: [
      {
        data: { values: axisLines },
        transform: rotate,
        mark: { type: 'line', color: '#444', strokeWidth: 1.5 },
        encoding: {
          x: { field: 'px', type: 'quantitative', scale: fixedX, axis: null },
          y: { field: 'py', type: 'quantitative', scale: fixedY, axis: null },
          detail: { field: 'axis' },
          order: { field: 't' },
        },
      },
      {
        data: { values: axisLines.filter((d) => d.t === 1) },
        transform: rotate,
        mark: { type: 'text', fontSize: 13, fontWeight: 'bold', dx: 4, dy: -6, align: 'left' },
        encoding: {
          x: { field: 'px', type: 'quantitative', scale: fixedX, axis: null },
          y: { field: 'py', type: 'quantitative', scale: fixedY, axis: null },
          text: { field: 'axis' },
        },
      },
      {
        data: { values: unit },
        transform: rotate,
        mark: { type: 'circle', size, fillOpacity: opacity, aria: points.length <= 2000, clip: true },
        encoding: {
          x: { field: 'px', type: 'quantitative', scale: fixedX, axis: null },
          y: { field: 'py', type: 'quantitative', scale: fixedY, axis: null },
          order: { field: 'depth', type: 'quantitative', sort: 'ascending' }, // nearer points (larger depth) drawn last
          color,
          tooltip: [
            { field: 'label', title: 'label' },
            { field: 'x', title: names[0], format: '.3f' },
            { field: 'y', title: names[1], format: '.3f' },
            { field: 'z', title: names[2], format: '.3f' },
          ],
        },
      },
    ],
  };
  const spec: VegaLiteSpec = {
    title,
    params: [
      { name: 'yaw', value: 35, bind: { input: 'range', min: -180, max: 180, step: 1, name: 'yaw (°) ' } },
      { name: 'pitch', value: 25, bind: { input: 'range', min: -90, max: 90, step: 1, name: 'pitch (°) ' } },
    ],
    data: { values: points },
    vconcat: [
      view3d,
      {
        hconcat: [
          { ...panel('x', 'y', names[0], names[1], side), title: `${names[0]} vs ${names[1]}` },
          { ...panel('x', 'z', names[0], names[2], side), title: `${names[0]} vs ${names[2]}` },
          { ...panel('y', 'z', names[1], names[2], side), title: `${names[1]} vs ${names[2]}` },
        ],
      },
    ],
    config: { concat: { spacing: 30 }, legend: { orient: 'top', direction: 'horizontal', labelFontSize: 12, titleFontSize: 13, labelLimit: 0 } },
  };
  const html = vegaHtmlPage(withChartDefaults(spec), title);
  const figure = await renderVegaLite('latentScatter3d', spec, { html });
  return figure;
}

/** Data for nodeplotlib / plotly: one scatter (2-D) or scatter3d (3-D) trace per label, digit colours. */
export interface PlotlyTrace {
  /** Plotly trace type. */
  readonly type: 'scatter' | 'scatter3d';
  /** Points only. */
  readonly mode: 'markers';
  /** Legend name (the label). */
  readonly name: string;
  /** First plotted latent dimension. */
  readonly x: number[];
  /** Second plotted latent dimension. */
  readonly y: number[];
  /** Third plotted latent dimension (3-D only). */
  readonly z?: number[];
  /** Marker style (digit colour). */
  readonly marker: { readonly size: number; readonly color: string; readonly opacity: number };
}

/**
 * Latent codes as plotly traces (one per digit), for `openInBrowser`: 3 axes give a rotatable
 * `scatter3d`, 2 axes a plain scatter.
 */
export function latentPlotlyTraces(
  codes: Float32Array | LatentCodesLike,
  labels?: ArrayLike<number>,
  options: LatentScatterOptions = {},
): PlotlyTrace[] {
  const resolved = resolveCodes(codes, labels, options);
  const axes = options.axes ?? (resolved.dims >= 3 ? [0, 1, 2] : [0, 1]);
  if (resolved.codes.length === 0 || resolved.codes.length % resolved.dims !== 0) {
    throw new RangeError(`latentPlotlyTraces: codes has ${resolved.codes.length} values, expected a non-zero multiple of dims = ${resolved.dims}`);
  }
  for (const a of axes)
    if (!Number.isInteger(a) || a < 0 || a >= resolved.dims)
      throw new RangeError(`latentPlotlyTraces: axis ${a} is not a latent dimension in [0, ${resolved.dims})`);
  const points = gatherPoints('latentPlotlyTraces', resolved.codes, resolved.dims, resolved.labels, axes, options.maxPoints ?? 10000);
  const groups = new Map<string, Point[]>();
  for (const p of points) groups.set(p.label, [...(groups.get(p.label) ?? []), p]);
  const names = [...groups.keys()].sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  return names.map((name, k) => {
    const g = groups.get(name) ?? [];
    const colour = /^\d$/.test(name) ? DIGIT_COLORS[Number(name)] : DIGIT_COLORS[k % 10];
    return {
      type: axes.length === 3 ? 'scatter3d' : 'scatter',
      mode: 'markers',
      name,
      x: g.map((p) => p.x),
      y: g.map((p) => p.y),
      ...(axes.length === 3 ? { z: g.map((p) => p.z ?? 0) } : {}),
      marker: { size: axes.length === 3 ? 2 : 4, color: colour, opacity: 0.7 },
    };
  });
}
