/**
 * The headless runner behind `npm start`: selects notebooks, resolves profile parameters,
 * runs each notebook in its own tslab kernel, prints progress and writes summary.json + report.html.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { WASM_THREADS_ENV, wasmThreadsEnvForJobs } from '../../backend/thread-policy';
import { runDataLine } from '../../notebook/data-line';
import { cleanStaleKernelDirs, killAllKernelsSync, shutdownAllKernels } from '../kernel/kernel-client';
import { ParameterValue, readNotebook } from '../notebook-file';
import { checkOverrideType, injectParameters, notebookParameters, notebookParameterTypes } from './parameters';
import { claimLine } from '../../notebook/claims';
import { checkStartOrder, loadProfiles, profileCellTimeoutSec, profileEnforcesClaims, resolveParameters, startSequence } from './profiles';
import { collectVersions, RunSummary, writeReportHtml, writeSummary } from './report';
import { parseRunArgs, RUN_USAGE, UsageError } from './run-args';
import { NotebookRunResult, RunProgress, runNotebook } from './run-notebook';

/** Where the runner looks for things; defaults suit the repository layout. */
export interface RunnerPaths {
  /** Project root (holds package.json, node_modules, out/). */
  root: string;
  /** Folder of the notebooks run by default. */
  solutions: string;
  /** Profiles file. */
  profiles: string;
}

/** The repository's own paths, found from this file's location (src/tools/runner or dist/tools/runner). */
export function defaultRunnerPaths(): RunnerPaths {
  const root = path.resolve(__dirname, '..', '..', '..');
  const solutions = path.join(root, 'solutions');
  return { root, solutions, profiles: path.join(solutions, 'profiles.json') };
}

/** The notebooks in a folder, by name (file name without `.ipynb`), sorted. */
export function listNotebooks(folder: string): Map<string, string> {
  const found = new Map<string, string>();
  if (!fs.existsSync(folder)) return found;
  for (const file of fs.readdirSync(folder).sort()) {
    if (file.endsWith('.ipynb') && !file.startsWith('.')) found.set(file.slice(0, -'.ipynb'.length), path.join(folder, file));
  }
  return found;
}

/** Resolves the command-line notebook selection to `[name, path]` pairs; throws UsageError for unknown ones. */
export function selectNotebooks(requested: ReadonlyArray<string>, solutions: string): Array<[string, string]> {
  const available = listNotebooks(solutions);
  if (requested.length === 0) {
    if (available.size === 0) throw new UsageError(`no notebooks (*.ipynb) found in ${solutions}`);
    return [...available.entries()];
  }
  const chosen = new Map<string, string>();
  for (const request of requested) {
    if (request.endsWith('.ipynb') || request.includes('/') || request.includes(path.sep)) {
      const file = path.resolve(request);
      if (!fs.existsSync(file)) throw new UsageError(`unknown notebook "${request}": no such file`);
      chosen.set(path.basename(file, '.ipynb'), file);
      continue;
    }
    const exact = available.get(request);
    const prefixed = [...available.keys()].filter((name) => name.startsWith(request));
    if (exact) chosen.set(request, exact);
    else if (prefixed.length === 1) chosen.set(prefixed[0], available.get(prefixed[0]) as string);
    else {
      const list = [...available.keys()].join(', ') || '(none)';
      throw new UsageError(
        prefixed.length > 1
          ? `notebook "${request}" is ambiguous: it matches ${prefixed.join(', ')}`
          : `unknown notebook "${request}"; notebooks in ${solutions}: ${list}`,
      );
    }
  }
  return [...chosen.entries()];
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/**
 * Creates a new, empty run folder for a run started at `now` and returns its path:
 * `<outRoot>/run-YYYYMMDD-HHMMSS`, or `...-2`, `-3`, ... when another run (in this or another
 * process) already took that name. Each name is claimed with an exclusive mkdir, so two runs
 * never share a folder.
 */
export function createRunDir(outRoot: string, now: Date): string {
  fs.mkdirSync(outRoot, { recursive: true });
  const base = path.join(outRoot, `run-${timestamp(now)}`);
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      fs.mkdirSync(dir); // fails with EEXIST if the name is taken: exclusive
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 10000) throw err;
    }
  }
}

