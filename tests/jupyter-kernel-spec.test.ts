/**
 * The kernel spec `npm run kernel:install` writes, finding Jupyter, and `npm run lab`'s plumbing,
 * without a real Jupyter (fake `jupyter` scripts stand in). The real Jupyter run of the spec is in
 * tests/jupyter-kernel-real.test.ts. Needs a built dist/ (the CLI is run as `node dist/tools/cli/...`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { jupyterCandidates, JupyterNotFoundError, jupyterFrontEnd, locateJupyter } from '../src/tools/kernel/jupyter-locate';
import { prefixKernelsDir, registerKernel } from '../src/tools/kernel/kernel-install';
import { KERNEL_NAME, KernelSpecError, kernelSpecFor, projectKernelCommand, writeKernelSpec } from '../src/tools/kernel/kernel-spec';
import { labCommand, parseLabArgs, staleSources } from '../src/tools/cli/lab';

const ROOT = path.resolve(__dirname, '..');
let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-kspec-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const isExecutable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** A stand-in `jupyter` command: answers --data-dir with `dataDir`, has the given front ends. */
function fakeJupyter(dir: string, dataDir: string, apps: string[]): string {
  const file = path.join(dir, 'fake-jupyter');
  const cases = apps.map((a) => `  ${a}) echo "${a} 1.0"; exit 0;;`).join('\n');
  fs.writeFileSync(
    file,
    `#!/bin/sh\nif [ "$1" = --data-dir ]; then echo "${dataDir}"; exit 0; fi\ncase "$1" in\n${cases}\nesac\necho "Jupyter command jupyter-$1 not found." >&2\nexit 1\n`,
  );
  fs.chmodSync(file, 0o755);
  return file;
}

