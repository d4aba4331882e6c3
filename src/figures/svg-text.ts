/** SVG snippets for figure text (titles, row and column labels), drawn with the shipped font. */
import { FIGURE_FONT_STACK } from './fonts';

/** Escapes text for use inside SVG/XML. */
export function escapeSvgText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Options of one text element. */
export interface SvgTextOptions {
  /** Anchor point x in pixels. */
  readonly x: number;
  /** Anchor point y in pixels. */
  readonly y: number;
  /** Font size in pixels. */
  readonly size: number;
  /** Horizontal alignment at x (default start). */
  readonly anchor?: 'start' | 'middle' | 'end';
  /** Vertical alignment at y (default middle). */
  readonly baseline?: 'middle' | 'alphabetic' | 'hanging';
  /** Font weight (default normal). */
  readonly weight?: 'normal' | 'bold';
  /** Text colour (default #222). */
  readonly fill?: string;
}

/** One `<text>` element in the figure font. */
export function svgText(text: string, o: SvgTextOptions): string {
  return (
    `<text x="${o.x}" y="${o.y}" font-family="${FIGURE_FONT_STACK.replace(/"/g, "'")}" font-size="${o.size}" ` +
    `font-weight="${o.weight ?? 'normal'}" fill="${o.fill ?? '#222'}" text-anchor="${o.anchor ?? 'start'}" ` +
    `dominant-baseline="${o.baseline ?? 'middle'}">${escapeSvgText(text)}</text>`
  );
}

/** A transparent SVG canvas of the given size holding `body`. */
export function svgDocument(width: number, height: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body}</svg>`;
}
