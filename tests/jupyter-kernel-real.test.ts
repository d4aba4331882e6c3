/**
 * The kernel spec `npm run kernel:install` registers, started by real Jupyter: jupyter_client's
 * KernelManager finds it in the Jupyter data folder and starts it from a shell whose PATH has no
 * node_modules/.bin; the kernel runs `1+1`, imports `../dist` from the notebooks folder and
 * reports a failing stub exercise as a student should see it. Also shows why the command exists:
 * the spec tslab's own `tslab install` writes (a bare `tslab`) does not start from such a shell.
 * Needs a Python with jupyter_client (Debian: python3-nbclient or jupyter-notebook) and a built dist/.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const RUN_CELLS = path.join(__dirname, 'fixtures', 'jupyter', 'run-cells.py');

/** The first Python that can import jupyter_client, or null. */
function pythonWithJupyterClient(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const run = spawnSync(python, ['-c', 'import jupyter_client, jupyter_core'], { encoding: 'utf8' });
    if (run.status === 0) return python;
  }
  return null;
}

const python = pythonWithJupyterClient();
if (python === null) {
  // Written past jest's console capture, which shows nothing for a file whose tests all skip.
  process.stderr.write(
    'SKIPPED tests/jupyter-kernel-real.test.ts: no Python with jupyter_client (apt-get install -y python3-nbclient jupyter-notebook)\n',
  );
}

interface CellResult {
  status: string;
  outputs: Array<{ stream?: string; text?: string; data?: Record<string, unknown>; error?: string }>;
}
interface RunResult {
  argv: string[];
  resource_dir: string;
  cells: CellResult[];
  after_comm: string[];
}

/** An environment like a fresh login shell's: system folders only on PATH (no node_modules/.bin, no node). */
function bareShellEnv(extra: Record<string, string>, home: string): NodeJS.ProcessEnv {
  const pyDir = path.isAbsolute(python ?? '') ? path.dirname(python as string) : '/usr/bin';
  return { PATH: `${pyDir}:/usr/bin:/bin`, HOME: home, LANG: 'C.UTF-8', VAELAB_WASM_THREADS: '1', ...extra };
}

const text = (cell: CellResult, stream: string) =>
  cell.outputs
    .filter((o) => o.stream === stream)
    .map((o) => o.text)
    .join('');

(python ? describe : describe.skip)('the registered kernel under real Jupyter (jupyter_client.KernelManager)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-jupyter-real-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('npm run kernel:install -- --python PY registers a kernel Jupyter starts from any shell', () => {
    const data = path.join(tmp, 'data');
    const install = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'tools', 'cli', 'kernel-install.js'), '--python', python as string], {
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_DATA_DIR: data },
    });
    expect(install.stderr).toBe('');
    expect(install.status).toBe(0);
    expect(fs.existsSync(path.join(data, 'kernels', 'tslab', 'kernel.json'))).toBe(true);

    const cells = [
      '1+1',
      "import * as vl from '../dist';\nconst backend: string = await vl.initBackend();\nconsole.log(typeof vl.loadMnist, backend.length > 0);",
      "import * as tf from '@tensorflow/tfjs';\nfunction klDivergence(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Scalar {\n  throw new Error('Not implemented yet: klDivergence. Replace the stub.');\n}\nvl.checkKlDivergence(klDivergence);",
    ];
    const run = spawnSync(python as string, [RUN_CELLS, 'tslab', path.join(ROOT, 'notebooks'), JSON.stringify(cells)], {
      encoding: 'utf8',
      env: bareShellEnv({ JUPYTER_DATA_DIR: data, JUPYTER_PATH: '' }, tmp),
      timeout: 240000,
    });
    expect(run.stderr).not.toMatch(/Traceback/);
    expect(run.status).toBe(0);
    const result = JSON.parse(run.stdout.trim().split('\n').pop() as string) as RunResult;
    // Jupyter used the spec kernel:install wrote (not another tslab spec on this machine).
    expect(result.resource_dir).toBe(path.join(data, 'kernels', 'tslab'));
    expect(path.isAbsolute(result.argv[0])).toBe(true);

    expect(result.cells[0]).toEqual({ status: 'ok', outputs: [{ stream: 'stdout', text: '2\n' }] });
    // The classic Notebook's widget comm messages (tslab has no comms) leave no warning in a cell.
    expect(result.after_comm).toEqual([]);
    expect(result.cells[1].status).toBe('ok');
    expect(text(result.cells[1], 'stdout')).toMatch(/^function true\n$/m);
    const failed = result.cells[2];
    expect(failed.status).toBe('error');
    const stderr = text(failed, 'stderr');
    expect(stderr).toContain('Error: Not implemented yet: klDivergence. Replace the stub.');
    expect(stderr).toMatch(/at klDivergence \(evalmachine\.<anonymous>:\d+:\d+\)/);
    expect(stderr).not.toContain('node_modules');
    expect(stderr).not.toContain('throw ex');
  });

  it("tslab's own `tslab install` spec (a bare `tslab`) does not start there: the reason for kernel:install", () => {
    const prefix = path.join(tmp, 'tslab-own');
    const own = spawnSync(
      python as string,
      [path.join(ROOT, 'node_modules', 'tslab', 'python', 'install.py'), '--tslab=tslab', `--prefix=${prefix}`],
      {
        encoding: 'utf8',
      },
    );
    expect(own.status).toBe(0);
    const specFile = path.join(prefix, 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
    expect((JSON.parse(fs.readFileSync(specFile, 'utf8')) as { argv: string[] }).argv[0]).toBe('tslab');
    const run = spawnSync(python as string, [RUN_CELLS, 'tslab', path.join(ROOT, 'notebooks'), JSON.stringify(['1+1'])], {
      encoding: 'utf8',
      env: bareShellEnv({ JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), JUPYTER_DATA_DIR: path.join(tmp, 'empty') }, tmp),
      timeout: 120000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/FileNotFoundError: \[Errno 2\] No such file or directory: 'tslab'/);
  });
});
