/**
 * Static charts drawn with Vega-Lite: loss curves, general line charts (metric vs noise level,
 * MAP loss per iteration), bar charts (per-digit accuracy) and ROC curves. Each returns a PNG
 * {@link Figure} that also carries its Vega-Lite spec.
 */
import type { EpochMetrics, TrainHistory } from '../training/types';
import type { Figure, VegaLiteSpec } from './figure';
import { renderVegaLite } from './vega-render';

/** Common options of the charts. */
export interface ChartOptions {
  /** Chart title. */
  readonly title?: string;
  /** Plot width in pixels (before the 2x rendering; default 420). */
  readonly width?: number;
  /** Plot height in pixels (default 280). */
  readonly height?: number;
}

function checkFinite(where: string, name: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number' || Number.isNaN(values[i])) throw new RangeError(`${where}: ${name}[${i}] = ${values[i]} is not a number`);
  }
}

/** One named series of a line chart. */
export interface LineSeries {
  /** Legend name. */
  readonly name: string;
  /** x values. */
  readonly x: ArrayLike<number>;
  /** y values, one per x. */
  readonly y: ArrayLike<number>;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions extends ChartOptions {
  /** x axis title. */
  readonly xTitle?: string;
  /** y axis title. */
  readonly yTitle?: string;
  /** Logarithmic y axis (all y must be > 0). */
  readonly logY?: boolean;
  /** Draw a dot at every point (default: when a series has at most 30 points). */
  readonly points?: boolean;
  /** Start the y axis at zero (default false: fit the data). */
  readonly yZero?: boolean;
}

/**
 * A line chart of one or more series (metric vs noise level, MAP loss per iteration, any y(x)).
 * Non-finite y values (Infinity) are dropped with the point.
 */
export async function lineChart(series: readonly LineSeries[] | LineSeries, options: LineChartOptions = {}): Promise<Figure> {
  const where = 'lineChart';
  const list = Array.isArray(series) ? (series as readonly LineSeries[]) : [series as LineSeries];
  if (list.length === 0) throw new RangeError(`${where}: no series given`);
  const values: { series: string; x: number; y: number }[] = [];
  for (const s of list) {
    if (!s || typeof s.name !== 'string') throw new TypeError(`${where}: each series needs a name, x and y`);
    if (s.x.length !== s.y.length) throw new RangeError(`${where}: series "${s.name}" has ${s.x.length} x values but ${s.y.length} y values`);
    if (s.x.length === 0) throw new RangeError(`${where}: series "${s.name}" is empty`);
    checkFinite(where, `${s.name}.x`, s.x);
    checkFinite(where, `${s.name}.y`, s.y);
    for (let i = 0; i < s.x.length; i++) {
      if (!Number.isFinite(s.y[i]) || (options.logY && s.y[i] <= 0)) continue;
      values.push({ series: s.name, x: s.x[i], y: s.y[i] });
    }
  }
  const maxLen = Math.max(...list.map((s) => s.x.length));
  // x of whole numbers only (epochs, iterations): ticks at whole numbers, at most about 10 of them (never 1.5 epochs)
  const wholeX = list.every((s) => Array.from(s.x).every((v) => Number.isInteger(v)));
  const xs = list.flatMap((s) => Array.from(s.x));
  const xMin = xs.reduce((a, b) => Math.min(a, b));
  const xMax = xs.reduce((a, b) => Math.max(a, b));
  // the smallest step of 1, 2, 5 or 10 times a power of ten (at least 1) that gives at most 10 steps; ticks at its multiples
  const span = Math.max(xMax - xMin, 1);
  const power = 10 ** Math.max(0, Math.floor(Math.log10(span / 10)));
  const xStep = [1, 2, 5, 10].map((m) => m * power).find((step) => span / step <= 10) ?? 10 * power;
  const firstTick = Math.ceil(xMin / xStep) * xStep;
  const xTicks = Array.from({ length: Math.max(0, Math.floor((xMax - firstTick) / xStep) + 1) }, (_, i) => firstTick + i * xStep);
  const spec: VegaLiteSpec = {
    title: options.title ?? '',
    width: options.width ?? 420,
    height: options.height ?? 280,
    data: { values },
    mark: { type: 'line', point: options.points ?? maxLen <= 30, strokeWidth: 2 },
    encoding: {
      x: {
        field: 'x',
        type: 'quantitative',
        title: options.xTitle ?? 'x',
        scale: { zero: false, nice: false },
        ...(wholeX ? { axis: { values: xTicks, format: 'd' } } : {}),
      },
      y: {
        field: 'y',
        type: 'quantitative',
        title: options.yTitle ?? 'y',
        scale: options.logY ? { type: 'log' } : { zero: options.yZero ?? false },
      },
      color: { field: 'series', type: 'nominal', title: null, sort: list.map((s) => s.name), legend: list.length > 1 ? { orient: 'right' } : null },
      tooltip: [{ field: 'series' }, { field: 'x' }, { field: 'y', format: '.4g' }],
    },
  };
  return renderVegaLite('lineChart', spec);
}

/** Loss per iteration of MAP denoising (or any optimisation), on a log axis when it spans a lot. */
export async function mapLossChart(lossHistory: ArrayLike<number>, options: LineChartOptions = {}): Promise<Figure> {
  if (lossHistory == null || typeof lossHistory.length !== 'number') {
    throw new TypeError('mapLossChart: lossHistory must be an array of objective values (e.g. mapDenoise(...).lossHistory)');
  }
  if (lossHistory.length === 0) throw new RangeError('mapLossChart: lossHistory is empty');
  const x = Array.from({ length: lossHistory.length }, (_, i) => i);
  const y = Array.from(lossHistory);
  const positive = y.filter((v) => v > 0 && Number.isFinite(v));
  const logY = options.logY ?? (positive.length === y.length && Math.max(...positive) / Math.min(...positive) > 20);
  const figure = await lineChart(
    { name: 'objective', x, y },
    { title: 'MAP objective per iteration', xTitle: 'iteration', yTitle: 'mean objective per image', ...options, logY },
  );
  return { ...figure, kind: 'mapLossChart' };
}

/** One epoch of a loss curve: a {@link TrainHistory} epoch or any object with at least `epoch` and `loss`. */
export type EpochLike = Pick<EpochMetrics, 'epoch' | 'loss'> &
  Partial<Pick<EpochMetrics, 'valLoss' | 'reconstruction' | 'kl' | 'valReconstruction' | 'valKl' | 'accuracy' | 'valAccuracy'>>;

/**
 * Loss curves of a training run: train and validation series per epoch, one panel per term
 * (total loss; reconstruction and KL for a VAE; accuracy for a classifier).
 */
export async function lossCurveChart(
  history: TrainHistory | { readonly epochs: readonly EpochLike[] } | readonly EpochLike[],
  options: ChartOptions = {},
): Promise<Figure> {
  const where = 'lossCurveChart';
  if (history == null || typeof history !== 'object') {
    throw new TypeError(`${where}: history must be a TrainHistory (from train), an object { epochs } or an array of epoch metrics`);
  }
  const epochs: readonly EpochLike[] = Array.isArray(history)
    ? (history as readonly EpochLike[])
    : (history as { epochs: readonly EpochLike[] }).epochs;
  if (!Array.isArray(epochs) || epochs.length === 0) throw new RangeError(`${where}: the history has no epochs; train at least one epoch first`);
  const terms: { term: string; train: keyof EpochLike; val: keyof EpochLike }[] = [
    { term: 'total loss', train: 'loss', val: 'valLoss' },
    { term: 'reconstruction', train: 'reconstruction', val: 'valReconstruction' },
    { term: 'KL divergence', train: 'kl', val: 'valKl' },
    { term: 'accuracy', train: 'accuracy', val: 'valAccuracy' },
  ];
  const values: { epoch: number; term: string; split: string; value: number }[] = [];
  const used: string[] = [];
  for (const t of terms) {
    let any = false;
    for (const e of epochs) {
      for (const [split, key] of [
        ['train', t.train],
        ['validation', t.val],
      ] as const) {
        const v = e[key];
        if (typeof v === 'number' && Number.isFinite(v)) {
          values.push({ epoch: e.epoch, term: t.term, split, value: v });
          any = true;
        }
      }
    }
    // The total equals the reconstruction for a plain autoencoder: show it once.
    if (any && !(t.term === 'reconstruction' && epochs.every((e) => e.kl === undefined))) used.push(t.term);
  }
  const shown = values.filter((v) => used.includes(v.term));
  const panelWidth = used.length > 1 ? 260 : (options.width ?? 420);
  const spec: VegaLiteSpec = {
    title: options.title ?? 'Training curves',
    data: { values: shown },
    facet: { column: { field: 'term', type: 'nominal', title: null, sort: used, header: { labelFontSize: 13, labelFontWeight: 'bold' } } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: panelWidth,
      height: options.height ?? 240,
      mark: { type: 'line', point: epochs.length <= 30, strokeWidth: 2 },
      encoding: {
        x: {
          field: 'epoch',
          type: 'quantitative',
          title: 'epoch',
          axis: { tickMinStep: 1, format: 'd', ...(epochs.length <= 15 ? { values: epochs.map((e) => e.epoch) } : {}) },
          scale: { zero: false, nice: false },
        },
        y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } },
        color: {
          field: 'split',
          type: 'nominal',
          title: null,
          sort: ['train', 'validation'],
          scale: { range: ['#1f77b4', '#ff7f0e'] },
          legend: { orient: 'top' },
        },
        strokeDash: { field: 'split', type: 'nominal', sort: ['train', 'validation'], legend: null },
        tooltip: [{ field: 'term' }, { field: 'split' }, { field: 'epoch' }, { field: 'value', format: '.4g' }],
      },
    },
  };
  return renderVegaLite('lossCurve', spec);
}

