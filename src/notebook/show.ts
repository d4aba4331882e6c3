/**
 * `show(figure, name)`: shows a figure inline in a tslab notebook (PNG for every front end and
 * viewer, plus the Vega-Lite spec that JupyterLab renders interactively) and always saves it as
 * `outputDir()/figures/<name>.png` (with `<name>.html` for interactive pages). Outside a
 * notebook it prints the saved path.
 */
import * as path from 'path';
import { outputDir } from '../util/notebook-context';
import type { Figure } from '../figures/figure';
import { tslabDisplayWriter, type TslabDisplayWriter } from '../util/tslab-display';
import { writeFileAtomic } from '../util/atomic-write';

/** MIME type under which the Vega-Lite spec of a chart is put next to its PNG. */
export const VEGA_LITE_MIME_TYPE = 'application/vnd.vegalite.v5+json';

/** Specs larger than this (characters of JSON) are not sent to the notebook; the PNG still is. */
const MAX_INLINE_SPEC_CHARS = 4_000_000;

/** Where {@link show} put a figure's files. */
export interface ShownFigure {
  /** The saved PNG. */
  readonly png: string;
  /** The saved interactive HTML page, when the figure has one. */
  readonly html?: string;
  /** True when the figure was displayed in a notebook. */
  readonly displayed: boolean;
}

/** Options of {@link show}. */
export interface ShowOptions {
  /** Folder to save into (default `outputDir()/figures`). */
  readonly dir?: string;
  /** Display inline in the notebook (default true; saving happens anyway). */
  readonly display?: boolean;
  /** Also send the Vega-Lite spec for interactive front ends (default true). */
  readonly interactive?: boolean;
  /** Display channel to use (default: the running tslab kernel's; for tests). */
  readonly writer?: TslabDisplayWriter | null;
}

/** Checks a figure name: letters, digits, `_`, `-`, `.` (a trailing `.png` is dropped). */
export function figureFileStem(name: string): string {
  if (typeof name !== 'string') throw new TypeError(`show: name must be a string, got ${typeof name}`);
  const stem = name.replace(/\.png$/i, '');
  if (!/^[A-Za-z0-9][\w.-]*$/.test(stem) || stem.includes('..')) {
    throw new TypeError(`show: name must start with a letter or digit and use only letters, digits, "_", "-" or "."; got ${JSON.stringify(name)}`);
  }
  return stem;
}

function checkFigure(figure: Figure): void {
  if (!figure || !Buffer.isBuffer(figure.png) || figure.png.length < 8 || figure.png.readUInt32BE(0) !== 0x89504e47) {
    throw new TypeError('show: figure must be a Figure with a PNG buffer (from imageGrid, lossCurveChart, latentScatter, ...)');
  }
}

/**
 * Saves `figure` under a stable name and shows it: inline in a tslab notebook, or by printing the
 * saved path anywhere else. Returns where the files went (use {@link show} in notebooks: it returns
 * nothing, so the cell prints nothing after the figure).
 */
export function saveAndShow(figure: Figure, name: string, options: ShowOptions = {}): ShownFigure {
  checkFigure(figure);
  const stem = figureFileStem(name);
  const dir = options.dir ?? path.join(outputDir(), 'figures');
  const pngPath = path.join(dir, `${stem}.png`);
  writeFileAtomic(pngPath, figure.png);
  let htmlPath: string | undefined;
  if (figure.html) {
    htmlPath = path.join(dir, `${stem}.html`);
    writeFileAtomic(htmlPath, figure.html);
  }
  const writer = options.display === false ? null : options.writer !== undefined ? options.writer : tslabDisplayWriter();
  if (writer) {
    const data: Record<string, unknown> = {
      'image/png': figure.png.toString('base64'),
      'text/plain': `${figure.kind} figure saved to ${pngPath}`,
    };
    if (figure.vegaLite && options.interactive !== false && JSON.stringify(figure.vegaLite).length <= MAX_INLINE_SPEC_CHARS) {
      data[VEGA_LITE_MIME_TYPE] = figure.vegaLite;
    }
    const ratio = figure.pixelRatio ?? 1;
    const metadata = { 'image/png': { width: Math.round(figure.width / ratio), height: Math.round(figure.height / ratio) } };
    writer({ data, metadata, transient: {} }, false);
    return { png: pngPath, html: htmlPath, displayed: true };
  }
  console.log(`figure saved: ${pngPath}${htmlPath ? ` (interactive: ${htmlPath})` : ''}`);
  return { png: pngPath, html: htmlPath, displayed: false };
}

/**
 * Shows `figure` inline in a tslab notebook (or prints where it was saved elsewhere) and saves it
 * as `outputDir()/figures/<name>.png`. Returns nothing, so a notebook cell ending with it stays clean;
 * {@link saveAndShow} does the same and returns the paths.
 */
export function show(figure: Figure, name: string, options: ShowOptions = {}): void {
  saveAndShow(figure, name, options);
}
