/**
 * One submission: which course notebook it is, the notebook the grader runs (the course's own
 * check cells restored, hidden checks inserted after their exercise's check, profile parameters
 * injected), and the score of each exercise from the executed notebook.
 */
import { cellTags, cellText, CodeCell, Notebook, NotebookCell, ParameterValue, withCellIds } from '../notebook-file';
import { findParametersCell, injectParameters } from '../runner/parameters';
import { CHECK_TAG, GradedCell, notebookExercises, vaelabMetadata } from '../students/exercises';
import { CellResult } from './execute';

/** How a submission was recognised. */
export type IdentifiedBy = 'metadata' | 'file name';

/**
 * The course notebook a submission is: its notebook metadata `vaelab.notebook` (stamped by the
 * generator) when it names a course notebook, else a `NN_` prefix of its file name; null when
 * neither identifies one.
 */
export function identifySubmission(nb: Notebook, fileName: string, courseNotebooks: readonly string[]): { name: string; by: IdentifiedBy } | null {
  const stamped = vaelabMetadata({ metadata: nb.metadata }).notebook;
  if (typeof stamped === 'string' && courseNotebooks.includes(stamped)) return { name: stamped, by: 'metadata' };
  const prefix = /^(\d{2})[_\-. ]/.exec(fileName);
  if (prefix) {
    const matches = courseNotebooks.filter((n) => n.startsWith(`${prefix[1]}_`));
    if (matches.length === 1) return { name: matches[0], by: 'file name' };
  }
  return null;
}

/** A graded cell of the assembled notebook: the exercise, its points, visible or hidden. */
export interface PlannedCheck extends Pick<GradedCell, 'exercise' | 'points' | 'hidden'> {
  /** Cell id in the assembled notebook. */
  readonly cellId: string;
}

/** The notebook the grader runs for a submission. */
export interface AssembledSubmission {
  readonly notebook: Notebook;
  /** Every graded cell, in notebook order. */
  readonly checks: PlannedCheck[];
  /** What the grader changed in the student's notebook, for the feedback. */
  readonly notes: string[];
}

function cloneCell(cell: NotebookCell, id: string): CodeCell {
  return {
    id,
    cell_type: 'code',
    metadata: JSON.parse(JSON.stringify(cell.metadata)) as CodeCell['metadata'],
    source: cellText(cell),
    outputs: [],
    execution_count: null,
  };
}

/**
 * Builds the notebook to run from a submission and its solution notebook (`solutionRel` names it
 * in errors): each check cell is the solution's (a student's edit is undone, a deleted one put
 * back after the cell that precedes it in the solution), each hidden check follows its exercise's
 * check cell, and `parameters` (with their `origin`) are injected after the parameters cell.
 */
