/** Command line of `npm start` (the headless runner): parsing and the usage text. */
import * as os from 'os';
import { ParameterOverride, parseOverride } from './parameters';

/** Parsed `npm start` arguments. */
export interface RunArgs {
  /** Notebook names or paths; empty means every notebook in `solutions/`. */
  notebooks: string[];
  /** Profile name, or undefined for the profiles file's default. */
  profile?: string;
  overrides: ParameterOverride[];
  /** Output folder, or undefined for `out/run-<timestamp>` (and `out/latest`). */
  out?: string;
  /** Per-cell time limit in seconds; undefined: the profile's `cellTimeoutSec`, else 600. */
  timeoutSec?: number;
  /** How many notebooks run at the same time (each in its own kernel). */
  jobs: number;
  help: boolean;
}

/** A bad command line; the runner prints the message and the usage and exits with code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Usage text of the runner. */
export const RUN_USAGE = `Usage: npm start [-- [notebooks...] [options]]

Runs the solution notebooks headlessly in tslab kernels and writes executed notebooks,
figures, summary.json and report.html.

  notebooks            names in solutions/ (e.g. 07_vae, or a unique prefix like 07) or .ipynb paths;
                       default: every notebook in solutions/
  --profile NAME       smoke | quick | full (default: quick, or "default" in solutions/profiles.json)
  --set NAME=VALUE     override a parameter; repeatable. VALUE is JSON (3, 1e-3, true, [1,2], "text";
                       a plain word is fine for a string parameter) of the type the notebook's cell
                       tagged "parameters" declares (annotated, or inferred from the initial value).
                       NOTEBOOK.NAME=VALUE limits it to one notebook. NAME must be declared with "let".
  --out DIR            output folder (default: out/run-<timestamp>, linked as out/latest)
  --timeout SEC        time limit per cell in seconds (default: the profile's cellTimeoutSec, else 600)
  --jobs N             run N notebooks at the same time, each in its own kernel (default: the
                       number of cores, at most 2); each kernel's wasm backend gets cores / N
                       threads (at least 1) unless VAELAB_WASM_THREADS is set; with N > 1 the
                       notebooks start in the profile's startOrder (longest first)
  -h, --help           show this help

Exit code: 0 all notebooks passed, 1 a notebook failed, 2 bad invocation, 130 interrupted.`;

/** One option of a command line, as {@link forEachOption} hands it over. */
export interface CommandOption {
  /** The flag: `--out` for both `--out dir` and `--out=dir`; a plain argument is its own flag. */
  readonly flag: string;
  /** The option's value, `--flag=value` or the next argument (consumed); throws a UsageError when there is none. */
  readonly value: () => string;
}

/** Calls `each` for every argument of `argv` in order (the arguments a `value()` consumes are skipped). */
export function forEachOption(argv: ReadonlyArray<string>, each: (arg: string, option: CommandOption) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    each(arg, { flag, value });
  }
}

/** `value` as a positive number of seconds for `flag`; throws a UsageError otherwise. */
export function positiveSeconds(flag: string, value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`${flag} expects a positive number of seconds, got "${value}"`);
  return seconds;
}

/** `value` parsed as a `--set name=value` override; throws a UsageError when malformed. */
export function overrideOption(value: string): ParameterOverride {
  try {
    return parseOverride(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Parses the runner's arguments (without `node` and the script). Throws {@link UsageError} when malformed. */
export function parseRunArgs(argv: ReadonlyArray<string>): RunArgs {
  const args: RunArgs = { notebooks: [], overrides: [], jobs: defaultJobs(), help: false };
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
      case '--out':
        args.out = value();
        break;
      case '--timeout':
        args.timeoutSec = positiveSeconds(flag, value());
        break;
      case '--jobs': {
        const given = value();
        const jobs = Number(given);
        if (!Number.isInteger(jobs) || jobs < 1)
          throw new UsageError(`--jobs expects a whole number of notebooks at a time (1 or more), got "${given}"`);
        args.jobs = jobs;
        break;
      }
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`);
        args.notebooks.push(arg);
    }
  });
  return args;
}

/** Default number of notebooks run at once: one kernel per core, at most 2 (the kernels then share the cores' wasm threads). */
export function defaultJobs(): number {
  return Math.max(1, Math.min(2, os.availableParallelism()));
}
