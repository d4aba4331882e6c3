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
}

/** Builds a {@link Figure} from PNG bytes, reading the size from the PNG itself. */
export async function figureFromPng(
  kind: string,
  png: Buffer,
  extras: { vegaLite?: VegaLiteSpec; html?: string } = {},
): Promise<Figure> {
  const meta = await sharp(png).metadata();
  if (meta.format !== 'png' || !meta.width || !meta.height) throw new Error(`${kind}: rendering did not produce a PNG image`);
  return { kind, png, width: meta.width, height: meta.height, ...extras };
}
