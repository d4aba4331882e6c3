/**
 * The library's index (src/index.ts) exports the course API: every `vl.name` the notebooks, the
 * exercise template and the instructors' guide use is there (as a value or, for annotations, a type).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vl from '../src';

const ROOT = path.resolve(__dirname, '..');

/** The `vl.name`s written in the files under `dir` whose names end with one of `exts`. */
function vlNames(dir: string, exts: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const f of fs.readdirSync(path.join(ROOT, dir))) {
    if (!exts.some((e) => f.endsWith(e))) continue;
    for (const m of fs.readFileSync(path.join(ROOT, dir, f), 'utf8').matchAll(/\bvl\.([A-Za-z_$][\w$]*)/g)) names.add(m[1]);
  }
  return names;
}

test('every vl.name of the notebooks, the exercise template and the instructors guide is exported', () => {
  const used = new Set([...vlNames('solutions', ['.ipynb']), ...vlNames('notebooks', ['.ipynb']), ...vlNames('docs', ['.ipynb', '.md'])]);
  expect(used.size).toBeGreaterThan(50);
  const indexText = fs.readFileSync(path.join(ROOT, 'src', 'index.ts'), 'utf8');
  const typeNames = new Set<string>();
  for (const m of indexText.matchAll(/export type \{([^}]*)\}/g)) for (const n of m[1].split(',')) typeNames.add(n.trim());
  const values = new Set(Object.keys(vl));
  const missing = [...used].filter((n) => !values.has(n) && !typeNames.has(n)).sort();
  expect(missing).toEqual([]);
});
