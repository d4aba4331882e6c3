/**
 * `npm run grade -- <folder>`: grades student submissions. Each subfolder of <folder> is one
 * student; each course notebook found in it runs headlessly in a fresh, confined tslab kernel from
 * a private copy of the folder, every cell run even after an error, the course's hidden checks
 * inserted. Writes grades.csv, feedback/<student>.html and the executed submissions.
 */
import * as fs from 'fs';
import * as path from 'path';
import { WASM_THREADS_ENV } from '../../backend/thread-policy';
import { cleanStaleKernelDirs, killAllKernelsSync, shutdownAllKernels } from '../kernel/kernel-client';
import { Notebook, parseNotebook, readNotebook, writeNotebook } from '../notebook-file';
import { checkOverrideType, notebookParameters, notebookParameterTypes, ParameterOverride } from '../runner/parameters';
import { loadProfiles, ProfilesFile, profileCellTimeoutSec, resolveParameters } from '../runner/profiles';
import { forEachOption, overrideOption, positiveSeconds, UsageError } from '../runner/run-args';
import { notebookExercises } from '../students/exercises';
import { executeAllCells } from './execute';
import { ExerciseColumn, NotebookGrade, safeName, StudentGrade, writeFeedback, writeGradesCsv } from './report';
import { createSandbox, permissionArgs } from './sandbox';
import { assembleSubmission, explain, identifySubmission, scoreChecks } from './submission';

/** Usage text of the grader. */
export const GRADE_USAGE = `Usage: npm run grade -- <folder> [options]

Grades student submissions: each subfolder of <folder> is one student (named by the subfolder)
and holds any of the course's student notebooks, under any file name (recognised by the notebook
metadata the generator stamps, else by an NN_ file-name prefix).

  --profile NAME         parameters profile the notebooks run with (default: smoke)
  --set NAME=VALUE       override a parameter (as in npm start); NOTEBOOK.NAME=VALUE for one notebook
  --timeout SEC          time limit per cell (default: the profile's cellTimeoutSec, else 600)
  --notebook-timeout SEC time limit per notebook, kernel restarts included (default: 1800)
  --out DIR              output folder (default: out/grade-<timestamp>)
  -h, --help             show this help

Writes <out>/grades.csv, <out>/feedback/<student>.html and <out>/submissions/<student>/<notebook>.ipynb.
Exit code: 0 when the batch completed (even if submissions failed), 2 for a bad folder or option.`;

/** Parsed grader arguments. */
export interface GradeArgs {
  folder: string;
  profile: string;
  overrides: ParameterOverride[];
  timeoutSec?: number;
  notebookTimeoutSec: number;
  out?: string;
  help: boolean;
}

/** Default time limit of one notebook, seconds. */
export const DEFAULT_NOTEBOOK_TIMEOUT_SEC = 1800;
/** Most bytes of output kept per cell of an executed submission. */
export const OUTPUT_CAP_BYTES = 2 * 1024 * 1024;

