/**
 * Keeps `notebooks/` (student notebooks) in step with `solutions/` and checks that no notebook of
 * the repository carries outputs. Used by `npm run students` and by the test suite.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { formatNotebook, Notebook, parseNotebook } from '../notebook-file';
import { structureProblems } from './notebook-structure';
import { makeStudentNotebook, stripOutputs } from './student-notebook';
import { writeFileAtomic } from '../../util/atomic-write';

/** Folder of the solution notebooks, relative to the repository root. */
export const SOLUTIONS_DIR = 'solutions';
/** Folder of the generated student notebooks, relative to the repository root. */
export const STUDENT_NOTEBOOKS_DIR = 'notebooks';

/** One student notebook as it should be. */
export interface PlannedStudentNotebook {
  /** Solution notebook path relative to the root (forward slashes). */
  readonly solution: string;
  /** Student notebook path relative to the root. */
  readonly student: string;
  /** The canonical text the student notebook must have. */
  readonly expected: string;
  /** Stubs and prompts in it. */
  readonly stubs: number;
  /** Answer prompts in it. */
  readonly prompts: number;
}

/** The solution notebooks of a repository (`solutions/*.ipynb`), sorted by name. */
export function listSolutionNotebooks(root: string): string[] {
  const dir = path.join(root, SOLUTIONS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.ipynb'))
    .sort()
    .map((name) => `${SOLUTIONS_DIR}/${name}`);
}

/** Reads and verifies the notebook at `rel` under `root` (errors name `rel`). */
function readRepoNotebook(root: string, rel: string): Notebook {
  return parseNotebook(fs.readFileSync(path.join(root, rel), 'utf8'), rel);
}

/** What every student notebook must contain, computed from the solutions. */
export function planStudentNotebooks(root: string): PlannedStudentNotebook[] {
  return listSolutionNotebooks(root).map((solution) => {
    const result = makeStudentNotebook(readRepoNotebook(root, solution), { source: solution });
    return {
      solution,
      student: `${STUDENT_NOTEBOOKS_DIR}/${path.basename(solution)}`,
      expected: formatNotebook(result.notebook),
      stubs: result.stubs,
      prompts: result.prompts,
    };
  });
}

function readIfExists(file: string): string | null {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

/** Result of {@link syncStudentNotebooks}. */
export interface SyncResult {
  /** Student notebooks written because they were missing or different. */
  readonly written: string[];
  /** Solution notebooks rewritten because they held outputs or were not canonically formatted. */
  readonly cleanedSolutions: string[];
  /** Student notebooks with no solution notebook any more (reported, never deleted). */
  readonly orphans: string[];
  /** Every planned student notebook. */
  readonly planned: PlannedStudentNotebook[];
}

/**
 * Regenerates `notebooks/` from `solutions/`: writes each student notebook whose text differs
 * (so a second run changes nothing) and strips outputs from solution notebooks in place
 * (run state never belongs in the repository). Orphaned student notebooks are only reported.
 */
export function syncStudentNotebooks(root: string): SyncResult {
  const cleanedSolutions: string[] = [];
  for (const solution of listSolutionNotebooks(root)) {
    const file = path.join(root, solution);
    const current = fs.readFileSync(file, 'utf8');
    const clean = formatNotebook(stripOutputs(parseNotebook(current, solution)));
    if (clean !== current) {
      writeFileAtomic(file, clean);
      cleanedSolutions.push(solution);
    }
  }
  const planned = planStudentNotebooks(root);
  const written: string[] = [];
  for (const plan of planned) {
    const file = path.join(root, plan.student);
    if (readIfExists(file) !== plan.expected) {
      writeFileAtomic(file, plan.expected);
      written.push(plan.student);
    }
  }
  return { written, cleanedSolutions, orphans: orphanStudentNotebooks(root, planned), planned };
}

function orphanStudentNotebooks(root: string, planned: readonly PlannedStudentNotebook[]): string[] {
  const dir = path.join(root, STUDENT_NOTEBOOKS_DIR);
  if (!fs.existsSync(dir)) return [];
  const expected = new Set(planned.map((p) => p.student));
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.ipynb'))
    .map((name) => `${STUDENT_NOTEBOOKS_DIR}/${name}`)
    .filter((rel) => !expected.has(rel))
    .sort();
}

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.ipynb_checkpoints', '.cache']);

function walkNotebooks(root: string, rel = ''): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...walkNotebooks(root, child));
    } else if (entry.name.endsWith('.ipynb')) {
      found.push(child);
    }
  }
  return found;
}

/**
 * Every `.ipynb` file of the repository at `root`: tracked and untracked files that git does not
 * ignore, or (outside a git work tree) every notebook outside node_modules, dist, out and .git.
 */
export function listRepositoryNotebooks(root: string): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z', '--', '*.ipynb'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const files = out.split('\0').filter((f) => f !== '' && fs.existsSync(path.join(root, f)));
    return [...new Set(files)].sort();
  } catch {
    return walkNotebooks(root).sort();
  }
}

/** Problems of one notebook's run state: code cells with outputs or an execution count. */
export function runStateProblems(nb: Notebook, rel: string): string[] {
  const problems: string[] = [];
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    const outputs = Array.isArray(cell.outputs) ? cell.outputs.length : 0;
    const count = cell.execution_count;
    if (outputs > 0 || (count !== undefined && count !== null)) {
      const what = [outputs > 0 ? `${outputs} output(s)` : '', count != null ? `execution_count ${count}` : ''].filter(Boolean).join(' and ');
      problems.push(`${rel}: cell ${i + 1}${cell.id ? ` (id ${cell.id})` : ''} holds ${what}`);
    }
  });
  return problems;
}

/**
 * Everything that makes the curriculum inconsistent, as readable lines (empty when all is well):
 * student notebooks missing, out of date or orphaned, malformed solution markers, solution
 * notebooks without exactly one parameters cell or with an exercise lacking a check cell, and any
 * notebook of the repository holding outputs or execution counts.
 */
export function checkCurriculum(root: string): string[] {
  const problems: string[] = [];
  let planned: PlannedStudentNotebook[] = [];
  try {
    planned = planStudentNotebooks(root);
  } catch (err) {
    problems.push((err as Error).message);
  }
  for (const solution of listSolutionNotebooks(root)) {
    try {
      problems.push(...structureProblems(readRepoNotebook(root, solution), solution));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  for (const plan of planned) {
    const current = readIfExists(path.join(root, plan.student));
    if (current === null) problems.push(`${plan.student}: missing (generate it from ${plan.solution})`);
    else if (current !== plan.expected) problems.push(`${plan.student}: out of date with ${plan.solution}`);
  }
  for (const orphan of orphanStudentNotebooks(root, planned)) {
    problems.push(`${orphan}: has no solution notebook in ${SOLUTIONS_DIR}/ (delete it or restore its solution)`);
  }
  for (const rel of listRepositoryNotebooks(root)) {
    try {
      problems.push(...runStateProblems(readRepoNotebook(root, rel), rel));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
}
