import * as path from 'path';
import { checkCurriculum, listSolutionNotebooks } from '../src/tools/students/sync';
import { cellText, readNotebook } from '../src/tools/notebook-file';

const ROOT = path.resolve(__dirname, '..');

describe('the curriculum of this repository', () => {
  test('notebooks/ is generated from solutions/ and up to date, and no notebook holds outputs', () => {
    const problems = checkCurriculum(ROOT);
    if (problems.length > 0) {
      throw new Error(
        `${problems.length} curriculum problem(s); run \`npm run build && npm run students\` ` +
          `and keep notebooks free of outputs:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      );
    }
  });

  test('solution notebooks are numbered in course order (NN_topic.ipynb)', () => {
    for (const rel of listSolutionNotebooks(ROOT)) expect(path.basename(rel)).toMatch(/^\d\d_[a-z0-9_-]+\.ipynb$/);
  });

  test('every solution trains through the training cache (vl.cachedTrain), so a rerun of the full profile reuses its models', () => {
    // a call of vl.train / vl.train<...> in code (comments removed): the uncached path, which retrains on every run
    const uncached: string[] = [];
    for (const rel of listSolutionNotebooks(ROOT)) {
      for (const cell of readNotebook(path.join(ROOT, rel)).cells) {
        if (cell.cell_type !== 'code') continue;
        const code = cellText(cell)
          .split('\n')
          .map((line) => line.replace(/\/\/.*$/, ''))
          .join('\n');
        if (/\bvl\.train\s*[(<]/.test(code)) uncached.push(`${rel} (cell ${String(cell.id ?? '?')})`);
      }
    }
    expect(uncached).toEqual([]);
  });
});
