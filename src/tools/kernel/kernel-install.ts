/**
 * Registering this project's tslab kernel with Jupyter (`npm run kernel:install`, also done by
 * `npm run lab`): builds the kernel spec (./kernel-spec) and writes it into the user's Jupyter
 * kernels folder (`$(jupyter --data-dir)/kernels`, found by ./jupyter-locate) or under a prefix.
 */
import * as path from 'path';
import { JupyterInstall, locateJupyter, LocateJupyterOptions } from './jupyter-locate';
import { KernelSpec, kernelSpecFor, PROJECT_ROOT, projectKernelCommand, writeKernelSpec } from './kernel-spec';

/** Where and how to register the kernel. */
export interface RegisterKernelOptions extends LocateJupyterOptions {
  /** Install under `<prefix>/share/jupyter/kernels` (as Jupyter's `--prefix` does) instead of the user's data folder; needs no Jupyter. */
  readonly prefix?: string;
  /** The project whose tslab and preload the kernel runs (default: this one). */
  readonly projectRoot?: string;
  /** A Jupyter already located (skips looking again). */
  readonly install?: JupyterInstall;
}

/** What {@link registerKernel} did. */
export interface RegisteredKernel {
  /** The kernel.json written. */
  readonly file: string;
  /** The spec written. */
  readonly spec: KernelSpec;
  /** The argv of the kernel.json it replaced, or null. */
  readonly replacedArgv: readonly string[] | null;
  /** The Jupyter whose data folder received it, or null with a prefix. */
  readonly jupyter: JupyterInstall | null;
}

/** The `kernels` folder under an installation prefix, as Jupyter lays it out. */
export function prefixKernelsDir(prefix: string): string {
  return path.join(path.resolve(prefix), 'share', 'jupyter', 'kernels');
}

/**
 * Writes this project's kernel spec (name `tslab`, absolute paths) for Jupyter. Throws a
 * JupyterNotFoundError (what was tried, what to install) when no prefix is given and no Jupyter
 * answers, and a KernelSpecError when the project is not installed or built.
 */
export function registerKernel(options: RegisterKernelOptions = {}): RegisteredKernel {
  const root = options.projectRoot ?? PROJECT_ROOT;
  const spec = kernelSpecFor(projectKernelCommand(root), root);
  let jupyter: JupyterInstall | null = null;
  let kernelsDir: string;
  if (options.prefix !== undefined) {
    kernelsDir = prefixKernelsDir(options.prefix);
  } else {
    jupyter = options.install ?? locateJupyter(options);
    kernelsDir = path.join(jupyter.dataDir, 'kernels');
  }
  const written = writeKernelSpec(kernelsDir, spec);
  return { file: written.file, spec, replacedArgv: written.replacedArgv, jupyter };
}

/** Human-readable lines describing a registration (for the command line). */
export function describeRegistration(r: RegisteredKernel): string[] {
  const lines = [`Registered the Jupyter kernel "${r.spec.display_name}" (kernel name tslab) in ${r.file}`, `  it runs: ${r.spec.argv.join(' ')}`];
  if (r.jupyter) lines.push(`  for the Jupyter of: ${r.jupyter.command.join(' ')}`);
  if (r.replacedArgv && r.replacedArgv.join('\0') !== r.spec.argv.join('\0')) {
    lines.push(`  (replaced a kernel spec that ran: ${r.replacedArgv.join(' ')})`);
  }
  return lines;
}
