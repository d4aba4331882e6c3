#!/usr/bin/env node
/**
 * `npm run lab`: opens the course in Jupyter. Rebuilds dist/ when it is older than src/,
 * registers this project's kernel (as `npm run kernel:install`), then starts JupyterLab if it is
 * installed, else the classic Jupyter Notebook, on notebooks/ (or the folder given, e.g.
 * `solutions`). Says what to install when Jupyter is missing. Options it does not know are
 * passed on to Jupyter (e.g. `--no-browser`, `--port=8899`).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { INSTALL_JUPYTER_HINT, JupyterInstall, jupyterFrontEnd, JupyterNotFoundError, locateJupyter, runJupyter } from '../kernel/jupyter-locate';
import { describeRegistration, registerKernel } from '../kernel/kernel-install';
import { KernelSpecError, PROJECT_ROOT } from '../kernel/kernel-spec';

const USAGE = `usage: npm run lab [-- [FOLDER] [--classic] [--python PY | --jupyter CMD] [--dry-run] [JUPYTER OPTIONS]]
  Opens FOLDER (default notebooks/; instructors: solutions) in JupyterLab, or in the classic
  Jupyter Notebook when JupyterLab is not installed (--classic: always the classic Notebook).
  --python PY / --jupyter CMD  which Jupyter to use (see npm run kernel:install -- --help)
  --dry-run                    build, register the kernel and print the Jupyter command, but do not start it
  Other options are passed to Jupyter (e.g. --no-browser, --port=8899).`;

/** Parsed command line of `npm run lab`. */
export interface LabArgs {
  /** The folder Jupyter opens (absolute). */
  folder: string;
  /** Always use the classic Notebook. */
  classic: boolean;
  /** Print the command instead of running it. */
  dryRun: boolean;
  /** Show the usage. */
  help: boolean;
  /** The Python that has Jupyter. */
  python?: string;
  /** The jupyter command. */
  jupyter?: string;
  /** Options passed to Jupyter. */
  passThrough: string[];
}

/** Parses `npm run lab` arguments (relative folders are taken from the project root). */
export function parseLabArgs(argv: readonly string[], root: string = PROJECT_ROOT): LabArgs {
  const args: LabArgs = { folder: path.join(root, 'notebooks'), classic: false, dryRun: false, help: false, passThrough: [] };
  let folderSet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') args.help = true;
    else if (arg === '--classic') args.classic = true;
    else if (arg === '--dry-run') args.dryRun = true;
    else if (arg === '--python' || arg === '--jupyter') {
      const value = argv[++i];
      if (value === undefined || value === '') throw new Error(`${arg} needs a value\n${USAGE}`);
      args[arg === '--python' ? 'python' : 'jupyter'] = value;
    } else if (arg.startsWith('-')) args.passThrough.push(arg);
    else if (!folderSet) {
      args.folder = path.resolve(root, arg);
      folderSet = true;
    } else throw new Error(`only one folder can be opened, got "${args.folder}" and "${arg}"\n${USAGE}`);
  }
  if (!fs.existsSync(args.folder) || !fs.statSync(args.folder).isDirectory()) {
    throw new Error(`folder to open does not exist: ${args.folder} (expected e.g. notebooks or solutions)`);
  }
  return args;
}

/** TypeScript sources under `root/src` whose compiled file in `root/dist` is missing or older. */
export function staleSources(root: string = PROJECT_ROOT): string[] {
  const stale: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const rel = path.relative(path.join(root, 'src'), full);
        const out = path.join(root, 'dist', rel.replace(/\.ts$/, '.js'));
        if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(full).mtimeMs) stale.push(path.join('src', rel));
      }
    }
  };
  walk(path.join(root, 'src'));
  return stale;
}

/** Builds dist/ (npm run build) when a source is newer than its output; false when the build failed. */
function ensureBuilt(root: string): boolean {
  const stale = staleSources(root);
  if (stale.length === 0) return true;
  console.log(`lab: dist/ is older than ${stale[0]}${stale.length > 1 ? ` and ${stale.length - 1} more` : ''}: building (npm run build) ...`);
  const tsc = require.resolve('typescript/bin/tsc', { paths: [root] });
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  return run.status === 0;
}

/**
 * The command that starts `app` on `args.folder`. As root (containers, CI) it adds `--allow-root`,
 * without which Jupyter exits with "Running as root is not recommended".
 */
export function labCommand(install: JupyterInstall, app: 'lab' | 'notebook', args: LabArgs, isRoot: boolean = process.getuid?.() === 0): string[] {
  const rootFlag = isRoot && !args.passThrough.includes('--allow-root') ? ['--allow-root'] : [];
  return [...install.command, app, `--notebook-dir=${args.folder}`, ...args.passThrough, ...rootFlag];
}

async function main(): Promise<number> {
  let args: LabArgs;
  try {
    args = parseLabArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`lab: ${(e as Error).message}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!ensureBuilt(PROJECT_ROOT)) {
    console.error('lab: the build failed (see above); fix it, then run npm run lab again.');
    return 1;
  }
  let install: JupyterInstall;
  try {
    install = locateJupyter({ python: args.python, jupyter: args.jupyter });
    console.log(describeRegistration(registerKernel({ install })).join('\n'));
  } catch (e) {
    if (e instanceof JupyterNotFoundError || e instanceof KernelSpecError) {
      console.error(`lab: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const app = args.classic ? (runJupyter(install.command, ['notebook', '--version']).ok ? 'notebook' : null) : jupyterFrontEnd(install);
  if (app === null) {
    console.error(
      `lab: ${install.command.join(' ')} has ${args.classic ? 'no classic Notebook' : 'neither JupyterLab nor the classic Notebook'}.\n${INSTALL_JUPYTER_HINT}`,
    );
    return 1;
  }
  const command = labCommand(install, app, args);
  console.log(`lab: ${command.join(' ')}`);
  if (args.dryRun) return 0;
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', cwd: args.folder });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGTERM', forward('SIGTERM'));
  process.on('SIGINT', () => undefined); // the terminal sends Ctrl-C to Jupyter too; it asks to confirm
  return new Promise((resolve) => {
    child.on('error', (err) => {
      console.error(`lab: could not start ${command[0]}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(`lab failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