export function assembleSubmission(
  submission: Notebook,
  solution: Notebook,
  solutionRel: string,
  parameters: { values: Record<string, ParameterValue>; origin: string },
): AssembledSubmission {
  const exercises = notebookExercises(solution, solutionRel);
  const notes: string[] = [];
  const nb = withCellIds(submission);
  const ids = new Set(nb.cells.map((c) => c.id as string));
  const freshId = (base: string) => {
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    return id;
  };
  const checkCellIds = new Map<string, string>();
  for (const check of exercises.checks) {
    const original = solution.cells[check.cellIndex];
    let at = nb.cells.findIndex((c) => c.cell_type === 'code' && original.id !== undefined && c.id === original.id);
    if (at < 0) {
      at = nb.cells.findIndex((c) => c.cell_type === 'code' && cellTags(c).includes(CHECK_TAG) && vaelabMetadata(c).exercise === check.exercise);
    }
    if (at >= 0) {
      if (cellText(nb.cells[at]).trim() !== cellText(original).trim()) {
        notes.push(`exercise ${check.exercise}: the check cell was edited; the course's check was run instead`);
      }
      nb.cells[at] = cloneCell(original, nb.cells[at].id as string);
    } else {
      const before = solution.cells[check.cellIndex - 1];
      const after = before ? nb.cells.findIndex((c) => c.id === before.id) : -1;
      at = after >= 0 ? after + 1 : nb.cells.length;
      nb.cells.splice(at, 0, cloneCell(original, freshId(original.id ?? `check-${check.exercise}`)));
      notes.push(`exercise ${check.exercise}: the check cell was missing; the course's check was put back`);
    }
    checkCellIds.set(check.exercise, nb.cells[at].id as string);
  }
  const checks: PlannedCheck[] = [];
  for (const check of exercises.checks) {
    const id = checkCellIds.get(check.exercise) as string;
    checks.push({ exercise: check.exercise, points: check.points, hidden: false, cellId: id });
    let at = nb.cells.findIndex((c) => c.id === id);
    for (const hidden of exercises.hidden.filter((h) => h.exercise === check.exercise)) {
      const cell = cloneCell(solution.cells[hidden.cellIndex], freshId(`hidden-check-${hidden.exercise}`));
      nb.cells.splice(++at, 0, cell);
      checks.push({ exercise: hidden.exercise, points: hidden.points, hidden: true, cellId: cell.id as string });
    }
  }
  let assembled: Notebook = nb;
  if (Object.keys(parameters.values).length > 0) {
    let at = -1;
    try {
      at = findParametersCell(nb.cells);
    } catch (err) {
      notes.push(`the parameters were not injected: ${(err as Error).message}`);
    }
    if (at >= 0) assembled = injectParameters(nb, parameters.values, parameters.origin);
    else if (!notes.some((n) => n.startsWith('the parameters'))) {
      notes.push('no cell tagged "parameters": the notebook ran with its own settings, not the grading profile\'s');
    }
  }
  const order = new Map(assembled.cells.map((c, i) => [c.id as string, i]));
  checks.sort((a, b) => (order.get(a.cellId) ?? 0) - (order.get(b.cellId) ?? 0));
  return { notebook: assembled, checks, notes };
}

/** The score and feedback of one graded cell. */
export interface CheckScore extends PlannedCheck {
  /** Points scored: all when the cell ran without error, else 0. */
  readonly scored: number;
  readonly status: CellResult['status'];
  /** The check's pass line (`✔ ... passed: ...`) or its error message. */
  readonly message: string;
}

/** The first line of `text` that reports a pass (`✔ ...` or `... passed`), or ''. */
function passLine(cell: NotebookCell | undefined): string {
  if (!cell || cell.cell_type !== 'code') return '';
  for (const output of cell.outputs) {
    if (output.output_type !== 'stream' || output.name !== 'stdout') continue;
    const text = Array.isArray(output.text) ? output.text.join('') : output.text;
    const line = text.split('\n').find((l) => l.startsWith('\u2714') || /\bpassed\b/.test(l));
    if (line) return line.trim();
  }
  return '';
}

/** What Node says when the permission model refuses a file access. */
const ACCESS_DENIED = 'Access to this API has been restricted';

/** An error message, with the reason added when the grader's confinement caused it. */
export function explain(message: string): string {
  return message.includes(ACCESS_DENIED)
    ? `${message} (the grader lets a notebook read only its own folder and the course library, and start no programs)`
    : message;
}

/** Scores every graded cell of an executed notebook from the outcomes of its cells. */
export function scoreChecks(executed: Notebook, checks: readonly PlannedCheck[], cells: ReadonlyMap<number, CellResult>): CheckScore[] {
  return checks.map((check) => {
    const index = executed.cells.findIndex((c) => c.id === check.cellId);
    const result = cells.get(index);
    if (!result) return { ...check, scored: 0, status: 'not-run', message: 'the check cell did not run' };
    if (result.status === 'ok')
      return { ...check, scored: check.points, status: 'ok', message: passLine(executed.cells[index]) || 'ran without error' };
    return { ...check, scored: 0, status: result.status, message: explain(`${result.ename}: ${result.evalue}`) };
  });
}
