/**
 * Opening charts in a browser window with nodeplotlib (plotly), as nodeplotlib users expect.
 * nodeplotlib starts a local web server and keeps the process alive until the window is closed,
 * so a headless run (CI, the notebook runner, no display) skips it and returns at once.
 */
import type { LineSeries } from './charts';
import type { Figure } from './figure';
import type { PlotlyTrace } from './latent';

/** Plot data as nodeplotlib takes it (plotly traces). */
export type BrowserPlotData = readonly (PlotlyTrace | Record<string, unknown>)[];

/** Why a browser window cannot be opened here, or null when it can. */
export function headlessReason(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const truthy = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  if (truthy(env.VAELAB_HEADLESS)) return 'VAELAB_HEADLESS is set';
  if (truthy(env.CI)) return 'running in CI';
  if (truthy(env.VAELAB_PROFILE) || env.VAELAB_IN_KERNEL === '1') return 'running inside the headless notebook runner';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  return null;
}

/** Result of {@link openInBrowser}. */
export interface BrowserOpenResult {
  /** True when nodeplotlib was asked to open the plot. */
  readonly opened: boolean;
  /** Why it was not opened (headless). */
  readonly reason?: string;
}

/** A figure as a plotly page: its PNG as the background image of an empty plot, at its natural size. */
export function figurePlotlyPage(figure: Figure): { data: Record<string, unknown>[]; layout: Record<string, unknown> } {
  const ratio = figure.pixelRatio ?? 1;
  const width = Math.round(figure.width / ratio);
  const height = Math.round(figure.height / ratio);
  const hidden = { visible: false, range: [0, 1], fixedrange: true };
  return {
    data: [{ type: 'scatter', mode: 'markers', x: [], y: [], hoverinfo: 'skip' }],
    layout: {
      width,
      height,
      margin: { l: 0, r: 0, t: 0, b: 0 },
      xaxis: hidden,
      yaxis: hidden,
      images: [
        {
          source: `data:image/png;base64,${figure.png.toString('base64')}`,
          xref: 'paper',
          yref: 'paper',
          x: 0,
          y: 1,
          sizex: 1,
          sizey: 1,
          sizing: 'contain',
          layer: 'below',
        },
      ],
    },
  };
}

function isFigure(value: unknown): value is Figure {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as { png?: unknown }).png);
}

/**
 * Opens a chart in a browser window through nodeplotlib: plotly traces (e.g.
 * `latentPlotlyTraces(codes)` for a rotatable 3-D scatter, or `lineSeriesTraces(series)`), or any
 * {@link Figure} (shown as its image). Headless, it prints why it skipped and returns immediately
 * without starting a server.
 */
export function openInBrowser(data: BrowserPlotData | Figure, layout: Record<string, unknown> = {}): BrowserOpenResult {
  let traces: readonly unknown[];
  let fullLayout = layout;
  if (isFigure(data)) {
    const page = figurePlotlyPage(data);
    traces = page.data;
    fullLayout = { ...page.layout, ...layout };
  } else {
    if (!Array.isArray(data) || data.length === 0) throw new TypeError('openInBrowser: pass a Figure or a non-empty array of plotly traces');
    traces = data;
  }
  const reason = headlessReason();
  if (reason) {
    console.log(`openInBrowser: not opening a browser window (${reason}); use show(figure, name) for a saved PNG`);
    return { opened: false, reason };
  }
  // Loaded only here: nodeplotlib pulls in a web server.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeplotlib = require('nodeplotlib') as { plot: (data: unknown[], layout?: Record<string, unknown>) => void };
  nodeplotlib.plot([...traces], fullLayout);
  return { opened: true };
}

/** Line series as plotly traces (one `scatter` line per series) for {@link openInBrowser}. */
export function lineSeriesTraces(series: readonly LineSeries[]): Record<string, unknown>[] {
  return series.map((s) => ({ type: 'scatter', mode: 'lines+markers', name: s.name, x: Array.from(s.x), y: Array.from(s.y) }));
}