/** Options of {@link barChart}. */
export interface BarChartOptions extends ChartOptions {
  /** x axis title (the categories). */
  readonly xTitle?: string;
  /** y axis title (the values). */
  readonly yTitle?: string;
  /** A horizontal reference line, e.g. `{ value: 0.1, label: 'chance' }`. */
  readonly reference?: { readonly value: number; readonly label?: string };
  /** d3 format of the value labels on the bars (default `.2f`; empty string for none). */
  readonly valueFormat?: string;
  /** Fixed y domain, e.g. [0, 1] for accuracies. */
  readonly yDomain?: readonly [number, number];
}

/** A bar per category (e.g. per-digit accuracy): `labels[i]` gets a bar of height `values[i]`. NaN values get no bar. */
export async function barChart(labels: readonly (string | number)[], values: ArrayLike<number>, options: BarChartOptions = {}): Promise<Figure> {
  const where = 'barChart';
  if (labels == null || !Array.isArray(labels)) throw new TypeError(`${where}: labels must be an array of bar names`);
  if (values == null || typeof values.length !== 'number') throw new TypeError(`${where}: values must be an array of numbers, one per label`);
  if (labels.length !== values.length)
    throw new RangeError(`${where}: ${labels.length} labels but ${values.length} values; expected one value per label`);
  if (labels.length === 0) throw new RangeError(`${where}: no bars given`);
  const rows = Array.from({ length: labels.length }, (_, i) => ({ label: String(labels[i]), value: values[i] })).filter((r) =>
    Number.isFinite(r.value),
  );
  const order = labels.map(String);
  const format = options.valueFormat ?? '.2f';
  const x = { field: 'label', type: 'nominal', sort: order, title: options.xTitle ?? '', axis: { labelAngle: 0 } };
  const y = { field: 'value', type: 'quantitative', title: options.yTitle ?? '', ...(options.yDomain ? { scale: { domain: options.yDomain } } : {}) };
  const layers: Record<string, unknown>[] = [
    { mark: { type: 'bar', color: '#4c78a8' }, encoding: { x, y, tooltip: [{ field: 'label' }, { field: 'value', format: '.4g' }] } },
  ];
  if (format !== '') {
    layers.push({ mark: { type: 'text', dy: -7, fontSize: 11 }, encoding: { x, y, text: { field: 'value', type: 'quantitative', format } } });
  }
  if (options.reference) {
    const ref = options.reference;
    layers.push({
      data: { values: [{ ref: ref.value, label: ref.label ?? '' }] },
      layer: [
        { mark: { type: 'rule', color: '#d62728', strokeDash: [6, 4], strokeWidth: 2 }, encoding: { y: { field: 'ref', type: 'quantitative' } } },
        {
          mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -3, color: '#d62728', fontSize: 12, x: 'width' },
          encoding: { y: { field: 'ref', type: 'quantitative' }, text: { field: 'label' } },
        },
      ],
    });
  }
  const spec: VegaLiteSpec = {
    title: options.title ?? '',
    width: options.width ?? 420,
    height: options.height ?? 260,
    data: { values: rows },
    layer: layers,
  };
  return renderVegaLite('barChart', spec);
}

