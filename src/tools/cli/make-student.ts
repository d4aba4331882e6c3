/**
 * `npm run students`: regenerates the student notebooks (notebooks/) from the solution
 * notebooks (solutions/) and strips outputs from the solutions.
 * `npm run students -- --check`: changes nothing; exits 1 listing every problem when notebooks/
 * is out of date or any notebook of the repository holds outputs or execution counts.
 * `--root DIR` works on another checkout (default: the current directory).
 */
import * as fs from 'fs';
import * as path from 'path';
import { checkCurriculum, listSolutionNotebooks, SOLUTIONS_DIR, syncStudentNotebooks } from '../students/sync';

const USAGE = 'usage: node dist/tools/cli/make-student.js [--check] [--root DIR]';

/** Parsed command line of the student-notebook generator. */
interface MakeStudentArgs {
  check: boolean;
  root: string;
}

function parseArgs(argv: readonly string[]): MakeStudentArgs {
  const args: MakeStudentArgs = { check: false, root: process.cwd() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') args.check = true;
    else if (arg === '--root') {
      const dir = argv[++i];
      if (!dir) throw new Error(`--root needs a folder\n${USAGE}`);
      args.root = path.resolve(dir);
    } else if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  return args;
}

/** Throws a clear error unless `root` is a folder with solution notebooks in `solutions/`. */
function checkRoot(root: string): void {
  if (!fs.existsSync(root)) throw new Error(`${root} does not exist: expected the repository folder (holding ${SOLUTIONS_DIR}/)`);
  if (listSolutionNotebooks(root).length === 0) {
    throw new Error(
      `no solution notebooks in ${path.join(root, SOLUTIONS_DIR)}: expected ${SOLUTIONS_DIR}/NN_topic.ipynb files (is --root the repository folder?)`,
    );
  }
}

function main(): number {
  const args = parseArgs(process.argv.slice(2));
  checkRoot(args.root);
  if (args.check) {
    const problems = checkCurriculum(args.root);
    if (problems.length === 0) {
      console.log('students: notebooks/ is up to date with solutions/ and no notebook holds outputs.');
      return 0;
    }
    console.error(`students --check: ${problems.length} problem(s):`);
    for (const p of problems) console.error(`  - ${p}`);
    console.error('Fix: run `npm run build && npm run students` and keep notebooks free of outputs.');
    return 1;
  }
  const result = syncStudentNotebooks(args.root);
  for (const s of result.cleanedSolutions) console.log(`cleaned   ${s} (outputs removed / reformatted)`);
  for (const w of result.written) console.log(`generated ${w}`);
  for (const o of result.orphans) console.warn(`warning   ${o} has no solution notebook (left in place)`);
  const stubs = result.planned.reduce((n, p) => n + p.stubs, 0);
  const prompts = result.planned.reduce((n, p) => n + p.prompts, 0);
  console.log(
    `students: ${result.planned.length} notebook(s), ${stubs} exercise stub(s), ${prompts} answer prompt(s); ` +
      `${result.written.length} written, ${result.planned.length - result.written.length} unchanged.`,
  );
  const problems = checkCurriculum(args.root);
  if (problems.length > 0) {
    console.error(`students: ${problems.length} problem(s) remain:`);
    for (const p of problems) console.error(`  - ${p}`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(`students: ${(err as Error).message}`);
  process.exitCode = 2;
}
