/**
 * Submissions for the grader's tests, made from the real student notebooks: the solutions pasted
 * back into the exercise cells (by cell id, as a student who solved everything would have them),
 * then changed as a test needs (a wrong cell, an extra cell, cells left out).
 */
import * as fs from 'fs';
import * as path from 'path';
import { cellText, CodeCell, Notebook, readNotebook, writeNotebook } from '../src/tools/notebook-file';

const ROOT = path.resolve(__dirname, '..');

/** How to change a pasted-back submission. */
export interface SubmissionChanges {
  /** Cell ids left out (e.g. long training cells the test does not need). */
  drop?: readonly string[];
  /** New sources by cell id. */
  replace?: Readonly<Record<string, string>>;
  /** Extra code cells inserted after the cell with the given id. */
  insertAfter?: ReadonlyArray<{ after: string; id: string; source: string }>;
  /** Removes the notebook metadata the generator stamps (`vaelab`), so only the file name identifies it. */
  unstamped?: boolean;
}

/** The student notebook `name` (e.g. `07_vae`) with every exercise solved by the solution's code, then `changes`. */
export function pastedSubmission(name: string, changes: SubmissionChanges = {}): Notebook {
  const solution = readNotebook(path.join(ROOT, 'solutions', `${name}.ipynb`));
  const student = readNotebook(path.join(ROOT, 'notebooks', `${name}.ipynb`));
  const byId = new Map(solution.cells.map((c) => [c.id, c]));
  for (const cell of student.cells) {
    if (cell.cell_type === 'code' && cellText(cell).includes('Not implemented yet')) {
      const original = byId.get(cell.id);
      if (!original) throw new Error(`${name}: no solution cell with id ${cell.id}`);
      cell.source = cellText(original);
    }
  }
  let cells = student.cells.filter((c) => !(changes.drop ?? []).includes(c.id ?? ''));
  for (const [id, source] of Object.entries(changes.replace ?? {})) {
    const cell = cells.find((c) => c.id === id);
    if (!cell) throw new Error(`${name}: no cell with id ${id} to replace`);
    cell.source = source;
  }
  for (const extra of changes.insertAfter ?? []) {
    const at = cells.findIndex((c) => c.id === extra.after);
    if (at < 0) throw new Error(`${name}: no cell with id ${extra.after} to insert after`);
    const cell: CodeCell = { id: extra.id, cell_type: 'code', metadata: {}, source: extra.source, outputs: [], execution_count: null };
    cells = [...cells.slice(0, at + 1), cell, ...cells.slice(at + 1)];
  }
  const metadata = { ...student.metadata };
  if (changes.unstamped) delete metadata.vaelab;
  return { ...student, metadata, cells };
}

/** Writes `nb` to `<folder>/<student>/<file>`. */
export function writeSubmission(folder: string, student: string, file: string, nb: Notebook): void {
  fs.mkdirSync(path.join(folder, student), { recursive: true });
  writeNotebook(path.join(folder, student, file), nb);
}
