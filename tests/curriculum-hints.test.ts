/**
 * Hints guide, they do not hand over the solution: every exercise block of every solution notebook
 * has a `// HINT:` line, and no hint repeats a piece of the solution's code (the longest stretch a
 * hint shares with the code, spaces ignored, is shorter than {@link MAX_SHARED} characters: enough
 * for an op's name such as `tf.clipByValue`, not for an expression).
 */
import * as fs from 'fs';
import * as path from 'path';
import { cellText, parseNotebook } from '../src/tools/notebook-file';
import { listSolutionNotebooks } from '../src/tools/students/sync';

const ROOT = path.resolve(__dirname, '..');
const MAX_SHARED = 20;

/** Length of the longest common substring of `a` and `b` (dynamic programming over one row). */
export function longestSharedStretch(a: string, b: string): number {
  let best = 0;
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      if (a[i - 1] === b[j - 1]) {
        row[j] = prev[j - 1] + 1;
        if (row[j] > best) best = row[j];
      }
    }
    prev = row;
  }
  return best;
}

interface Block {
  where: string;
  hints: string;
  code: string;
}

function solutionBlocks(): Block[] {
  const blocks: Block[] = [];
  for (const file of listSolutionNotebooks(ROOT)) {
    const nb = parseNotebook(fs.readFileSync(path.join(ROOT, file), 'utf8'), file);
    nb.cells.forEach((cell, index) => {
      if (cell.cell_type !== 'code') return;
      const re = /\/\/ BEGIN SOLUTION(?::\s*(.*?))?\s*\n([\s\S]*?)\/\/ END SOLUTION/g;
      for (const m of cellText(cell).matchAll(re)) {
        const lines = m[2].split('\n');
        const isHint = (l: string) => /^\s*\/\/ HINT:/.test(l);
        blocks.push({
          where: `${path.basename(file)} cell ${index} (${m[1] ?? 'unnamed'})`,
          hints: lines
            .filter(isHint)
            .map((l) => l.replace(/^\s*\/\/ HINT:/, ''))
            .join(' '),
          code: lines.filter((l) => !isHint(l)).join('\n'),
        });
      }
    });
  }
  return blocks;
}

const blocks = solutionBlocks();
const noSpace = (s: string) => s.replace(/\s+/g, '');

test('the solutions have exercise blocks to check', () => {
  expect(blocks.length).toBeGreaterThanOrEqual(20);
});

test('longestSharedStretch finds the longest common piece', () => {
  expect(longestSharedStretch('xxabcdyy', 'zabcdz')).toBe(4);
  expect(longestSharedStretch('abc', 'xyz')).toBe(0);
  expect(longestSharedStretch('', 'abc')).toBe(0);
});

test.each(blocks.map((b) => [b.where, b]))('%s has a hint that does not repeat its code', (_where, block) => {
  expect(block.hints.trim()).not.toBe('');
  const shared = longestSharedStretch(noSpace(block.hints), noSpace(block.code));
  expect(shared).toBeLessThan(MAX_SHARED);
});
