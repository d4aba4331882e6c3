/**
 * The Jupyter kernel spec of this project's tslab: `kernels/tslab/kernel.json` whose `argv` names
 * the Node binary, vaelab's kernel preload and this project's `node_modules/tslab/bin/tslab` by
 * absolute path, so Jupyter starts the kernel from any shell (tslab's own `tslab install` writes a
 * bare `tslab`, found only where `node_modules/.bin` is on PATH). The name is `tslab`, the
 * kernel name every notebook of the course asks for in its metadata.
 */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../util/atomic-write';

/** The kernel name the notebooks' metadata asks for (`metadata.kernelspec.name`). */
export const KERNEL_NAME = 'tslab';

/** The name Jupyter shows in its kernel menu and launcher. */
export const KERNEL_DISPLAY_NAME = 'TypeScript (vaelab)';

/** This project's root folder (the one with package.json), from src/tools/kernel or dist/tools/kernel. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');

/** A Jupyter kernel spec (the fields of kernel.json that vaelab writes). */
export interface KernelSpec {
  /** The command Jupyter runs; `{connection_file}` is replaced by the connection file's path. */
  readonly argv: readonly string[];
  /** The name shown in Jupyter's menus. */
  readonly display_name: string;
  /** The kernel's language (for syntax highlighting). */
  readonly language: 'typescript';
  /** How Jupyter interrupts the kernel: with SIGINT, which tslab handles. */
  readonly interrupt_mode: 'signal';
  /** Where the spec came from (Jupyter ignores it; `npm run kernel:install` prints it). */
  readonly metadata: { readonly vaelab: { readonly projectRoot: string } };
}

/** The three files the kernel command is made of. */
export interface KernelCommand {
  /** The Node.js binary (absolute path). */
  readonly node: string;
  /** vaelab's kernel preload, loaded with `--require` (absolute path). */
  readonly preload: string;
  /** tslab's command-line script (absolute path). */
  readonly tslab: string;
}

/** Thrown when a kernel command or spec names a file that is missing or not usable. */
export class KernelSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KernelSpecError';
  }
}

/** Path of vaelab's compiled kernel preload (`dist/tools/kernel/kernel-preload.js`) in `projectRoot`. */
export function kernelPreloadPath(projectRoot: string = PROJECT_ROOT): string {
  return path.join(projectRoot, 'dist', 'tools', 'kernel', 'kernel-preload.js');
}

/** Path of tslab's command-line script as installed for `projectRoot` (`node_modules/tslab/bin/tslab`). */
export function projectTslabPath(projectRoot: string = PROJECT_ROOT): string {
  const pkg = require.resolve('tslab/package.json', { paths: [projectRoot] });
  return path.join(path.dirname(pkg), 'bin', 'tslab');
}

/** The kernel command of this project: the running Node binary, the preload and tslab. */
export function projectKernelCommand(projectRoot: string = PROJECT_ROOT): KernelCommand {
  return { node: process.execPath, preload: kernelPreloadPath(projectRoot), tslab: projectTslabPath(projectRoot) };
}

function checkFile(what: string, file: string, executable: boolean, fix: string): void {
  if (!path.isAbsolute(file)) throw new KernelSpecError(`${what} must be an absolute path, got "${file}"`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new KernelSpecError(`${what} ${file} does not exist. ${fix}`);
  }
  if (!stat.isFile()) throw new KernelSpecError(`${what} ${file} is not a file. ${fix}`);
  try {
    fs.accessSync(file, executable ? fs.constants.X_OK : fs.constants.R_OK);
  } catch {
    throw new KernelSpecError(`${what} ${file} is not ${executable ? 'executable' : 'readable'}. ${fix}`);
  }
}

/**
 * The kernel spec that starts `command`: `[node, --require, preload, tslab, kernel, --config-path,
 * {connection_file}]`. Throws a {@link KernelSpecError} when a path is relative, missing, or (for
 * Node) not executable, saying how to fix it.
 */
export function kernelSpecFor(command: KernelCommand, projectRoot: string = PROJECT_ROOT): KernelSpec {
  checkFile('Node.js binary', command.node, true, 'Run this command with the Node.js that should run the notebooks.');
  checkFile('vaelab kernel preload', command.preload, false, 'Build the helpers first: npm run build.');
  checkFile('tslab script', command.tslab, false, 'Install the dependencies first: npm install.');
  return {
    argv: [command.node, '--require', command.preload, command.tslab, 'kernel', '--config-path', '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { vaelab: { projectRoot: path.resolve(projectRoot) } },
  };
}

/** What {@link writeKernelSpec} did. */
export interface WrittenKernelSpec {
  /** The kernel.json written. */
  readonly file: string;
  /** The `argv` of the kernel.json it replaced, or null when there was none (or it was unreadable). */
  readonly replacedArgv: readonly string[] | null;
}

/**
 * Writes `spec` as `<kernelsDir>/<name>/kernel.json` (atomically; folders are created), where
 * `kernelsDir` is a Jupyter `kernels` folder, e.g. `$(jupyter --data-dir)/kernels`.
 */
export function writeKernelSpec(kernelsDir: string, spec: KernelSpec, name: string = KERNEL_NAME): WrittenKernelSpec {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) {
    throw new KernelSpecError(`kernel name must be letters, digits, '.', '_' or '-', got "${name}"`);
  }
  const file = path.join(path.resolve(kernelsDir), name, 'kernel.json');
  let replacedArgv: string[] | null = null;
  try {
    const old = JSON.parse(fs.readFileSync(file, 'utf8')) as { argv?: unknown };
    if (Array.isArray(old.argv)) replacedArgv = old.argv.map(String);
  } catch {
    replacedArgv = null;
  }
  writeFileAtomic(file, JSON.stringify(spec, null, 2) + '\n');
  return { file, replacedArgv };
}
