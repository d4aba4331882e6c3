/**
 * `showAnswer(markdown)`: displays an answer built from the numbers a notebook computed, as
 * Markdown in a tslab kernel (so it reads like prose), or as plain text anywhere else.
 * Solution notebooks end their questions with a code cell tagged `answer` that calls it; the
 * student notebook replaces that cell with a prompt.
 */

import { tslabDisplayWriter, type TslabDisplayWriter } from '../figures/tslab-display';

/** Options of {@link showAnswer}. */
export interface ShowAnswerOptions {
  /** Display channel to use (default: the running tslab kernel's, null elsewhere; for tests). */
  readonly writer?: TslabDisplayWriter | null;
}

/**
 * Shows `markdown` as the answer to a question: rendered Markdown in a notebook, printed text
 * elsewhere. Throws a TypeError for an empty or non-string answer.
 */
export function showAnswer(markdown: string, options: ShowAnswerOptions = {}): void {
  if (typeof markdown !== 'string' || markdown.trim() === '') {
    throw new TypeError('showAnswer: expected a non-empty Markdown string');
  }
  const writer = options.writer !== undefined ? options.writer : tslabDisplayWriter();
  if (writer) writer({ data: { 'text/markdown': markdown, 'text/plain': markdown }, metadata: {}, transient: {} }, false);
  else console.log(markdown);
}

/** `x` rounded to `digits` significant digits, as text without trailing zeros noise (for answers). */
export function formatSignificant(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

/** `fraction` (0..1) as a percentage with `decimals` decimals, e.g. `formatPercent(0.8734) === '87.3%'`. */
export function formatPercent(fraction: number, decimals = 1): string {
  return `${(100 * fraction).toFixed(decimals)}%`;
}
