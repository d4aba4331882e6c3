/**
 * `showAnswer(markdown)`: displays an answer built from the numbers a notebook computed, as
 * Markdown in a tslab kernel (so it reads like prose), or as plain text anywhere else.
 * Solution notebooks end their questions with a code cell tagged `answer` that calls it; the
 * student notebook replaces that cell with a prompt. `answer(template, facts)` writes the answer as
 * a Markdown template filled from the run's numbers and claims (see {@link fillAnswer}).
 */

import { tslabDisplayWriter, type TslabDisplayWriter } from '../util/tslab-display';
import { claimLine, type ClaimRecord } from './claims';
import { formatSignificant } from '../util/format-number';

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

export { formatSignificant } from '../util/format-number';

/** `fraction` (0..1) as a percentage with `decimals` decimals, e.g. `formatPercent(0.8734) === '87.3%'`. */
export function formatPercent(fraction: number, decimals = 1): string {
  return `${(100 * fraction).toFixed(decimals)}%`;
}

/** A fact an answer template can name: a published number, a count, a word. */
export type AnswerValue = number | string | boolean;

/** The run's facts an answer template is filled from. */
export interface AnswerFacts {
  /** Values for `{{name}}` placeholders, by name. */
  readonly values?: Readonly<Record<string, AnswerValue>>;
  /**
   * Claims of the run (what `vl.claim` returned), for `{{claim:id}}`, `{{#held id}}…{{else}}…{{/held}}`
   * and `{{id.evidenceName}}` placeholders.
   */
  readonly claims?: ReadonlyArray<ClaimRecord>;
}

/** Thrown by {@link fillAnswer} for a template it cannot fill: lists every problem, never leaves a blank. */
export class AnswerTemplateError extends Error {
  constructor(readonly problems: ReadonlyArray<string>) {
    super(`answer template: ${problems.join('; ')}`);
    this.name = 'AnswerTemplateError';
  }
}

const NAME = '[A-Za-z][\\w.-]*';
const BLOCK = /\{\{#held\s+([^{}\s]*)\s*\}\}([\s\S]*?)\{\{\/held\}\}/g;
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** Formats `value` for an answer: numbers to 3 significant digits, `:.N` N decimals, `:N` N significant digits, `:%` a percentage of a fraction. */
function formatAnswerValue(value: AnswerValue, format: string | undefined, name: string, problems: string[]): string {
  if (format === undefined) return typeof value === 'number' && !Number.isInteger(value) ? formatSignificant(value, 3) : String(value);
  if (typeof value !== 'number') {
    problems.push(`{{${name}:${format}}} formats a number, but "${name}" is ${JSON.stringify(value)}`);
    return '';
  }
  const fixed = /^\.(\d{1,2})$/.exec(format);
  if (fixed) return value.toFixed(Number(fixed[1]));
  const significant = /^(\d{1,2})$/.exec(format);
  if (significant && Number(significant[1]) >= 1) return formatSignificant(value, Number(significant[1]));
  if (format === '%') return formatPercent(value);
  problems.push(`{{${name}:${format}}}: unknown format "${format}" (expected .N for N decimals, N for N significant digits, or %)`);
  return '';
}

/**
 * Fills an answer written as a Markdown template from the run's facts:
 *
 * - `{{name}}` a value of `facts.values` (numbers to 3 significant digits; `{{name:.4}}` 4 decimals,
 *   `{{name:2}}` 2 significant digits, `{{name:%}}` a fraction as a percentage), or `{{id.name}}`
 *   the evidence `name` of the claim `id`;
 * - `{{claim:id}}` the claim's line: `✓ statement (numbers)` or `✗ not shown by this run: ...`;
 * - `{{#held id}}sentence when it held{{else}}sentence when it did not, and why that can happen{{/held}}`
 *   (the `{{else}}` part is required: an answer must say plainly when its run did not show the point).
 *
 * Throws an {@link AnswerTemplateError} listing every unknown name or claim, malformed placeholder
 * and block without `{{else}}`: a template is never filled with a blank.
 */
export function fillAnswer(template: string, facts: AnswerFacts = {}): string {
  if (typeof template !== 'string' || template.trim() === '') throw new TypeError('fillAnswer: expected a non-empty Markdown template');
  const problems: string[] = [];
  const values = new Map<string, AnswerValue>(Object.entries(facts.values ?? {}));
  const claims = new Map<string, ClaimRecord>();
  for (const c of facts.claims ?? []) {
    claims.set(c.id, c);
    for (const [k, v] of Object.entries(c.evidence)) {
      const key = `${c.id}.${k}`;
      if (values.has(key)) problems.push(`"${key}" is both a value and the evidence "${k}" of claim "${c.id}"`);
      values.set(key, v);
    }
  }
  const claimNames = () => (claims.size ? [...claims.keys()].join(', ') : 'none given');
  const withBlocks = template.replace(BLOCK, (_all, id: string, body: string) => {
    const c = claims.get(id);
    if (!c) {
      problems.push(`{{#held ${id}}}: no claim "${id}" among the facts (claims: ${claimNames()})`);
      return '';
    }
    if (body.includes('{{#held')) {
      problems.push(`{{#held ${id}}}: blocks cannot be nested`);
      return '';
    }
    const parts = body.split('{{else}}');
    if (parts.length !== 2) {
      problems.push(
        parts.length === 1
          ? `{{#held ${id}}} needs an {{else}} part saying plainly what this run showed instead and why that can happen`
          : `{{#held ${id}}} has more than one {{else}}`,
      );
      return '';
    }
    return c.held ? parts[0] : parts[1];
  });
  const filled = withBlocks.replace(PLACEHOLDER, (all, inner: string) => {
    const text = inner.trim();
    const claimRef = new RegExp(`^claim:(${NAME})$`).exec(text);
    if (claimRef) {
      const c = claims.get(claimRef[1]);
      if (c) return claimLine(c);
      problems.push(`{{claim:${claimRef[1]}}}: no claim "${claimRef[1]}" among the facts (claims: ${claimNames()})`);
      return '';
    }
    const ref = new RegExp(`^(${NAME})(?::(\\S+))?$`).exec(text);
    if (!ref) {
      problems.push(`malformed placeholder ${all} (expected {{name}}, {{name:.4}}, {{claim:id}} or {{#held id}}…{{else}}…{{/held}})`);
      return '';
    }
    const value = values.get(ref[1]);
    if (value === undefined) {
      problems.push(`{{${ref[1]}}}: no value "${ref[1]}" among the facts (values: ${[...values.keys()].join(', ') || 'none given'})`);
      return '';
    }
    return formatAnswerValue(value, ref[2], ref[1], problems);
  });
  if (problems.length) throw new AnswerTemplateError(problems);
  return filled;
}

/**
 * Fills `template` from `facts` ({@link fillAnswer}) and shows it as the answer ({@link showAnswer}).
 * Returns nothing, so that a cell ending in `vl.answer(...)` shows the answer once (a returned string
 * would be printed again as the cell's value); use `fillAnswer` for the Markdown itself.
 */
export function answer(template: string, facts: AnswerFacts, options: ShowAnswerOptions = {}): void {
  showAnswer(fillAnswer(template, facts), options);
}
