/**
 * The structure every curriculum notebook follows, read from its cells:
 * one `parameters` cell of `let` declarations, exercise cells (code with solution markers),
 * `check` cells (autograder calls) after each exercise, and answer cells.
 */
import { cellTags, cellText, Notebook, PARAMETERS_TAG, ParameterValue } from '../notebook-file';
import { CHECK_TAG } from './exercises';
import { BEGIN_SOLUTION } from './solution-markers';
import { isAnswerCell } from './student-notebook';

export { CHECK_TAG } from './exercises';

/** Where the parts of a curriculum notebook are (cell indices, 0-based). */
export interface NotebookStructure {
  /** Index of the `parameters` cell, or -1 when there is none. */
  readonly parametersCell: number;
  /** Names declared with `let` in the parameters cell, in order. */
  readonly parameterNames: string[];
  /** Cells containing `// BEGIN SOLUTION`. */
  readonly exerciseCells: number[];
  /** Cells tagged `check`. */
  readonly checkCells: number[];
  /** Answer cells (tagged `answer` or starting with `**Answer**`). */
  readonly answerCells: number[];
}

/** Reads the structure of a (solution or student) notebook. */
export function notebookStructure(nb: Notebook): NotebookStructure {
  const parametersCells = nb.cells.flatMap((c, i) => (cellTags(c).includes(PARAMETERS_TAG) ? [i] : []));
  const parametersCell = parametersCells.length > 0 ? parametersCells[0] : -1;
  const parameterNames =
    parametersCell >= 0 ? [...cellText(nb.cells[parametersCell]).matchAll(/^\s*let\s+([A-Za-z_$][\w$]*)/gm)].map((m) => m[1]) : [];
  return {
    parametersCell,
    parameterNames,
    exerciseCells: nb.cells.flatMap((c, i) => (c.cell_type === 'code' && cellText(c).includes(BEGIN_SOLUTION) ? [i] : [])),
    checkCells: nb.cells.flatMap((c, i) => (c.cell_type === 'code' && cellTags(c).includes(CHECK_TAG) ? [i] : [])),
    answerCells: nb.cells.flatMap((c, i) => (isAnswerCell(c) ? [i] : [])),
  };
}

/**
 * Problems with a solution notebook's structure (empty when fine): exactly one parameters cell of
 * `let` declarations, and every exercise followed by a check cell before the next exercise.
 */
export function structureProblems(nb: Notebook, rel: string): string[] {
  const problems: string[] = [];
  const tagged = nb.cells.filter((c) => cellTags(c).includes(PARAMETERS_TAG)).length;
  const s = notebookStructure(nb);
  if (tagged !== 1) problems.push(`${rel}: expected exactly one cell tagged "${PARAMETERS_TAG}", found ${tagged}`);
  else if (s.parameterNames.length === 0) problems.push(`${rel}: the parameters cell declares no \`let\` variables`);
  s.exerciseCells.forEach((cell, k) => {
    const next = k + 1 < s.exerciseCells.length ? s.exerciseCells[k + 1] : nb.cells.length;
    if (!s.checkCells.some((c) => c > cell && c < next)) {
      problems.push(`${rel}: the exercise in cell ${cell + 1} has no cell tagged "${CHECK_TAG}" after it (before the next exercise)`);
    }
  });
  return problems;
}

/**
 * The code of a cell that sets parameters to new values, for the names the parameters cell
 * declares (other names are ignored, so one profile's defaults can serve every notebook).
 * Values are written as JSON literals: `epochs = 2;`.
 */
export function parameterAssignments(names: readonly string[], values: Readonly<Record<string, ParameterValue>>): string {
  return names
    .filter((name) => Object.prototype.hasOwnProperty.call(values, name))
    .map((name) => `${name} = ${JSON.stringify(values[name])};`)
    .join('\n');
}
