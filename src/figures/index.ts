/**
 * Figures: image grids composed with sharp, charts drawn with Vega-Lite, `show` to display a
 * figure in a notebook and save it, and nodeplotlib browser windows for scripts.
 */
export type { Figure, GridGeometry, VegaLiteSpec } from './figure';
export { figureFromPng } from './figure';
export { FIGURE_FONT_FAMILY, ensureFigureFonts, shippedFontDir } from './fonts';
export type { ImageGridOptions, GenerationGridOptions } from './image-grid';
export { imageGrid, reconstructionFigure, denoisingFigure, comparisonRows, generationGrid } from './image-grid';
export { DIGIT_COLORS, VEGA_LITE_SCHEMA, renderVegaLite, vegaLiteToSvg } from './vega-render';
export type { ChartOptions, EpochLike, LineSeries, LineChartOptions, BarChartOptions, RocLike } from './charts';
export { lineChart, mapLossChart, lossCurveChart, barChart, rocChart } from './charts';
export type { LatentCodesLike, LatentScatterOptions, PlotlyTrace } from './latent';
export { latentScatter, latentPlotlyTraces } from './latent';
export { vegaHtmlPage } from './html-page';
export type { ShownFigure, ShowOptions } from './show';
export { saveAndShow, show, VEGA_LITE_MIME_TYPE } from './show';
export type { ModuleCacheLike, TslabDisplayWriter, TslabDisplayMessage } from './tslab-display';
export { tslabDisplayWriter } from './tslab-display';
export type { BrowserPlotData, BrowserOpenResult } from './browser';
export { openInBrowser, headlessReason, lineSeriesTraces, figurePlotlyPage } from './browser';
