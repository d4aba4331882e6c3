/**
 * The stale-build guard of jest's global setup (tests/dist-freshness.js), on temporary copies of a
 * src/ + dist/ layout (never touching the real tree), and the real global setup on such a copy.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertDistFresh, staleDistFiles } from './dist-freshness';

const ROOT = path.resolve(__dirname, '..');
let root: string;

/** Writes `file` under `root` with modification time `seconds` (since the epoch). */
function put(rel: string, seconds: number): void {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `// ${rel}\n`);
  fs.utimesSync(file, seconds, seconds);
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-dist-fresh-'));
  const t = 1_700_000_000;
  put('src/index.ts', t);
  put('src/notebook/report.ts', t);
  put('src/types.d.ts', t + 500); // declaration files compile to nothing
  put('dist/index.js', t + 10);
  put('dist/notebook/report.js', t + 10);
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

test('a build newer than every source is fresh', () => {
  expect(staleDistFiles(root)).toEqual([]);
  expect(() => assertDistFresh(root)).not.toThrow();
});

test('a source edited after the build, and a source never built, are reported with the fix', () => {
  put('src/notebook/report.ts', 1_700_000_100);
  put('src/notebook/extra.ts', 1_700_000_000);
  expect(staleDistFiles(root)).toEqual([
    { source: path.join('src', 'notebook', 'extra.ts'), output: path.join('dist', 'notebook', 'extra.js'), reason: 'missing' },
    { source: path.join('src', 'notebook', 'report.ts'), output: path.join('dist', 'notebook', 'report.js'), reason: 'older' },
  ]);
  expect(() => assertDistFresh(root)).toThrow(
    /dist\/ is out of date with src\/ \(2 file\(s\)\)[\s\S]*report\.ts -> dist\/notebook\/report\.js is older than its source[\s\S]*npm run build/,
  );
});

test('a missing dist/ and a missing src/ are clear errors', () => {
  fs.rmSync(path.join(root, 'dist'), { recursive: true });
  expect(() => assertDistFresh(root)).toThrow(/2 file\(s\)[\s\S]*is missing/);
  fs.rmSync(path.join(root, 'src'), { recursive: true });
  expect(() => staleDistFiles(root)).toThrow(/no src\/ folder in/);
});

test("jest's global setup itself refuses to start on a stale copy", () => {
  // A copy of the global setup next to a temporary src/ + dist/ (it checks its own parent folder).
  fs.mkdirSync(path.join(root, 'tests'));
  for (const f of ['jest-global-setup.js', 'dist-freshness.js']) fs.copyFileSync(path.join(ROOT, 'tests', f), path.join(root, 'tests', f));
  const setup = path.join(root, 'tests', 'jest-global-setup.js');
  const runSetup = () =>
    spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(setup)})().then(() => console.log('setup ok'), (e) => { console.error(e.message); process.exit(1); })`],
      { encoding: 'utf8' },
    );
  const fresh = runSetup();
  expect(fresh.stdout).toContain('setup ok');
  expect(fresh.status).toBe(0);
  put('src/index.ts', 1_700_000_100);
  const stale = runSetup();
  expect(stale.status).toBe(1);
  expect(stale.stderr).toMatch(/src\/index\.ts -> dist\/index\.js is older than its source/);
});
