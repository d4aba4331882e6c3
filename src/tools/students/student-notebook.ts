/**
 * Turns a solution notebook into the student notebook:
 * - code between `// BEGIN SOLUTION` and `// END SOLUTION` becomes a stub that throws a
 *   "Not implemented yet" error with the block's `// HINT:` text;
 * - answer cells (any cell tagged `answer`, or a Markdown cell starting with `**Answer**`)
 *   become Markdown prompts where students write their own answer;
 * - hidden checks (cells tagged `hidden-check`) are removed: only the grader runs them;
 * - outputs and execution counts are removed; cell ids, tags, cell metadata (a check cell's
 *   exercise id and points) and the rest are kept.
 * The notebook is stamped with its course name (`metadata.vaelab.notebook`, e.g. `07_vae`), by
 * which the grader recognises a submission under any file name.
 */
import { cellTags, cellText, MarkdownCell, Notebook, NotebookCell, NotebookMetadata } from '../notebook-file';
import * as path from 'path';
import { isHiddenCheck, notebookExercises } from './exercises';
import { stubSolutions } from './solution-markers';

/** The tag that marks an answer cell (Markdown or code). */
export const ANSWER_TAG = 'answer';
/** A Markdown cell whose text starts with this is an answer cell too. */
export const ANSWER_MARKDOWN_PREFIX = '**Answer**';
/** Metadata key (in the cell's `metadata.vaelab.prompt`) with a question-specific prompt. */
export const ANSWER_PROMPT_KEY = 'prompt';

/** The text of the prompt that replaces an answer cell. */
export function answerPrompt(question?: string): string {
  const lead = question && question.trim() !== '' ? `${question.trim()}\n\n` : '';
  return `${lead}**Your answer.** _Write your answer here, in your own words. Quote the numbers and figures your run printed above; do not guess numbers you did not compute._`;
}

/** True when `cell` is an answer cell that students must write themselves. */
export function isAnswerCell(cell: NotebookCell): boolean {
  if (cellTags(cell).includes(ANSWER_TAG)) return true;
  return cell.cell_type === 'markdown' && cellText(cell).trimStart().startsWith(ANSWER_MARKDOWN_PREFIX);
}

function questionOf(cell: NotebookCell): string | undefined {
  const vaelab = cell.metadata.vaelab;
  if (typeof vaelab === 'object' && vaelab !== null && !Array.isArray(vaelab)) {
    const prompt = (vaelab as Record<string, unknown>)[ANSWER_PROMPT_KEY];
    if (typeof prompt === 'string') return prompt;
  }
  return undefined;
}

function withoutRunState(metadata: NotebookMetadata): NotebookMetadata {
  const { execution: _execution, collapsed: _collapsed, scrolled: _scrolled, ...rest } = metadata;
  return rest;
}

/** The cell as a Markdown cell with `source`: its other fields kept, a code cell's run fields dropped. */
function asMarkdown(cell: NotebookCell, source: string): MarkdownCell {
  const fields: Record<string, unknown> = { ...cell };
  delete fields.outputs;
  delete fields.execution_count;
  return { ...fields, cell_type: 'markdown', metadata: cell.metadata, source };
}

/** A copy of the notebook with every code cell's outputs and execution count removed. */
export function stripOutputs(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((cell) =>
      cell.cell_type === 'code' ? { ...cell, metadata: withoutRunState(cell.metadata), outputs: [], execution_count: null } : { ...cell },
    ),
  };
}

/** Options of {@link makeStudentNotebook}. */
export interface StudentNotebookOptions {
  /** Path of the solution notebook, relative to the repository (recorded in the metadata and used in errors). */
  readonly source: string;
}

/** Summary of what {@link makeStudentNotebook} changed. */
export interface StudentNotebookResult {
  /** The student notebook. */
  readonly notebook: Notebook;
  /** Number of solution blocks turned into stubs. */
  readonly stubs: number;
  /** Number of answer cells turned into prompts. */
  readonly prompts: number;
}

/** The course name of a notebook from its path: `solutions/07_vae.ipynb` -> `07_vae`. */
export function notebookNameOf(file: string): string {
  return path.basename(file.replace(/\\/g, '/'), '.ipynb');
}

/**
 * Builds the student version of a solution notebook (see the module comment). The result records
 * its source in `metadata.vaelab.generated_from` and its course name in `metadata.vaelab.notebook`.
 * Throws an Error naming the cell when solution markers are malformed, and one naming the file and
 * every cell concerned when a check cell lacks its exercise id or points, two check cells share an
 * exercise id, or a hidden check names no exercise (see ./exercises).
 */
export function makeStudentNotebook(solution: Notebook, options: StudentNotebookOptions): StudentNotebookResult {
  const { checks } = notebookExercises(solution, options.source);
  /** The exercise id of the first check cell at or after `index` (the check of the exercise in that cell). */
  const exerciseAfter = (index: number): string | undefined =>
    checks.filter((c) => c.cellIndex >= index).sort((a, b) => a.cellIndex - b.cellIndex)[0]?.exercise;
  let stubs = 0;
  let prompts = 0;
  const cells = stripOutputs(solution).cells.flatMap((cell, index): NotebookCell[] => (isHiddenCheck(cell) ? [] : [convert(cell, index)]));
  function convert(cell: NotebookCell, index: number): NotebookCell {
    const where = `${options.source}, cell ${index + 1}${cell.id ? ` (id ${cell.id})` : ''}`;
    if (isAnswerCell(cell)) {
      prompts += 1;
      return asMarkdown(cell, answerPrompt(questionOf(cell)));
    }
    if (cell.cell_type !== 'code') return cell;
    const stubbed = stubSolutions(cellText(cell), where, exerciseAfter(index));
    stubs += stubbed.blocks;
    return stubbed.blocks > 0 ? { ...cell, source: stubbed.text } : cell;
  }
  const previous = solution.metadata.vaelab;
  const vaelab = typeof previous === 'object' && previous !== null && !Array.isArray(previous) ? previous : {};
  return {
    notebook: {
      ...solution,
      cells,
      metadata: { ...solution.metadata, vaelab: { ...vaelab, generated_from: options.source, notebook: notebookNameOf(options.source) } },
    },
    stubs,
    prompts,
  };
}
