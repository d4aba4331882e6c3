#!/usr/bin/env node
/**
 * `npm run kernel:install`: registers this project's tslab kernel with Jupyter, with absolute
 * paths, so notebooks open with a working kernel from any shell. Options: `--python PY` (the
 * Python that has Jupyter), `--jupyter CMD` (or `JUPYTER=CMD`), `--prefix DIR` (write under
 * DIR/share/jupyter/kernels; needs no Jupyter).
 */
import { JupyterNotFoundError } from '../kernel/jupyter-locate';
import { describeRegistration, registerKernel, RegisterKernelOptions } from '../kernel/kernel-install';
import { KernelSpecError } from '../kernel/kernel-spec';

const USAGE = `usage: npm run kernel:install [-- --python PY | --jupyter CMD | --prefix DIR]
  Registers the "TypeScript (vaelab)" kernel (kernel name tslab) that the notebooks use.
  --python PY    the Python that has Jupyter (default: jupyter on PATH, then python3 -m jupyter, ...)
  --jupyter CMD  the jupyter command to ask for its data folder (also: JUPYTER=CMD)
  --prefix DIR   write DIR/share/jupyter/kernels/tslab/kernel.json instead (no Jupyter needed)`;

/** Parses the command line; throws with the usage on a bad argument. */
export function parseKernelInstallArgs(argv: readonly string[]): RegisterKernelOptions & { help: boolean } {
  const out: { python?: string; jupyter?: string; prefix?: string; help: boolean } = { help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    if (name === '--help' || name === '-h') {
      out.help = true;
    } else if (name === '--python' || name === '--jupyter' || name === '--prefix') {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new Error(`${name} needs a value\n${USAGE}`);
      out[name.slice(2) as 'python' | 'jupyter' | 'prefix'] = value;
    } else {
      throw new Error(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  return out;
}

function main(): number {
  let args: ReturnType<typeof parseKernelInstallArgs>;
  try {
    args = parseKernelInstallArgs(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    console.log(describeRegistration(registerKernel(args)).join('\n'));
    return 0;
  } catch (e) {
    if (e instanceof JupyterNotFoundError || e instanceof KernelSpecError) {
      console.error(`kernel:install: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main();
