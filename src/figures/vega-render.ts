/**
 * Headless chart rendering: a Vega-Lite spec is compiled by vega-lite, drawn to SVG by a vega
 * View (no browser, no canvas), and rasterised to PNG by sharp with the shipped font.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import { ensureFigureFonts, FIGURE_FONT_FAMILY } from './fonts';
import { figureFromPng, type Figure, type VegaLiteSpec } from './figure';

/** The Vega-Lite schema URL put on every spec (JupyterLab picks its renderer from it). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Ten distinguishable colours for the digits 0-9 (Vega's `category10`, the matplotlib default cycle). */
export const DIGIT_COLORS: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/** Shared look of all charts: white background, the shipped font, readable sizes. */
export function chartConfig(): Record<string, unknown> {
  return {
    font: FIGURE_FONT_FAMILY,
    background: 'white',
    view: { stroke: '#bbb' },
    title: { fontSize: 15, anchor: 'middle', offset: 10 },
    axis: { labelFontSize: 12, titleFontSize: 13, gridColor: '#e6e6e6' },
    legend: { labelFontSize: 12, titleFontSize: 13, labelLimit: 0 },
    header: { labelFontSize: 13, titleFontSize: 13 },
  };
}

/** Adds `$schema` and the shared config to a Vega-Lite spec (a spec's own config entries win). */
export function withChartDefaults(spec: VegaLiteSpec): VegaLiteSpec {
  const own = (spec.config ?? {}) as Record<string, unknown>;
  return { $schema: VEGA_LITE_SCHEMA, ...spec, config: { ...chartConfig(), ...own } };
}

/** Renders a Vega-Lite spec to SVG text (headless; `scale` multiplies the pixel size). */
export async function vegaLiteToSvg(spec: VegaLiteSpec, scale = 1): Promise<string> {
  // vega-lite's TopLevelSpec type is a deep union; the spec is checked by vega-lite itself at compile time.
  const compiled = vegaLite.compile(spec as unknown as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Warn });
  try {
    return await view.toSVG(scale);
  } finally {
    view.finalize();
  }
}

/**
 * Renders a Vega-Lite spec to a PNG {@link Figure} (drawn at 2x for crisp text) that keeps the
 * spec for interactive front ends.
 */
export async function renderVegaLite(kind: string, spec: VegaLiteSpec, options: { scale?: number; html?: string } = {}): Promise<Figure> {
  const full = withChartDefaults(spec);
  const scale = options.scale ?? 2;
  const svg = await vegaLiteToSvg(full, scale);
  ensureFigureFonts();
  const png = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png({ compressionLevel: 9 }).toBuffer();
  return figureFromPng(kind, png, { vegaLite: full, html: options.html, pixelRatio: scale });
}
