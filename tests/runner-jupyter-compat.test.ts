/**
 * The notebooks run unchanged under Jupyter's own client: nbconvert + nbclient execute a fixture
 * notebook through the kernel spec `npm run kernel:install` writes (this project's tslab).
 * Needs Debian's jupyter-nbconvert and python3-nbclient (scripts/install-jupyter-compat.sh).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kernelSpecFor, projectKernelCommand, writeKernelSpec } from '../src/tools/kernel/kernel-spec';

const FIXTURES = path.join(__dirname, 'fixtures', 'notebooks');
const nbconvert = spawnSync('jupyter-nbconvert', ['--version'], { encoding: 'utf8' });
const available = nbconvert.status === 0;
if (!available) {
  // Written past jest's console capture, which shows nothing for a file whose tests all skip.
  process.stderr.write(
    'SKIPPED tests/runner-jupyter-compat.test.ts: jupyter-nbconvert is not installed ' +
      '(scripts/install-jupyter-compat.sh, or apt-get install -y jupyter-nbconvert python3-nbclient)\n',
  );
}

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
}
const joined = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : (t ?? ''));

(available ? describe : describe.skip)('Jupyter compatibility (jupyter nbconvert --execute with a tslab kernelspec)', () => {
  let jupyterPath: string;
  beforeAll(() => {
    jupyterPath = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-jupyter-'));
    // The kernel spec `npm run kernel:install` registers (absolute node, preload and tslab paths).
    writeKernelSpec(path.join(jupyterPath, 'kernels'), kernelSpecFor(projectKernelCommand()));
  });
  afterAll(() => fs.rmSync(jupyterPath, { recursive: true, force: true }));

  it('executes fixture notebooks: outputs, published numbers, typed imports of dist/ and a reported type error', () => {
    const outDir = path.join(jupyterPath, 'out');
    const run = spawnSync(
      'jupyter-nbconvert',
      [
        '--to',
        'notebook',
        '--execute',
        '--allow-errors',
        '--ExecutePreprocessor.kernel_name=tslab',
        '--ExecutePreprocessor.timeout=120',
        '--output-dir',
        outDir,
        path.join(FIXTURES, 'trivial.ipynb'),
        path.join(FIXTURES, 'typed-import.ipynb'),
      ],
      { encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: jupyterPath }, timeout: 110000 },
    );
    expect(run.stderr).toMatch(/Writing \d+ bytes to .*typed-import\.ipynb/);
    expect(run.status).toBe(0);

    const trivial = JSON.parse(fs.readFileSync(path.join(outDir, 'trivial.ipynb'), 'utf8')) as { cells: Array<{ outputs?: Output[] }> };
    const outputs = trivial.cells[1].outputs ?? [];
    expect(outputs[0]).toMatchObject({ output_type: 'stream', name: 'stdout' });
    expect(joined(outputs[0].text)).toBe('hello\n');
    expect(outputs[1].data?.['application/vnd.vaelab.metric+json']).toEqual({ name: 'repeat', value: 1 });

    const typed = JSON.parse(fs.readFileSync(path.join(outDir, 'typed-import.ipynb'), 'utf8')) as { cells: Array<{ outputs?: Output[] }> };
    expect(joined(typed.cells[1].outputs?.[0].text)).toBe('number true\n');
    const errorText = (typed.cells[2].outputs ?? []).map((o) => joined(o.text)).join('');
    expect(errorText).toMatch(/Type 'number' is not assignable to type 'string'/);
  });
});
