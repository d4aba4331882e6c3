/**
 * `showAnswer(markdown)`: displays an answer built from the numbers a notebook computed, as
 * Markdown in a tslab kernel (so it reads like prose), or as plain text anywhere else.
 * Solution notebooks end their questions with a code cell tagged `answer` that calls it; the
 * student notebook replaces that cell with a prompt.
 */

type DisplayWriter = (
  data: { data: Record<string, unknown>; metadata: Record<string, unknown>; transient: Record<string, unknown> },
  update: boolean,
) => void;

/** tslab's display channel of the running kernel, if this process is a tslab kernel. */
function tslabWriter(): DisplayWriter | null {
  for (const [file, mod] of Object.entries(require.cache)) {
    if (!/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file)) continue;
    const writer = (mod?.exports as { lastWriteDisplayData?: unknown } | undefined)?.lastWriteDisplayData;
    if (typeof writer === 'function') return writer as DisplayWriter;
  }
  return null;
}

/**
 * Shows `markdown` as the answer to a question: rendered Markdown in a notebook, printed text
 * elsewhere. Throws a TypeError for an empty or non-string answer.
 */
export function showAnswer(markdown: string): void {
  if (typeof markdown !== 'string' || markdown.trim() === '') {
    throw new TypeError('showAnswer: expected a non-empty Markdown string');
  }
  const writer = tslabWriter();
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
