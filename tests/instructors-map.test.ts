/**
 * The instructors' guide maps every item of the course documents to the notebook cells that teach
 * it ("Where each document item is taught"). A renamed or deleted cell would leave the map pointing
 * nowhere, so every cell the map names must exist in that solution notebook, and every row must
 * say whether the item is present, bent or missing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readNotebook } from '../src/tools/notebook-file';

const ROOT = path.resolve(__dirname, '..');
const GUIDE = fs.readFileSync(path.join(ROOT, 'docs', 'instructors.md'), 'utf8');

/** The map's table rows (lines starting with `| 0`), from its heading to the next heading. */
function mapRows(): string[] {
  const start = GUIDE.indexOf('## Where each document item is taught');
  if (start < 0) throw new Error("docs/instructors.md has no section 'Where each document item is taught'");
  const end = GUIDE.indexOf('\n## ', start + 5);
  return GUIDE.slice(start, end < 0 ? undefined : end)
    .split('\n')
    .filter((line) => line.startsWith('| 0'));
}

/** Notebook number (two digits) to its solution file's cell ids and full text. */
function solutions(): Map<string, { ids: string[]; text: string }> {
  const out = new Map<string, { ids: string[]; text: string }>();
  for (const file of fs.readdirSync(path.join(ROOT, 'solutions')).filter((f) => f.endsWith('.ipynb'))) {
    const full = path.join(ROOT, 'solutions', file);
    out.set(file.slice(0, 2), { ids: readNotebook(full).cells.map((c) => c.id ?? ''), text: fs.readFileSync(full, 'utf8') });
  }
  return out;
}

/** Every (notebook, backticked name) the cells column names: the names after `NN:` up to the next `NN:`. */
function namedCells(cellsColumn: string): Array<{ notebook: string; name: string }> {
  const out: Array<{ notebook: string; name: string }> = [];
  const parts = cellsColumn.split(/(?:^\s*|[,;(]\s*)(\d\d): /);
  // split with a capture group: [before, nb, text, nb, text, ...]
  for (let i = 1; i < parts.length; i += 2) {
    for (const m of parts[i + 1].matchAll(/`([a-z0-9][a-z0-9-]*\*?)`/g)) out.push({ notebook: parts[i], name: m[1] });
  }
  return out;
}

test('the map has a row for each document and every row states present, bent or missing', () => {
  const rows = mapRows();
  expect(rows.length).toBeGreaterThan(20);
  for (const doc of ['000', '001', '002', '003', '004']) expect(rows.some((r) => r.includes(`| ${doc}`))).toBe(true);
  for (const row of rows) expect([row.slice(0, 60), /\| (present|bent|missing)\b[^|]*\|\s*$/.test(row)]).toEqual([row.slice(0, 60), true]);
});

test('every cell the map names exists in that solution notebook (claim and figure names appear in it)', () => {
  const notebooks = solutions();
  const missing: string[] = [];
  let checked = 0;
  for (const row of mapRows()) {
    const cellsColumn = row.split('|')[3] ?? '';
    for (const { notebook, name } of namedCells(cellsColumn)) {
      const nb = notebooks.get(notebook);
      if (!nb) {
        missing.push(`${notebook}: no solution notebook`);
        continue;
      }
      checked++;
      const found = name.endsWith('*')
        ? nb.ids.some((id) => id.startsWith(name.slice(0, -1)))
        : nb.ids.includes(name) || nb.text.includes(`'${name}'`) || nb.text.includes(`\\"${name}\\"`);
      if (!found) missing.push(`${notebook}: ${name}`);
    }
  }
  expect(checked).toBeGreaterThan(50);
  expect(missing).toEqual([]);
});