/** Parses the grader's arguments (without node and script); throws {@link UsageError} when malformed. */
export function parseGradeArgs(argv: readonly string[]): GradeArgs {
  const args: Partial<GradeArgs> & { overrides: ParameterOverride[]; help: boolean } = { overrides: [], help: false };
  const folders: string[] = [];
  forEachOption(argv, (arg, { flag, value }) => {
    switch (flag) {
      case '-h':
      case '--help':
        args.help = true;
        break;
      case '--profile':
        args.profile = value();
        break;
      case '--set':
        args.overrides.push(overrideOption(value()));
        break;
      case '--timeout':
        args.timeoutSec = positiveSeconds(flag, value());
        break;
      case '--notebook-timeout':
        args.notebookTimeoutSec = positiveSeconds(flag, value());
        break;
      case '--out':
        args.out = value();
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`);
        folders.push(arg);
    }
  });
  if (args.help) return { folder: '', profile: 'smoke', overrides: [], notebookTimeoutSec: DEFAULT_NOTEBOOK_TIMEOUT_SEC, help: true };
  if (folders.length !== 1) {
    throw new UsageError(
      folders.length === 0
        ? 'expected the folder of submissions (one subfolder per student)'
        : `expected one folder, got ${folders.length}: ${folders.join(' ')}`,
    );
  }
  return {
    folder: folders[0],
    profile: args.profile ?? 'smoke',
    overrides: args.overrides,
    timeoutSec: args.timeoutSec,
    notebookTimeoutSec: args.notebookTimeoutSec ?? DEFAULT_NOTEBOOK_TIMEOUT_SEC,
    out: args.out,
    help: false,
  };
}

/** Where the grader finds the course. */
export interface GradePaths {
  /** Project root (dist/, node_modules/, out/). */
  root: string;
  /** Solution notebooks (with the hidden checks). */
  solutions: string;
  profiles: string;
}

/** The repository's own paths (from this file's place in src/tools/grade or dist/tools/grade). */
export function defaultGradePaths(): GradePaths {
  const root = path.resolve(__dirname, '..', '..', '..');
  return { root, solutions: path.join(root, 'solutions'), profiles: path.join(root, 'solutions', 'profiles.json') };
}

/** Text streams of the grader (replaceable in tests). */
export interface GradeIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: GradeIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** A new output folder `<outRoot>/grade-<timestamp>` (`-2`, `-3` ... when taken), claimed with an exclusive mkdir. */
function createGradeDir(outRoot: string, now: Date): string {
  fs.mkdirSync(outRoot, { recursive: true });
  const base = path.join(outRoot, `grade-${timestamp(now)}`);
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 1000) throw err;
    }
  }
}

/** The course: solution notebooks by name and their exercise columns. */
interface Course {
  solutions: Map<string, { file: string; notebook: Notebook }>;
}

function loadCourse(paths: GradePaths): Course {
  if (!fs.existsSync(paths.solutions)) throw new UsageError(`no solution notebooks: ${paths.solutions} does not exist`);
  const solutions = new Map<string, { file: string; notebook: Notebook }>();
  for (const f of fs.readdirSync(paths.solutions).sort()) {
    if (!f.endsWith('.ipynb')) continue;
    const file = path.join(paths.solutions, f);
    const notebook = readNotebook(file);
    notebookExercises(notebook, `solutions/${f}`); // a course without points cannot be graded
    solutions.set(f.slice(0, -'.ipynb'.length), { file, notebook });
  }
  if (solutions.size === 0) throw new UsageError(`no solution notebooks (*.ipynb) in ${paths.solutions}`);
  return { solutions };
}

/** A submission found in a student's folder. */
interface Found {
  name: string;
  file: string;
  notebook: Notebook;
}

/** The course notebooks in a student's folder (its top level), and problems with the other files. */
function findSubmissions(dir: string, course: Course): { found: Found[]; problems: string[] } {
  const found: Found[] = [];
  const problems: string[] = [];
  const names = [...course.solutions.keys()];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.name.endsWith('.ipynb')) continue;
    if (!entry.isFile()) {
      problems.push(`${entry.name}: not a regular file (not graded)`);
      continue;
    }
    let nb: Notebook;
    try {
      nb = parseNotebook(fs.readFileSync(path.join(dir, entry.name), 'utf8'), entry.name);
    } catch (err) {
      problems.push(`${(err as Error).message.split('\n')[0]} (not graded)`);
      continue;
    }
    const id = identifySubmission(nb, entry.name, names);
    if (!id) {
      problems.push(
        `${entry.name}: not recognised as a course notebook (no "vaelab.notebook" metadata, no NN_ file-name prefix of a course notebook); not graded`,
      );
      continue;
    }
    const earlier = found.find((f) => f.name === id.name);
    if (earlier) {
      problems.push(`${entry.name}: a second submission of ${id.name} (after ${earlier.file}); only ${earlier.file} was graded`);
      continue;
    }
    found.push({ name: id.name, file: entry.name, notebook: nb });
  }
  return { found, problems };
}

/** Runs the grader with command-line `argv`; resolves to the exit code (0 batch completed, 2 bad invocation). */
export async function gradeCli(argv: readonly string[], paths: GradePaths = defaultGradePaths(), io: GradeIo = defaultIo): Promise<number> {
  let args: GradeArgs;
  let profiles: ProfilesFile;
  let course: Course;
  let students: string[];
  let outDir: string;
  let cellTimeoutSec: number;
  try {
    args = parseGradeArgs(argv);
    if (args.help) {
      io.out(GRADE_USAGE + '\n');
      return 0;
    }
    const folder = path.resolve(args.folder);
    if (!fs.existsSync(folder)) throw new UsageError(`${folder} does not exist: expected a folder with one subfolder per student`);
    if (!fs.statSync(folder).isDirectory()) throw new UsageError(`${folder} is not a folder: expected a folder with one subfolder per student`);
    students = fs
      .readdirSync(folder, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => path.join(folder, e.name))
      .sort();
    if (students.length === 0) throw new UsageError(`${folder} has no subfolders: expected one subfolder per student holding their notebooks`);
    profiles = loadProfiles(paths.profiles);
    if (!(args.profile in profiles.profiles)) {
      throw new UsageError(`unknown profile "${args.profile}"; profiles: ${Object.keys(profiles.profiles).join(', ')}`);
    }
    cellTimeoutSec = args.timeoutSec ?? profileCellTimeoutSec(profiles, args.profile);
    course = loadCourse(paths);
    for (const o of args.overrides) {
      const targets = o.notebook !== undefined ? [o.notebook] : [...course.solutions.keys()];
      if (o.notebook !== undefined && !course.solutions.has(o.notebook))
        throw new UsageError(`--set ${o.notebook}.${o.name}: no course notebook "${o.notebook}"`);
      const declaring = targets.filter((n) => notebookParameters((course.solutions.get(n) as { notebook: Notebook }).notebook).has(o.name));
      if (declaring.length === 0) throw new UsageError(`--set ${o.name}: no course notebook declares "let ${o.name}" in its parameters cell`);
      for (const n of declaring) {
        try {
          checkOverrideType(n, o, notebookParameterTypes((course.solutions.get(n) as { notebook: Notebook }).notebook).get(o.name));
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
      }
    }
    if (args.out) {
      outDir = path.resolve(args.out);
      if (outDir === folder || outDir.startsWith(folder + path.sep))
        throw new UsageError(`--out ${outDir} is inside the submissions folder; choose another folder`);
      fs.mkdirSync(outDir, { recursive: true });
    } else outDir = createGradeDir(path.join(paths.root, 'out'), new Date());
  } catch (err) {
    // a bad folder or option (UsageError), or a course that cannot be graded (a solution without points)
    io.err(`error: ${err instanceof Error ? err.message : String(err)}\n\n${GRADE_USAGE}\n`);
    return 2;
  }

  cleanStaleKernelDirs();
  process.on('exit', killAllKernelsSync);
  const boxes = path.join(paths.root, 'out', '.grade-boxes');
  const grades: StudentGrade[] = [];
  const submitted = new Set<string>();
  io.err(
    `vaelab grader: ${students.length} student(s), profile "${args.profile}", ${cellTimeoutSec} s per cell, ${args.notebookTimeoutSec} s per notebook, output ${outDir}\n`,
  );
  try {
    for (const [k, studentDir] of students.entries()) {
      const student = path.basename(studentDir);
      const { found, problems } = findSubmissions(studentDir, course);
      if (found.length === 0) problems.push('no course notebook found in this folder');
      const notebooks: NotebookGrade[] = [];
      for (const sub of found) {
        submitted.add(sub.name);
        const label = `[${k + 1}/${students.length}] ${student} ${sub.name}`;
        io.err(`${label}  running\n`);
        const graded = await gradeOne(paths, boxes, studentDir, sub, course, args, cellTimeoutSec, profiles, outDir, student);
        notebooks.push(graded);
        const got = graded.checks.reduce((s, c) => s + c.scored, 0);
        const max = graded.checks.reduce((s, c) => s + c.points, 0);
        io.err(
          `${label}  ${got}/${max} points in ${graded.durationSec.toFixed(1)} s${graded.notes.length ? ` (${graded.notes.length} note(s))` : ''}\n`,
        );
      }
      for (const p of problems) io.err(`    ${student}: ${p}\n`);
      grades.push({ student, notebooks, problems });
    }
  } finally {
    await shutdownAllKernels();
    process.removeListener('exit', killAllKernelsSync);
  }
  const columns: ExerciseColumn[] = [];
  for (const [name, { notebook }] of course.solutions) {
    if (!submitted.has(name)) continue;
    const ex = notebookExercises(notebook, name);
    for (const c of ex.checks) {
      const hidden = ex.hidden.filter((h) => h.exercise === c.exercise).reduce((s, h) => s + h.points, 0);
      columns.push({ notebook: name, exercise: c.exercise, max: c.points + hidden });
    }
  }
  const csv = writeGradesCsv(outDir, grades, columns);
  for (const g of grades) writeFeedback(outDir, g, columns);
  io.err(`grades:   ${csv}\nfeedback: ${path.join(outDir, 'feedback')}\n`);
  return 0;
}

async function gradeOne(
  paths: GradePaths,
  boxes: string,
  studentDir: string,
  sub: Found,
  course: Course,
  args: GradeArgs,
  cellTimeoutSec: number,
  profiles: ProfilesFile,
  outDir: string,
  student: string,
): Promise<NotebookGrade> {
  const solution = course.solutions.get(sub.name) as { file: string; notebook: Notebook };
  const started = Date.now();
  const notes: string[] = [];
  const declared = notebookParameters(solution.notebook);
  const overrides = args.overrides.filter((o) => (o.notebook === undefined || o.notebook === sub.name) && declared.has(o.name));
  const parameters = resolveParameters(profiles, args.profile, sub.name, declared, overrides);
  const assembled = assembleSubmission(sub.notebook, solution.notebook, `solutions/${sub.name}.ipynb`, parameters);
  notes.push(...assembled.notes);
  const box = createSandbox(paths.root, studentDir, boxes);
  notes.push(...box.skipped.map((s) => `not copied for the run: ${s}`));
  try {
    const run = await executeAllCells({
      notebook: assembled.notebook,
      cwd: box.work,
      env: {
        VAELAB_OUTPUT_DIR: box.outputDir,
        VAELAB_CACHE_DIR: box.cacheDir,
        TMPDIR: box.tmpDir,
        VAELAB_PROFILE: args.profile,
        VAELAB_IN_KERNEL: '1',
        VAELAB_NOTEBOOK: sub.name,
        [WASM_THREADS_ENV]: process.env[WASM_THREADS_ENV] ?? '1',
      },
      nodeArgs: (kernelTemp) => permissionArgs(paths.root, box, kernelTemp),
      cellTimeoutMs: cellTimeoutSec * 1000,
      notebookTimeoutMs: args.notebookTimeoutSec * 1000,
      outputCapBytes: OUTPUT_CAP_BYTES,
    });
    const checks = scoreChecks(run.notebook, assembled.checks, run.cells);
    const checkIds = new Set(assembled.checks.map((c) => c.cellId));
    const otherFailures: string[] = [];
    for (const [index, r] of [...run.cells.entries()].sort((a, b) => a[0] - b[0])) {
      const cell = run.notebook.cells[index];
      if (r.status === 'ok' || r.status === 'not-run' || checkIds.has(cell.id as string)) continue;
      const codeCell = run.notebook.cells.slice(0, index + 1).filter((c) => c.cell_type === 'code').length;
      otherFailures.push(explain(`code cell ${codeCell}: ${r.ename}: ${(r.evalue ?? '').split('\n').slice(0, 3).join(' ')}`));
    }
    const notRun = [...run.cells.values()].filter((r) => r.status === 'not-run');
    if (notRun.length > 0) notes.push(`${notRun.length} cell(s) did not run: ${notRun[0].evalue}`);
    if (run.restarts > 0)
      notes.push(`the kernel was restarted ${run.restarts} time(s) after a cell timed out or ended it; the cells before were run again`);
    const capped = [...run.cells.values()].filter((r) => (r.droppedBytes ?? 0) > 0).length;
    if (capped > 0) notes.push(`${capped} cell(s) wrote more than ${OUTPUT_CAP_BYTES} bytes of output; the rest was not kept`);
    const executedRel = path.join('submissions', safeName(student), `${sub.name}.ipynb`);
    run.notebook.metadata.vaelab = {
      ...(typeof run.notebook.metadata.vaelab === 'object' && run.notebook.metadata.vaelab !== null ? (run.notebook.metadata.vaelab as object) : {}),
      grade: {
        student,
        file: sub.file,
        profile: args.profile,
        checks: checks.map((c) => ({ exercise: c.exercise, hidden: c.hidden, points: c.points, scored: c.scored, status: c.status })),
      },
    };
    fs.mkdirSync(path.dirname(path.join(outDir, executedRel)), { recursive: true });
    writeNotebook(path.join(outDir, executedRel), run.notebook);
    return { notebook: sub.name, file: sub.file, checks, otherFailures, notes, executed: executedRel, durationSec: (Date.now() - started) / 1000 };
  } finally {
    fs.rmSync(box.dir, { recursive: true, force: true });
  }
}
