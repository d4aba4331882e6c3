/**
 * Points and exercises declared in a solution notebook, for the grader (`npm run grade`):
 * every check cell (tag `check`) carries `"vaelab": {"exercise": "7.2", "points": 3}` in its cell
 * metadata; a hidden check (tag `hidden-check`, instructors only: removed from the student
 * notebook) carries the exercise it belongs to and its own points. The generator refuses a
 * solution notebook whose declarations are missing or inconsistent.
 */
import { cellTags, Notebook, NotebookCell } from '../notebook-file';

/** The tag of autograder check cells. */
export const CHECK_TAG = 'check';
/** The tag of an instructor-only check cell (removed from student notebooks, run by the grader). */
export const HIDDEN_CHECK_TAG = 'hidden-check';

/** Form of an exercise id: letters, digits, `.`, `_`, `-` (e.g. `10.1`). */
const EXERCISE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A check cell (visible or hidden) and the points it is worth. */
export interface GradedCell {
  /** Exercise id, unique among the notebook's check cells (e.g. `7.2`). */
  readonly exercise: string;
  /** Points the cell scores when it runs without error. */
  readonly points: number;
  /** Index of the cell in the notebook (0-based). */
  readonly cellIndex: number;
  /** Cell id, when it has one. */
  readonly cellId?: string;
  /** True for a hidden check (tag `hidden-check`). */
  readonly hidden: boolean;
}

/** The graded cells of a solution notebook. */
export interface NotebookExercises {
  /** One visible check cell per exercise, in notebook order. */
  readonly checks: GradedCell[];
  /** Hidden checks, in notebook order. */
  readonly hidden: GradedCell[];
}

/** The `vaelab` object of a cell's metadata, or an empty object. */
export function vaelabMetadata(cell: Pick<NotebookCell, 'metadata'>): Record<string, unknown> {
  const v = cell.metadata.vaelab;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** True when the cell is a hidden check. */
export function isHiddenCheck(cell: NotebookCell): boolean {
  return cellTags(cell).includes(HIDDEN_CHECK_TAG);
}

/**
 * Reads the exercises, points and hidden checks of a solution notebook, and every problem with
 * them as readable lines naming `rel` and the cell: a check cell without an exercise id or without
 * positive points, two check cells with the same exercise id, a hidden check that names no
 * exercise of the notebook, lacks points or is not a code cell, a cell tagged both ways.
 */
export function readExercises(nb: Notebook, rel: string): NotebookExercises & { problems: string[] } {
  const checks: GradedCell[] = [];
  const hidden: GradedCell[] = [];
  const problems: string[] = [];
  const where = (i: number) => `${rel}, cell ${i + 1}${nb.cells[i].id ? ` (id ${nb.cells[i].id})` : ''}`;
  const example = '"vaelab": {"exercise": "7.2", "points": 3}';
  const firstCheck = new Map<string, number>();
  nb.cells.forEach((cell, i) => {
    const tags = cellTags(cell);
    const isCheck = tags.includes(CHECK_TAG);
    const isHidden = tags.includes(HIDDEN_CHECK_TAG);
    if (!isCheck && !isHidden) return;
    const what = isHidden ? `the hidden check (tag "${HIDDEN_CHECK_TAG}")` : `the check cell (tag "${CHECK_TAG}")`;
    if (isCheck && isHidden) {
      problems.push(`${where(i)}: tagged both "${CHECK_TAG}" and "${HIDDEN_CHECK_TAG}"; a cell is one or the other`);
      return;
    }
    if (cell.cell_type !== 'code') {
      problems.push(`${where(i)}: ${what} is a ${cell.cell_type} cell; expected a code cell`);
      return;
    }
    const meta = vaelabMetadata(cell);
    const exercise = meta.exercise;
    const points = meta.points;
    let ok = true;
    if (typeof exercise !== 'string' || !EXERCISE_ID.test(exercise)) {
      problems.push(
        `${where(i)}: ${what} has ${exercise === undefined ? 'no exercise id' : `an invalid exercise id ${JSON.stringify(exercise)}`}; ` +
          `expected cell metadata ${example} (letters, digits, ".", "_", "-")`,
      );
      ok = false;
    }
    if (typeof points !== 'number' || !Number.isFinite(points) || points <= 0) {
      problems.push(
        `${where(i)}: ${what} has ${points === undefined ? 'no points' : `invalid points ${JSON.stringify(points)}`}; ` +
          `expected a positive number in its cell metadata, e.g. ${example}`,
      );
      ok = false;
    }
    if (!ok) return;
    const graded: GradedCell = {
      exercise: exercise as string,
      points: points as number,
      cellIndex: i,
      hidden: isHidden,
      ...(cell.id ? { cellId: cell.id } : {}),
    };
    if (isHidden) {
      hidden.push(graded);
      return;
    }
    const earlier = firstCheck.get(graded.exercise);
    if (earlier !== undefined) {
      problems.push(
        `${where(i)}: exercise id "${graded.exercise}" is already used by the check cell ${earlier + 1}; each check cell needs its own id`,
      );
      return;
    }
    firstCheck.set(graded.exercise, i);
    checks.push(graded);
  });
  for (const h of hidden) {
    if (!firstCheck.has(h.exercise)) {
      const known = checks.map((c) => c.exercise).join(', ') || 'none';
      problems.push(
        `${where(h.cellIndex)}: the hidden check names exercise "${h.exercise}", which no check cell of ${rel} declares (exercises: ${known})`,
      );
    }
  }
  return { checks, hidden: hidden.filter((h) => firstCheck.has(h.exercise)), problems };
}

/** Like {@link readExercises}, but throws one Error listing every problem. */
export function notebookExercises(nb: Notebook, rel: string): NotebookExercises {
  const { checks, hidden, problems } = readExercises(nb, rel);
  if (problems.length > 0) {
    throw new Error(`${rel}: ${problems.length} problem(s) with its points and exercises:\n  - ${problems.join('\n  - ')}`);
  }
  return { checks, hidden };
}
