/**
 * The runner shares the cores among the kernels it runs at once: each kernel's wasm gets
 * VAELAB_WASM_THREADS = max(1, floor(cores / kernels)), unless the user set the variable.
 * Runs a fixture notebook in real tslab kernels (needs dist/: `npm run build`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, defaultRunnerPaths, type RunnerIo } from '../src/tools/runner/runner-cli';
import type { RunSummary } from '../src/tools/runner/report';
import { expectSummaryMatchesRun, readSummary } from './summary-schema';
import { wasmThreadsPerJob, WASM_THREADS_ENV } from '../src/backend/thread-policy';

const NOTEBOOK = path.join(__dirname, 'fixtures', 'notebooks', 'wasm-threads.ipynb');
const saved = process.env[WASM_THREADS_ENV];
let out: string;
let log: string;
const io: RunnerIo = { out: (t) => void (log += t), err: (t) => void (log += t), tty: false };

beforeAll(() => {
  if (!fs.existsSync(path.resolve(__dirname, '..', 'dist', 'backend', 'index.js'))) throw new Error('dist/ is missing: run "npm run build" first');
});
beforeEach(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-run-threads-'));
  log = '';
});
afterEach(() => {
  fs.rmSync(out, { recursive: true, force: true });
  if (saved === undefined) delete process.env[WASM_THREADS_ENV];
  else process.env[WASM_THREADS_ENV] = saved;
});

async function run(jobs: number): Promise<RunSummary['notebooks'][number]> {
  const startedAfter = new Date();
  const code = await runCli([NOTEBOOK, '--jobs', String(jobs), '--out', out], defaultRunnerPaths(), io);
  expect(code).toBe(0);
  const summary = readSummary(out);
  expectSummaryMatchesRun(summary, { outDir: out, sources: [['wasm-threads', NOTEBOOK]], startedAfter });
  return summary.notebooks[0];
}

test('one kernel at a time gets all the cores (capped) when VAELAB_WASM_THREADS is unset', async () => {
  delete process.env[WASM_THREADS_ENV];
  const nb = await run(1);
  const expected = wasmThreadsPerJob(1);
  expect(nb).toMatchObject({ status: 'ok', backend: 'wasm', wasmThreads: expected, published: { wasm_threads: expected } });
  expect(log).toContain(`${expected} wasm thread(s) per kernel`);
});

test("the user's VAELAB_WASM_THREADS wins over the runner's share", async () => {
  process.env[WASM_THREADS_ENV] = '1';
  const nb = await run(1);
  expect(nb).toMatchObject({ status: 'ok', backend: 'wasm', wasmThreads: 1, published: { wasm_threads: 1 } });
  expect(log).not.toContain('per kernel');
});
