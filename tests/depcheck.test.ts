/**
 * The dependency rules of src/ (.dependency-cruiser.cjs, `npm run depcheck`): the real tree keeps
 * them, and each rule does catch the arrow it forbids in a small made-up tree.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** Runs dependency-cruiser with the project's rules on `src` under `cwd`; returns the violations. */
function cruise(cwd: string): Violation[] {
  const run = spawnSync(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8' });
  if (run.stdout === '') throw new Error(`depcruise printed nothing (exit ${run.status}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** Writes the files (path -> text) of a made-up project under a fresh temporary folder. */
function project(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-depcheck-'));
  const all: Record<string, string> = {
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'commonjs', strict: true }, include: ['src/**/*.ts'] }),
    ...files,
  };
  for (const [file, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const describeIfInstalled = fs.existsSync(DEPCRUISE) ? describe : describe.skip;

describeIfInstalled('dependency rules', () => {
  test('src/ keeps every rule', () => {
    expect(cruise(ROOT).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`)).toEqual([]);
  }, 120_000);

  test('each forbidden arrow of a made-up tree is reported under its rule', () => {
    const dir = project({
      'src/util/a.ts': 'export const a = 1;\n',
      'src/engine/index.ts': "import { a } from '../util/a';\nexport const e = a;\n",
      'src/engine/inner.ts': 'export const inner = 2;\n',
      'src/models/m.ts': "import { l } from '../losses/l';\nimport { inner } from '../engine/inner';\nexport const m = l + inner;\n",
      'src/losses/l.ts': "import type { T } from '../models/t';\nexport const l: T = 3;\n",
      'src/models/t.ts': "import { m } from './m';\nexport type T = number;\nexport const again = m;\n",
      'src/metrics/x.ts': "import { y } from '../analysis/y';\nexport const x = y;\n",
      'src/analysis/y.ts': 'export const y = 4;\n',
      'src/figures/f.ts': "import { run } from '../tools/run';\nexport const f = run;\n",
      'src/tools/run.ts': 'export const run = 5;\n',
    });
    try {
      const found = new Set(cruise(dir).map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`));
      const expected = [
        'engine-stands-alone: src/engine/index.ts -> src/util/a.ts',
        'engine-through-its-entry: src/models/m.ts -> src/engine/inner.ts',
        'engine-few-importers: src/models/m.ts -> src/engine/inner.ts',
        'layer-1-no-upward-imports: src/models/m.ts -> src/losses/l.ts',
        'analysis-metrics-apart: src/metrics/x.ts -> src/analysis/y.ts',
        'library-never-imports-tools: src/figures/f.ts -> src/tools/run.ts',
      ];
      for (const e of expected) expect(found).toContain(e);
      // models/m -> losses/l -> (type only) models/t -> models/m: a cycle through a type import.
      expect([...found].some((v) => v.startsWith('no-circular: '))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
