/**
 * Claims end to end: `node dist/tools/cli/run.js` runs tests/fixtures/notebooks/claims.ipynb (one claim
 * that holds while `measured < bound`, one that never holds) in a real tslab kernel. A profile that
 * enforces claims (quick in solutions/profiles.json) gives `lesson not shown` and exit 1; smoke
 * reports the failed claim and passes. Needs a built dist/.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readSummary } from './summary-schema';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'tools', 'cli', 'run.js');
const FIXTURE = path.join(__dirname, 'fixtures', 'notebooks', 'claims.ipynb');
const ANSWER_FIXTURE = path.join(__dirname, 'fixtures', 'notebooks', 'answer.ipynb');

function runCliSync(args: string[]) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 110000 });
  return { code: result.status, stderr: result.stderr };
}

const lastLine = (text: string) => text.trimEnd().split('\n').pop();

const neverHeld = {
  id: 'three-below-two',
  statement: 'three is below two',
  held: false,
  evidence: { three: 3, two: 2 },
};

describe('claims through the headless runner (real tslab kernel)', () => {
  let out: string;
  beforeAll(() => {
    if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  });
  beforeEach(() => (out = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-claims-run-'))));
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  it('a profile that enforces claims: a claim that did not hold gives "lesson not shown" and exit 1; held claims count', () => {
    const run = runCliSync([FIXTURE, '--out', out, '--profile', 'quick']);
    expect(run.code).toBe(1);
    const summary = readSummary(out);
    expect(summary.status).toBe('failed');
    expect(summary.claimsEnforced).toBe(true);
    const [nb] = summary.notebooks;
    expect(nb.status).toBe('lesson not shown');
    // the notebook itself ran fine: no failure, every cell ran (the one after the claims too)
    expect(nb.failure).toBeNull();
    expect(nb.executedCells).toBe(3);
    expect(nb.claims).toEqual([
      { id: 'below-bound', statement: 'the measured value is below its bound', held: true, evidence: { measured: 0.25, bound: 0.5 } },
      neverHeld,
    ]);
    expect(run.stderr).toMatch(/\[1\/1\] claims {2}LESSON NOT SHOWN .*: 1 of 2 claims did not hold/);
    expect(run.stderr).toContain('    ✗ not shown by this run: three is below two (three = 3, two = 2)\n');
    expect(lastLine(run.stderr)).toBe('0/1 notebooks passed, 1 lesson(s) not shown, claims held 1/2');
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<span class="badge lesson-not-shown">lesson not shown</span>');
    expect(html).toContain('<span class="badge not-held">not held</span>');
    // the kernel showed the student the verdicts
    const executed = JSON.parse(fs.readFileSync(path.join(out, 'claims.ipynb'), 'utf8')) as {
      cells: Array<{ outputs?: Array<{ data?: Record<string, unknown> }> }>;
    };
    const shown = (executed.cells[1].outputs ?? []).map((o) => o.data?.['text/plain']);
    expect(shown).toEqual([
      '✓ the measured value is below its bound (measured = 0.25, bound = 0.5)',
      '✗ not shown by this run: three is below two (three = 3, two = 2)',
    ]);
  });

  it('smoke reports claims without enforcing them: status ok, exit 0, the failed claim on the terminal and in the report', () => {
    // --set bound=0.1 makes the first claim fail too: its verdict comes from the run's numbers
    const run = runCliSync([FIXTURE, '--out', out, '--profile', 'smoke', '--set', 'bound=0.1']);
    expect(run.code).toBe(0);
    const summary = readSummary(out);
    expect(summary.status).toBe('ok');
    expect(summary.claimsEnforced).toBe(false);
    const [nb] = summary.notebooks;
    expect(nb.status).toBe('ok');
    expect(nb.claims.map((c) => [c.id, c.held])).toEqual([
      ['below-bound', false],
      ['three-below-two', false],
    ]);
    expect(nb.claims[0].evidence).toEqual({ measured: 0.25, bound: 0.1 });
    expect(run.stderr).toContain('    ✗ not shown by this run: three is below two (three = 3, two = 2) [reported, not enforced in this profile]\n');
    expect(lastLine(run.stderr)).toBe('1/1 notebooks passed, claims held 0/2 (not enforced in profile "smoke")');
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('Claims held 0/2 (reported, not enforced in this profile)</p>');
  });

  it('a cell ending in answer(...) shows the answer once (Markdown), not again as the cell value', () => {
    const run = runCliSync([ANSWER_FIXTURE, '--out', out, '--profile', 'smoke']);
    expect(run.code).toBe(0);
    const executed = JSON.parse(fs.readFileSync(path.join(out, 'answer.ipynb'), 'utf8')) as {
      cells: Array<{ outputs?: Array<{ output_type: string; data?: Record<string, unknown> }> }>;
    };
    const outputs = executed.cells[0].outputs ?? [];
    expect(outputs.map((o) => [o.output_type, o.data?.['text/markdown']])).toEqual([['display_data', '**Answer.** 4 runs.']]);
  });
});