describe('kernel spec of this project', () => {
  it('starts node with the preload and tslab by absolute paths that exist (node executable)', () => {
    const spec = kernelSpecFor(projectKernelCommand());
    const [node, flag, preload, tslab, ...rest] = spec.argv;
    expect(rest).toEqual(['kernel', '--config-path', '{connection_file}']);
    expect(flag).toBe('--require');
    for (const file of [node, preload, tslab]) {
      expect(path.isAbsolute(file)).toBe(true);
      expect(fs.statSync(file).isFile()).toBe(true);
    }
    expect(isExecutable(node)).toBe(true);
    // The very files of this checkout: its node_modules/tslab/bin/tslab and dist/ preload.
    expect(fs.realpathSync(tslab)).toBe(fs.realpathSync(path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab')));
    expect(preload).toBe(path.join(ROOT, 'dist', 'tools', 'kernel', 'kernel-preload.js'));
    // tslab's script is run by node; it must still be a Node script (its shebang names node).
    expect(fs.readFileSync(tslab, 'utf8').split('\n')[0]).toMatch(/node/);
    expect(spec.display_name).toBe('TypeScript (vaelab)');
    expect(spec.language).toBe('typescript');
  });

  it('refuses relative, missing and non-executable paths with a message naming the file', () => {
    const good = projectKernelCommand();
    expect(() => kernelSpecFor({ ...good, tslab: 'node_modules/.bin/tslab' })).toThrow(
      /tslab script must be an absolute path, got "node_modules\/.bin\/tslab"/,
    );
    const missing = path.join(tmp, 'no-such-preload.js');
    expect(() => kernelSpecFor({ ...good, preload: missing })).toThrow(
      new RegExp(`${missing.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not exist.*npm run build`),
    );
    const notExec = path.join(tmp, 'node');
    fs.writeFileSync(notExec, '');
    fs.chmodSync(notExec, 0o644);
    expect(() => kernelSpecFor({ ...good, node: notExec })).toThrow(KernelSpecError);
    expect(() => kernelSpecFor({ ...good, node: notExec })).toThrow(/is not executable/);
  });

  it('writes kernels/tslab/kernel.json atomically, reports what it replaced, leaves no temporary file', () => {
    const spec = kernelSpecFor(projectKernelCommand());
    const kernels = path.join(tmp, 'kernels');
    const first = writeKernelSpec(kernels, spec);
    expect(first.file).toBe(path.join(kernels, 'tslab', 'kernel.json'));
    expect(first.replacedArgv).toBeNull();
    expect(JSON.parse(fs.readFileSync(first.file, 'utf8'))).toEqual(spec);
    fs.writeFileSync(first.file, JSON.stringify({ argv: ['tslab', 'kernel', '--config-path', '{connection_file}'] }));
    const second = writeKernelSpec(kernels, spec);
    expect(second.replacedArgv).toEqual(['tslab', 'kernel', '--config-path', '{connection_file}']);
    expect(fs.readdirSync(path.dirname(first.file))).toEqual(['kernel.json']);
    expect(() => writeKernelSpec(kernels, spec, '../evil')).toThrow(/kernel name must be/);
  });

  it('the notebooks ask for the kernel name the spec is registered under', () => {
    for (const folder of ['notebooks', 'solutions']) {
      for (const file of fs.readdirSync(path.join(ROOT, folder)).filter((f) => f.endsWith('.ipynb'))) {
        const nb = JSON.parse(fs.readFileSync(path.join(ROOT, folder, file), 'utf8')) as { metadata: { kernelspec?: { name?: string } } };
        expect(`${folder}/${file}: ${nb.metadata.kernelspec?.name}`).toBe(`${folder}/${file}: ${KERNEL_NAME}`);
      }
    }
  });
});

describe('finding Jupyter', () => {
  it('uses the data folder the jupyter command reports, and registers the kernel there', () => {
    const data = path.join(tmp, 'data');
    const jupyter = fakeJupyter(tmp, data, ['notebook']);
    const install = locateJupyter({ jupyter });
    expect(install).toEqual({ command: [jupyter], dataDir: data });
    const reg = registerKernel({ jupyter });
    expect(reg.file).toBe(path.join(data, 'kernels', 'tslab', 'kernel.json'));
    expect(jupyterFrontEnd(install)).toBe('notebook');
    expect(jupyterFrontEnd({ command: [fakeJupyter(tmp, data, ['lab', 'notebook'])], dataDir: data })).toBe('lab');
  });

  it('honours $JUPYTER and tries nothing else when it is set', () => {
    const data = path.join(tmp, 'd2');
    const jupyter = fakeJupyter(tmp, data, []);
    expect(locateJupyter({ env: { ...process.env, JUPYTER: jupyter } }).dataDir).toBe(data);
    let err: unknown;
    try {
      locateJupyter({ env: { ...process.env, JUPYTER: path.join(tmp, 'missing-jupyter') } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JupyterNotFoundError);
    expect((err as JupyterNotFoundError).tried).toEqual([`${path.join(tmp, 'missing-jupyter')}: not found`]);
  });

  it('with no Jupyter anywhere, says every command tried and what to install', () => {
    // PATH with only node's folder: no jupyter, python3 or python there (unless node's folder has them).
    const binDir = path.join(tmp, 'bin');
    fs.mkdirSync(binDir);
    fs.symlinkSync(process.execPath, path.join(binDir, 'node'));
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'cli', 'kernel-install.js'), '--python', path.join(tmp, 'nopython')], {
      encoding: 'utf8',
      env: { PATH: binDir, HOME: tmp },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${path.join(tmp, 'nopython')} -m jupyter: not found`);
    expect(run.stderr).toContain('apt-get install jupyter-notebook');
    expect(run.stderr).toContain('pip install notebook');
    // Without --python/--jupyter/$JUPYTER: the jupyter on PATH first, then the Pythons that may have it
    // (the python3 first on PATH is often not Debian's, which has Debian's Jupyter).
    expect(jupyterCandidates({ env: {} })).toEqual([
      ['jupyter'],
      ['python3', '-m', 'jupyter'],
      ['python', '-m', 'jupyter'],
      ['/usr/bin/python3', '-m', 'jupyter'],
    ]);
  });

  it('a jupyter that prints a relative data folder is not used', () => {
    const jupyter = fakeJupyter(tmp, 'relative/data', ['notebook']);
    expect(() => locateJupyter({ jupyter })).toThrow(/printed "relative\/data", not an absolute folder/);
  });
});

describe('npm run kernel:install and npm run lab (command lines)', () => {
  it('kernel:install --prefix writes PREFIX/share/jupyter/kernels/tslab/kernel.json without Jupyter', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'cli', 'kernel-install.js'), '--prefix', tmp], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const file = path.join(tmp, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
    expect(prefixKernelsDir(tmp)).toBe(path.dirname(path.dirname(file)));
    const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as { argv: string[] };
    expect(path.isAbsolute(spec.argv[0]) && path.isAbsolute(spec.argv[2]) && path.isAbsolute(spec.argv[3])).toBe(true);
    expect(run.stdout).toContain(file);
  });

  it('kernel:install rejects unknown arguments with the usage', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'cli', 'kernel-install.js'), '--pyhton', 'x'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/unknown argument "--pyhton"[\s\S]*usage: npm run kernel:install/);
  });

  it('lab --dry-run registers the kernel and starts the classic Notebook on notebooks/ when JupyterLab is absent', () => {
    const data = path.join(tmp, 'data');
    const jupyter = fakeJupyter(tmp, data, ['notebook']);
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'cli', 'lab.js'), '--dry-run', '--no-browser'], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER: jupyter },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(fs.existsSync(path.join(data, 'kernels', 'tslab', 'kernel.json'))).toBe(true);
    const asRoot = process.getuid?.() === 0 ? ' --allow-root' : '';
    expect(run.stdout).toContain(`lab: ${jupyter} notebook --notebook-dir=${path.join(ROOT, 'notebooks')} --no-browser${asRoot}\n`);
    const withLab = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'cli', 'lab.js'), 'solutions', '--dry-run'], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER: fakeJupyter(tmp, data, ['lab', 'notebook']) },
    });
    expect(withLab.stdout).toContain(`lab ${'--notebook-dir=' + path.join(ROOT, 'solutions')}`);
  });

  it('lab says what to install when Jupyter is missing, or has no front end', () => {
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'cli', 'lab.js'), '--dry-run'], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER: path.join(tmp, 'nothing') },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Jupyter was not found[\s\S]*apt-get install jupyter-notebook[\s\S]*pip install notebook/);
    const noFrontEnd = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'cli', 'lab.js'), '--dry-run'], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER: fakeJupyter(tmp, path.join(tmp, 'data'), []) },
    });
    expect(noFrontEnd.status).toBe(1);
    expect(noFrontEnd.stderr).toMatch(/has neither JupyterLab nor the classic Notebook/);
  });

  it('adds --allow-root as root only, and only once', () => {
    const install = { command: ['jupyter'], dataDir: '/d' };
    const args = parseLabArgs([], ROOT);
    expect(labCommand(install, 'lab', args, false)).toEqual(['jupyter', 'lab', `--notebook-dir=${path.join(ROOT, 'notebooks')}`]);
    expect(labCommand(install, 'lab', args, true)).toEqual(['jupyter', 'lab', `--notebook-dir=${path.join(ROOT, 'notebooks')}`, '--allow-root']);
    const own = parseLabArgs(['--allow-root'], ROOT);
    expect(labCommand(install, 'notebook', own, true)).toEqual([
      'jupyter',
      'notebook',
      `--notebook-dir=${path.join(ROOT, 'notebooks')}`,
      '--allow-root',
    ]);
  });

  it('parses a folder, refuses a missing one, passes unknown options to Jupyter', () => {
    const args = parseLabArgs(['solutions', '--classic', '--port=8899'], ROOT);
    expect(args.folder).toBe(path.join(ROOT, 'solutions'));
    expect(args.classic).toBe(true);
    expect(args.passThrough).toEqual(['--port=8899']);
    expect(() => parseLabArgs(['no-such-folder'], ROOT)).toThrow(/folder to open does not exist: .*no-such-folder/);
  });

  it('finds sources newer than their compiled files', () => {
    fs.mkdirSync(path.join(tmp, 'src', 'a'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'dist', 'a'), { recursive: true });
    for (const [file, time] of [
      ['src/a/x.ts', 2000],
      ['dist/a/x.js', 1000],
      ['src/y.ts', 1000],
      ['dist/y.js', 2000],
      ['src/z.ts', 1000],
    ] as const) {
      fs.writeFileSync(path.join(tmp, file), '');
      fs.utimesSync(path.join(tmp, file), time, time);
    }
    expect(staleSources(tmp).sort()).toEqual([path.join('src', 'a', 'x.ts'), path.join('src', 'z.ts')]);
  });
});
