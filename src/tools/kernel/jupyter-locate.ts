/**
 * Finding the Jupyter installation to register the kernel with and to start: the `jupyter`
 * command on PATH, or `python -m jupyter` of a Python that has Jupyter. The `python3` first on
 * PATH is often not that Python (pyenv, conda, a virtualenv), so several are tried and each
 * failure is reported. `--jupyter <command>` / `$JUPYTER` or `--python <python>` pin one.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

/** Environment variable naming the `jupyter` command to use. */
export const JUPYTER_ENV = 'JUPYTER';

/** How to install Jupyter, for error messages. */
export const INSTALL_JUPYTER_HINT =
  'Install Jupyter: on Debian/Ubuntu `sudo apt-get install jupyter-notebook`, or `pip install notebook` ' +
  '(or `pip install jupyterlab`) in the Python you use; then run this again. If it is installed somewhere ' +
  `unusual, name it: --jupyter /path/to/jupyter (or ${JUPYTER_ENV}=/path/to/jupyter) or --python /path/to/python.`;

/** A Jupyter installation that answered. */
export interface JupyterInstall {
  /** The command that runs `jupyter` (e.g. `['/usr/bin/jupyter']` or `['/usr/bin/python3', '-m', 'jupyter']`). */
  readonly command: readonly string[];
  /** Its user data folder (`jupyter --data-dir`); kernel specs go in `<dataDir>/kernels`. */
  readonly dataDir: string;
}

/** Where to look for Jupyter. */
export interface LocateJupyterOptions {
  /** A `jupyter` command to use (only this one is tried). */
  readonly jupyter?: string;
  /** A Python whose `-m jupyter` to use (only this one is tried). */
  readonly python?: string;
  /** Environment (default: this process's); `JUPYTER` in it counts as `jupyter`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** Thrown when no Jupyter answered; the message lists what was tried and how to install Jupyter. */
export class JupyterNotFoundError extends Error {
  constructor(
    /** One line per command tried: the command and why it did not work. */
    readonly tried: readonly string[],
  ) {
    super(`Jupyter was not found. Tried:\n${tried.map((t) => `  ${t}`).join('\n')}\n${INSTALL_JUPYTER_HINT}`);
    this.name = 'JupyterNotFoundError';
  }
}

/** Runs `command ...args`; stdout on success, or a one-line reason for the failure. */
export function runJupyter(
  command: readonly string[],
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 60000,
): { ok: true; stdout: string } | { ok: false; reason: string } {
  const run = spawnSync(command[0], [...command.slice(1), ...args], { encoding: 'utf8', env, timeout: timeoutMs });
  if (run.error) {
    const code = (run.error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'not found' : run.error.message };
  }
  if (run.status !== 0) {
    const lines = `${run.stderr ?? ''}\n${run.stdout ?? ''}`
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
    return { ok: false, reason: `exit code ${run.status ?? run.signal}: ${lines[lines.length - 1] ?? 'no output'}` };
  }
  return { ok: true, stdout: run.stdout };
}

/** The commands {@link locateJupyter} tries, in order. */
export function jupyterCandidates(options: LocateJupyterOptions = {}): string[][] {
  const env = options.env ?? process.env;
  const jupyter = options.jupyter ?? (env[JUPYTER_ENV] && env[JUPYTER_ENV] !== '' ? env[JUPYTER_ENV] : undefined);
  if (jupyter !== undefined) return [[jupyter]];
  if (options.python !== undefined) return [[options.python, '-m', 'jupyter']];
  return [['jupyter'], ['python3', '-m', 'jupyter'], ['python', '-m', 'jupyter'], ['/usr/bin/python3', '-m', 'jupyter']];
}

/**
 * The first Jupyter that answers `--data-dir` with an absolute path, or a
 * {@link JupyterNotFoundError} naming every command tried and what to install.
 */
export function locateJupyter(options: LocateJupyterOptions = {}): JupyterInstall {
  const env = options.env ?? process.env;
  const tried: string[] = [];
  for (const command of jupyterCandidates(options)) {
    const shown = command.join(' ');
    const run = runJupyter(command, ['--data-dir'], env);
    if (!run.ok) {
      tried.push(`${shown}: ${run.reason}`);
      continue;
    }
    const dataDir = run.stdout.trim().split('\n').pop()?.trim() ?? '';
    if (!path.isAbsolute(dataDir)) {
      tried.push(`${shown}: --data-dir printed "${dataDir}", not an absolute folder`);
      continue;
    }
    return { command, dataDir };
  }
  throw new JupyterNotFoundError(tried);
}

/** Which front end a Jupyter installation has, best first: JupyterLab, then the classic Notebook. */
export function jupyterFrontEnd(install: JupyterInstall, env: NodeJS.ProcessEnv = process.env): 'lab' | 'notebook' | null {
  for (const app of ['lab', 'notebook'] as const) {
    if (runJupyter(install.command, [app, '--version'], env).ok) return app;
  }
  return null;
}