/** One ROC curve: false- and true-positive rates (as `rocCurve` returns), optionally named. */
export interface RocLike {
  /** False-positive rates, from 0 to 1. */
  readonly fpr: ArrayLike<number>;
  /** True-positive rates, one per fpr. */
  readonly tpr: ArrayLike<number>;
  /** Legend name (when several curves are drawn). */
  readonly name?: string;
  /** Area under the curve; computed by the trapezoid rule when absent. */
  readonly auc?: number;
}

function trapezoidAuc(fpr: ArrayLike<number>, tpr: ArrayLike<number>): number {
  let area = 0;
  for (let i = 1; i < fpr.length; i++) area += ((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1])) / 2;
  return area;
}

/** ROC curve(s) with the chance diagonal; the AUC goes into the title (one curve) or the legend (several). */
export async function rocChart(curves: RocLike | readonly RocLike[], options: ChartOptions = {}): Promise<Figure> {
  const where = 'rocChart';
  const list = Array.isArray(curves) ? (curves as readonly RocLike[]) : [curves as RocLike];
  if (list.length === 0) throw new RangeError(`${where}: no curve given`);
  const values: { curve: string; fpr: number; tpr: number; order: number }[] = [];
  const names: string[] = [];
  const aucs: number[] = [];
  list.forEach((c, k) => {
    if (!c || c.fpr === undefined || c.tpr === undefined) throw new TypeError(`${where}: each curve needs fpr and tpr arrays (e.g. from rocCurve)`);
    if (c.fpr.length !== c.tpr.length || c.fpr.length < 2)
      throw new RangeError(`${where}: curve ${k} has ${c.fpr.length} fpr and ${c.tpr.length} tpr values; expected equal lengths >= 2`);
    checkFinite(where, 'fpr', c.fpr);
    checkFinite(where, 'tpr', c.tpr);
    for (let i = 0; i < c.fpr.length; i++) {
      if (c.fpr[i] < 0 || c.fpr[i] > 1 || c.tpr[i] < 0 || c.tpr[i] > 1)
        throw new RangeError(`${where}: rates must lie in [0, 1]; curve ${k} point ${i} is (${c.fpr[i]}, ${c.tpr[i]})`);
    }
    const auc = c.auc ?? trapezoidAuc(c.fpr, c.tpr);
    aucs.push(auc);
    const name = list.length > 1 ? `${c.name ?? `curve ${k + 1}`} (AUC ${auc.toFixed(3)})` : (c.name ?? 'ROC');
    names.push(name);
    for (let i = 0; i < c.fpr.length; i++) values.push({ curve: name, fpr: c.fpr[i], tpr: c.tpr[i], order: i });
  });
  const title = options.title ?? (list.length === 1 ? `ROC curve (AUC = ${aucs[0].toFixed(3)})` : 'ROC curves');
  const side = options.width ?? 340;
  const spec: VegaLiteSpec = {
    title,
    width: side,
    height: options.height ?? side,
    layer: [
      {
        data: {
          values: [
            { fpr: 0, tpr: 0 },
            { fpr: 1, tpr: 1 },
          ],
        },
        mark: { type: 'line', color: '#999', strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2.5, interpolate: 'linear' },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'false-positive rate', scale: { domain: [0, 1] } },
          y: { field: 'tpr', type: 'quantitative', title: 'true-positive rate', scale: { domain: [0, 1] } },
          order: { field: 'order', type: 'quantitative' },
          color: {
            field: 'curve',
            type: 'nominal',
            title: null,
            sort: names,
            legend: list.length > 1 ? { orient: 'bottom', direction: 'vertical' } : null,
          },
          tooltip: [{ field: 'curve' }, { field: 'fpr', format: '.3f' }, { field: 'tpr', format: '.3f' }],
        },
      },
    ],
  };
  return renderVegaLite('rocChart', spec);
}
