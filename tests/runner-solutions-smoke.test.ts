/**
 * CI: every solution notebook runs with the smoke profile through the real runner (`npm start`),
 * two notebooks at a time (the wasm backend keeps one core busy per kernel). The summary must
 * match its schema, and every notebook must have produced what its source declares: each figure
 * of a `vl.show(..., 'name')` call saved as a non-blank PNG of sensible size, each number of a
 * `vl.publish('name', ...)` call present and finite (tests/notebook-outputs.ts).
 * Skipped (with a message) while solutions/ has no notebooks. Needs a built dist/ and nothing
 * beyond `npm install` (notebook 15 uses the Fashion-MNIST subset shipped in data/ on a bare machine).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { notebookOutputProblems } from './notebook-outputs';
import { expectSummaryMatchesRun, readSummary } from './summary-schema';

const ROOT = path.resolve(__dirname, '..');
const SOLUTIONS = path.join(ROOT, 'solutions');
const notebooks = fs.existsSync(SOLUTIONS)
  ? fs
      .readdirSync(SOLUTIONS)
      .filter((f) => f.endsWith('.ipynb'))
      .sort()
  : [];
if (notebooks.length === 0) console.warn('SKIPPED solution smoke run: solutions/ has no notebooks yet.');

(notebooks.length ? describe : describe.skip)('solution notebooks, smoke profile', () => {
  it(
    `all ${notebooks.length} notebooks pass`,
    async () => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-smoke-'));
      try {
        const startedAfter = new Date();
        const run = spawnSync(
          process.execPath,
          [path.join(ROOT, 'dist', 'tools', 'cli', 'run.js'), '--profile', 'smoke', '--jobs', '2', '--out', out],
          {
            cwd: ROOT,
            encoding: 'utf8',
          },
        );
        const summary = readSummary(out);
        const failed = summary.notebooks
          .filter((n) => n.status !== 'ok')
          .map((n) => `${n.name}: ${n.failure?.kind} in code cell ${n.failure?.codeCell}/${n.codeCells}: ${n.failure?.ename}: ${n.failure?.evalue}`);
        // Output problems of the notebooks that passed are reported together with the failures.
        const problems: string[] = [];
        for (const nb of summary.notebooks.filter((n) => n.status === 'ok')) problems.push(...(await notebookOutputProblems(nb, out)));
        expect({ failed, problems }).toEqual({ failed: [], problems: [] });
        expect(summary.notebooks.map((n) => `${n.name}.ipynb`).sort()).toEqual([...notebooks].sort());
        expect(run.status).toBe(0);
        expect(summary).toMatchObject({ status: 'ok', profile: 'smoke' });
        const sorted = [...notebooks].sort().map((f): [string, string] => [f.slice(0, -'.ipynb'.length), path.join(SOLUTIONS, f)]);
        expectSummaryMatchesRun(summary, { outDir: out, sources: sorted, startedAfter });
        // Every notebook shows at least one figure and publishes at least one number.
        expect(summary.notebooks.filter((n) => n.figures.length === 0 || Object.keys(n.published).length === 0).map((n) => n.name)).toEqual([]);
      } finally {
        fs.rmSync(out, { recursive: true, force: true });
      }
    },
    60000 + notebooks.length * 90000,
  );
});
