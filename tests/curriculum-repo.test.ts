import * as path from 'path';
import { checkCurriculum, listSolutionNotebooks } from '../src/tools/students/sync';

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
});