/**
 * Points `<parent of outDir>/latest` at the run folder: a symlink made under a unique temporary
 * name and renamed over the old link, so `latest` is always a complete link (the run that links
 * last wins). Leaves a real folder named `latest` alone.
 */
export function linkLatest(outDir: string): void {
  const link = path.join(path.dirname(outDir), 'latest');
  const temp = `${link}.${process.pid}-${randomUUID()}.tmp`;
  try {
    if (fs.existsSync(link) && !fs.lstatSync(link).isSymbolicLink()) return;
    fs.symlinkSync(path.basename(outDir), temp);
    fs.renameSync(temp, link);
  } catch {
    // a missing link is not worth failing the run for
    fs.rmSync(temp, { force: true });
  }
}

/** The first few published numbers for the terminal (all of them are in summary.json and the report). */
function shortNumbers(published: Record<string, number | string | boolean>): string {
  const entries = Object.entries(published);
  if (entries.length === 0) return '';
  const shown = entries.slice(0, 3).map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v}`);
  return `  ${shown.join(' ')}${entries.length > 3 ? ` (+${entries.length - 3} more)` : ''}`;
}

/** Text streams the runner prints to (replaceable in tests). */
export interface RunnerIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when `err` is a terminal (progress is redrawn in place). */
  tty: boolean;
}

const defaultIo: RunnerIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: Boolean(process.stderr.isTTY),
};

/**
 * Runs the runner with command-line `argv` (without node and script); resolves to the exit code:
 * 0 all passed, 1 a notebook failed, 2 bad invocation, 130/143 interrupted by SIGINT/SIGTERM.
 */
export async function runCli(argv: ReadonlyArray<string>, paths: RunnerPaths = defaultRunnerPaths(), io: RunnerIo = defaultIo): Promise<number> {
  // --- parse and validate everything before starting a kernel ---
  let plan: Array<{ name: string; file: string; parameters: { values: Record<string, ParameterValue>; origin: string }; codeCells: number }>;
  let profile: string;
  let outDir: string;
  let timeoutSec: number;
  let jobs: number;
  let enforceClaims: boolean;
  let startOrder: string[] | undefined;
  try {
    const args = parseRunArgs(argv);
    if (args.help) {
      io.out(RUN_USAGE + '\n');
      return 0;
    }
    jobs = args.jobs;
    const profiles = loadProfiles(paths.profiles);
    profile = args.profile ?? profiles.default ?? 'quick';
    if (!(profile in profiles.profiles)) {
      throw new UsageError(`unknown profile "${profile}"; profiles: ${Object.keys(profiles.profiles).join(', ')}`);
    }
    timeoutSec = args.timeoutSec ?? profileCellTimeoutSec(profiles, profile);
    enforceClaims = profileEnforcesClaims(profiles, profile);
    const selected = selectNotebooks(args.notebooks, paths.solutions);
    checkStartOrder(profiles, profile, [...listNotebooks(paths.solutions).keys()], paths.profiles);
    startOrder = profiles.profiles[profile].startOrder;
    const declaredBy = new Map<string, Set<string>>();
    plan = selected.map(([name, file]) => {
      const notebook = readNotebook(file);
      const declared = notebookParameters(notebook);
      const types = notebookParameterTypes(notebook);
      for (const variable of declared.keys()) declaredBy.set(variable, (declaredBy.get(variable) ?? new Set()).add(name));
      for (const o of args.overrides) {
        if (o.notebook !== undefined && o.notebook !== name) continue;
        try {
          checkOverrideType(name, o, types.get(o.name));
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
      }
      const parameters = resolveParameters(profiles, profile, name, declared, args.overrides);
      const codeCells = injectParameters(notebook, parameters.values, parameters.origin).cells.filter((c) => c.cell_type === 'code').length;
      return { name, file, parameters, codeCells };
    });
    for (const o of args.overrides) {
      if (o.notebook !== undefined && !selected.some(([name]) => name === o.notebook)) {
        throw new UsageError(`--set ${o.notebook}.${o.name}: notebook "${o.notebook}" is not among the notebooks being run`);
      }
      if (o.notebook === undefined && !declaredBy.has(o.name)) {
        throw new UsageError(`--set ${o.name}: no selected notebook declares "let ${o.name}" in its parameters cell`);
      }
    }
    if (args.out) {
      outDir = path.resolve(args.out);
      for (const { file } of plan) {
        if (path.resolve(path.dirname(file)) === outDir) {
          throw new UsageError(`--out ${outDir} is the folder of the source notebooks; choose another folder (sources are never overwritten)`);
        }
      }
      fs.mkdirSync(outDir, { recursive: true });
    } else {
      outDir = createRunDir(path.join(paths.root, 'out'), new Date());
      linkLatest(outDir);
    }
  } catch (err) {
    io.err(`error: ${(err as Error).message}\n\n${RUN_USAGE}\n`);
    return 2;
  }

  // --- run ---
  cleanStaleKernelDirs(); // folders of kernels whose runner was killed (SIGKILL) before it could remove them
  let signal: NodeJS.Signals | null = null;
  const stop = new AbortController();
  const started = new Date();
  const versions = collectVersions(paths.root);
  // Results in the order of the plan (notebooks may finish out of order with --jobs > 1).
  const slots: Array<NotebookRunResult | undefined> = [];
  /** Code cell each running notebook is at (for a run that must exit at once). */
  const runningAt = new Map<number, number>();
  const finished = () => slots.filter((r): r is NotebookRunResult => r !== undefined);
  /** The summary entry of a notebook without a result: stopped by a forced exit while it ran, or never started. */
  const placeholder = (i: number): NotebookRunResult => {
    const item = plan[i];
    const at = runningAt.get(i);
    const reason = signal ?? 'a stop request';
    return {
      name: item.name,
      source: path.resolve(item.file),
      output: null,
      outputDir: null,
      status: at === undefined ? 'not run' : 'interrupted',
      durationSec: 0,
      codeCells: item.codeCells,
      executedCells: at ?? 0,
      failure:
        at === undefined
          ? null
          : {
              kind: 'interrupted',
              codeCell: at > 0 ? at : null,
              cellIndex: null,
              sourceCellIndex: null,
              cellId: null,
              ename: 'Interrupted',
              evalue: `the run was interrupted (${reason}, twice: exited at once) while this ran`,
              traceback: [],
            },
      published: {},
      claims: [],
      parameters: item.parameters.values,
      figures: [],
      backend: null,
      wasmThreads: null,
      kernelPid: null,
    };
  };
  /** The run's summary; `complete` lists every planned notebook (those without a result as `interrupted` / `not run`). */
  const summary = (complete: boolean): RunSummary => {
    const notebooks = complete ? plan.map((_, i) => slots[i] ?? placeholder(i)) : finished();
    return {
      status: signal ? 'interrupted' : notebooks.every((r) => r.status === 'ok') ? 'ok' : 'failed',
      profile,
      claimsEnforced: enforceClaims,
      startedAt: started.toISOString(),
      durationSec: Math.round((Date.now() - started.getTime()) / 10) / 100,
      outDir,
      versions,
      notebooks: notebooks.map((r) => ({ ...r, outputRelative: r.output === null ? null : path.relative(outDir, r.output) })),
    };
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (signal) {
      // second Ctrl-C: stop now, but still leave a summary and a report
      killAllKernelsSync();
      try {
        const now = summary(true);
        writeSummary(now);
        writeReportHtml(now);
      } catch {
        // exiting anyway
      }
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
    signal = sig;
    io.err(`\n${sig}: stopping (shutting kernels down; press Ctrl-C again to exit at once)…\n`);
    stop.abort(sig);
    void shutdownAllKernels();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', killAllKernelsSync);

  // Kernels running at once share the cores: each gets VAELAB_WASM_THREADS = cores / kernels (unless the user set it).
  const kernelEnv = wasmThreadsEnvForJobs(Math.max(1, Math.min(jobs, plan.length)));
  const threadNote = kernelEnv[WASM_THREADS_ENV] !== undefined ? `, ${kernelEnv[WASM_THREADS_ENV]} wasm thread(s) per kernel` : '';
  io.err(`${runDataLine(plan.map((p) => p.file))}\n`); // first line: which data, from where
  io.err(`vaelab runner: ${plan.length} notebook(s), profile "${profile}", ${jobs} at a time${threadNote}, output ${outDir}\n`);
  // Redraw one progress line in place only on a terminal and with one notebook at a time.
  const live = io.tty && jobs === 1;
  const runOne = async (i: number): Promise<void> => {
    const item = plan[i];
    const label = `[${i + 1}/${plan.length}] ${item.name}`;
    const notebookStart = Date.now();
    let status = 'starting kernel';
    const draw = () => io.err(`\r\x1b[2K${label}  ${status}  ${((Date.now() - notebookStart) / 1000).toFixed(0)} s`);
    // The line is redrawn every second so the elapsed time runs during long cells.
    const ticker = live ? setInterval(draw, 1000) : undefined;
    runningAt.set(i, 0);
    const onProgress = (p: RunProgress) => {
      if (p.phase === 'done') return;
      runningAt.set(i, p.cell);
      status = p.phase === 'starting' ? 'starting kernel' : `code cell ${p.cell}/${p.cells}`;
      if (live) draw();
      else io.err(`${label}  ${status}  ${p.elapsedSec.toFixed(1)} s\n`);
    };
    const result = await runNotebook({
      source: item.file,
      name: item.name,
      outDir,
      parameters: item.parameters,
      profile,
      cellTimeoutMs: timeoutSec * 1000,
      onProgress,
      env: kernelEnv,
      signal: stop.signal,
      enforceClaims,
    }).finally(() => clearInterval(ticker));
    slots[i] = result;
    runningAt.delete(i);
    const f = result.failure;
    const where = f?.codeCell != null ? ` in code cell ${f.codeCell}/${result.codeCells}` : f?.kind === 'interrupted' ? ' before its first cell' : '';
    const end =
      result.status === 'ok'
        ? `${label}  ok  ${result.durationSec.toFixed(1)} s${shortNumbers(result.published)}`
        : result.status === 'lesson not shown'
          ? `${label}  LESSON NOT SHOWN  ${result.durationSec.toFixed(1)} s: ${result.claims.filter((c) => !c.held).length} of ${result.claims.length} claims did not hold`
          : result.status === 'interrupted'
            ? `${label}  INTERRUPTED (${signal ?? 'stopped'})${where} after ${result.durationSec.toFixed(1)} s`
            : `${label}  FAILED (${f?.kind})${where} after ${result.durationSec.toFixed(1)} s: ${f?.ename}: ${(f?.evalue ?? '').split('\n')[0]}`;
    io.err(live ? `\r\x1b[2K${end}\n` : `${end}\n`);
    if (f?.hint) io.err(`    hint: ${f.hint}\n`);
    for (const c of result.claims) if (!c.held) io.err(`    ${claimLine(c)}${enforceClaims ? '' : ' [reported, not enforced in this profile]'}\n`);
    writeSummary(summary(false));
  };
  try {
    // With several kernels, the profile's startOrder: the longest notebooks first (results stay in file order).
    const sequence = startSequence(
      plan.map((p) => p.name),
      startOrder,
      Math.min(jobs, plan.length),
    );
    let next = 0;
    const worker = async () => {
      while (!signal && next < sequence.length) await runOne(sequence[next++]);
    };
    await Promise.all(Array.from({ length: Math.min(jobs, plan.length) }, worker));
  } finally {
    await shutdownAllKernels();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('exit', killAllKernelsSync);
  }
  const final = summary(true);
  const summaryFile = writeSummary(final);
  const reportFile = writeReportHtml(final);
  final.notebooks.forEach((r, i) => {
    if (r.status === 'not run') io.err(`[${i + 1}/${plan.length}] ${r.name}  not run\n`);
  });
  const count = (status: string) => final.notebooks.filter((r) => r.status === status).length;
  const stopped = signal ? ` (interrupted by ${signal}: ${count('interrupted')} interrupted, ${count('not run')} not run)` : '';
  const claims = final.notebooks.flatMap((r) => r.claims);
  const held = claims.filter((c) => c.held).length;
  const notShown = count('lesson not shown') > 0 ? `, ${count('lesson not shown')} lesson(s) not shown` : '';
  const claimNote = enforceClaims ? '' : ` (not enforced in profile "${profile}")`;
  io.err(
    `summary: ${summaryFile}\nreport:  ${reportFile}\n` +
      `${count('ok')}/${final.notebooks.length} notebooks passed${notShown}${stopped}, claims held ${held}/${claims.length}${claimNote}\n`,
  );
  if (signal) return signal === 'SIGTERM' ? 143 : 130;
  return final.status === 'ok' ? 0 : 1;
}
