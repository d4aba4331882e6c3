/**
 * Figures: image grids composed with sharp, charts drawn with Vega-Lite, and nodeplotlib browser
 * windows for scripts (`show`, which displays a figure in a notebook and saves it, is in src/notebook).
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
export type { BrowserPlotData, BrowserOpenResult } from './browser';
export { openInBrowser, headlessReason, lineSeriesTraces, figurePlotlyPage } from './browser';
