/**
 * CI: every solution notebook runs with the smoke profile through the real runner (`npm start`),
 * two notebooks at a time (the wasm backend keeps one core busy per kernel).
 * Skipped (with a message) while solutions/ has no notebooks. Needs a built dist/.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RunSummary } from '../src/notebook/report';

const ROOT = path.resolve(__dirname, '..');
const SOLUTIONS = path.join(ROOT, 'solutions');
const notebooks = fs.existsSync(SOLUTIONS) ? fs.readdirSync(SOLUTIONS).filter((f) => f.endsWith('.ipynb')) : [];
if (notebooks.length === 0) console.warn('SKIPPED solution smoke run: solutions/ has no notebooks yet.');

(notebooks.length ? describe : describe.skip)('solution notebooks, smoke profile', () => {
  it(
    `all ${notebooks.length} notebooks pass`,
    () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-smoke-'));
      try {
        const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli', 'run.js'), '--profile', 'smoke', '--jobs', '2', '--out', out], {
          cwd: ROOT,
          encoding: 'utf8',
        });
        const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')) as RunSummary;
        const failed = summary.notebooks
          .filter((n) => n.status !== 'ok')
          .map((n) => `${n.name}: ${n.failure?.kind} in code cell ${n.failure?.codeCell}/${n.codeCells}: ${n.failure?.ename}: ${n.failure?.evalue}`);
        expect(failed).toEqual([]);
        expect(summary.notebooks.map((n) => `${n.name}.ipynb`).sort()).toEqual([...notebooks].sort());
        expect(run.status).toBe(0);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
    60000 + notebooks.length * 90000,
  );
});
