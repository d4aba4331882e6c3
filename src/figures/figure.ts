/** The `Figure` value every figure function returns, and how one is made from a PNG. */
import sharp from 'sharp';

/** A Vega-Lite specification (plain JSON object; see https://vega.github.io/vega-lite/). */
export type VegaLiteSpec = Record<string, unknown>;

/** A rendered figure: a PNG (always), plus richer forms where the figure has them. */
export interface Figure {
  /** What kind of figure this is (e.g. `imageGrid`, `lossCurve`, `latentScatter`), for messages and tests. */
  readonly kind: string;
  /** The PNG file contents. */
  readonly png: Buffer;
  /** Width of the PNG in pixels. */
  readonly width: number;
  /** Height of the PNG in pixels. */
  readonly height: number;
  /** The Vega-Lite spec the chart was drawn from (JupyterLab renders it interactively). */
  readonly vegaLite?: VegaLiteSpec;
  /** A self-contained HTML page with an interactive view (saved beside the PNG by `show`). */
  readonly html?: string;
  /** Device pixels per CSS pixel of the PNG (charts are drawn at 2 for crisp text; notebooks show them at half size). */
  readonly pixelRatio?: number;
  /** Where the cells of an image grid are in the PNG (image grids only). */
  readonly grid?: GridGeometry;
}

/** Pixel geometry of an image grid: cell (r, c) starts at (left + c * (cellWidth + separator), top + r * (cellHeight + separator)). */
export interface GridGeometry {
  /** x of the first cell's left edge. */
  readonly left: number;
  /** y of the first cell's top edge. */
  readonly top: number;
  /** Width of one cell (image width times scale). */
  readonly cellWidth: number;
  /** Height of one cell. */
  readonly cellHeight: number;
  /** Separator width between cells. */
  readonly separator: number;
  /** Grid rows. */
  readonly rows: number;
  /** Grid columns. */
  readonly cols: number;
}

/** Builds a {@link Figure} from PNG bytes, reading the size from the PNG itself. */
export async function figureFromPng(
  kind: string,
  png: Buffer,
  extras: { vegaLite?: VegaLiteSpec; html?: string; pixelRatio?: number } = {},
): Promise<Figure> {
  const meta = await sharp(png).metadata();
  if (meta.format !== 'png' || !meta.width || !meta.height) throw new Error(`${kind}: rendering did not produce a PNG image`);
  return { kind, png, width: meta.width, height: meta.height, ...extras };
}
