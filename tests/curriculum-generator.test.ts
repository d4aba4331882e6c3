import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { cellText, CodeCell, formatNotebook, NotebookCell, Notebook, parseNotebook } from '../src/tools/notebook-file';
import { NOT_IMPLEMENTED_PREFIX } from '../src/checks/harness';
import { stubSolutions } from '../src/tools/students/solution-markers';
import { makeStudentNotebook } from '../src/tools/students/student-notebook';
import { checkCurriculum, syncStudentNotebooks } from '../src/tools/students/sync';

const EXERCISE = [
  "import * as tf from '@tensorflow/tfjs';",
  '',
  'function double(x: number): number {',
  '  // BEGIN SOLUTION: double',
  '  // HINT: multiply by two',
  '  return 2 * x;',
  '  // END SOLUTION',
  '}',
  'const kept = 1;',
].join('\n');

function code(id: string, source: string, extra: Partial<CodeCell> = {}): NotebookCell {
  return { cell_type: 'code', id, metadata: {}, source, outputs: [], execution_count: null, ...extra };
}

function markdown(id: string, source: string, tags?: string[]): NotebookCell {
  return { cell_type: 'markdown', id, metadata: tags ? { tags } : {}, source };
}

function solutionNotebook(): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' } },
    cells: [
      markdown('intro', '# Demo\n\nSome prose.'),
      code('params', 'let epochs = 3;', { metadata: { tags: ['parameters'] } }),
      code('ex1', EXERCISE, {
        outputs: [{ output_type: 'stream', name: 'stdout', text: ['hello\n'] }],
        execution_count: 7,
        metadata: { execution: { 'iopub.status.busy': '2026-01-01' } },
      }),
      code('check1', 'check(double);', { metadata: { tags: ['check'], vaelab: { exercise: '1.1', points: 2 } } }),
      code('hidden1', 'check(double, 7);', { metadata: { tags: ['hidden-check'], vaelab: { exercise: '1.1', points: 1 } } }),
      markdown('ans-md', '**Answer** The loss fell because ...'),
      code('ans-code', 'console.log(`The loss fell to ${0.1}`);', {
        metadata: { tags: ['answer'], vaelab: { prompt: 'Why did the loss fall?' } },
      }),
    ],
  };
}

function tmpRepo(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-curriculum-'));
}

function writeJson(file: string, nb: Notebook): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(nb));
}

describe('stubSolutions', () => {
  test('replaces the block with a hinted stub, keeping indentation and the code around it', () => {
    const { text, blocks } = stubSolutions(EXERCISE, 'demo');
    expect(blocks).toBe(1);
    expect(text).not.toContain('return 2 * x');
    expect(text).not.toContain('BEGIN SOLUTION');
    expect(text).toContain('  // HINT: multiply by two');
    expect(text).toContain('  // YOUR CODE HERE');
    expect(text).toContain('const kept = 1;');
    expect(text.split('\n').slice(0, 3)).toEqual(EXERCISE.split('\n').slice(0, 3));
  });

  test('the stub compiles and throws a "not implemented yet" error naming the exercise and pointing to the hint, without repeating it', () => {
    const { text } = stubSolutions(EXERCISE.replace(/^import .*$/m, ''), 'demo');
    const js = ts.transpileModule(`${text}\nmodule.exports = double;`, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, strict: true },
      reportDiagnostics: true,
    });
    expect(js.diagnostics ?? []).toEqual([]);
    const mod = { exports: {} as unknown };
    new Function('module', js.outputText)(mod);
    const fn = mod.exports as (x: number) => number;
    expect(() => fn(3)).toThrow(new RegExp(`^${NOT_IMPLEMENTED_PREFIX}: double\\..*the HINT comment above`));
    expect(() => fn(3)).not.toThrow(/multiply by two/);
    // the hint is shown once, as the comment above the throwing line
    expect(text.split('multiply by two').length - 1).toBe(1);
    expect(text).toMatch(/\/\/ HINT: multiply by two\n\s*\/\/ YOUR CODE HERE\n\s*throw /);
  });

  test('counts several blocks and works without a hint or a name', () => {
    const src = ['f(() => {', '  // BEGIN SOLUTION', '  a();', '  // END SOLUTION', '});', '// BEGIN SOLUTION', 'b();', '// END SOLUTION'].join('\n');
    const { text, blocks } = stubSolutions(src, 'demo');
    expect(blocks).toBe(2);
    expect(text).toContain(`${NOT_IMPLEMENTED_PREFIX}: this exercise.`);
    expect(text).not.toMatch(/HINT/);
  });

  test.each([
    ['an unclosed block', '// BEGIN SOLUTION\nx();', /line 1 has no END SOLUTION/],
    ['END without BEGIN', 'x();\n// END SOLUTION', /line 2: END SOLUTION without a BEGIN/],
    ['nested blocks', '// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION', /cannot nest/],
    ['a marker sharing its line', 'x(); // BEGIN SOLUTION', /must be alone on its line/],
  ])('rejects %s with the cell and line', (_name, src, message) => {
    expect(() => stubSolutions(src, 'nb.ipynb, cell 3')).toThrow(message);
    expect(() => stubSolutions(src, 'nb.ipynb, cell 3')).toThrow(/nb\.ipynb, cell 3/);
  });
});

describe('makeStudentNotebook', () => {
  const { notebook, stubs, prompts } = makeStudentNotebook(solutionNotebook(), { source: 'solutions/01_demo.ipynb' });

  test('strips outputs, execution counts and run metadata but keeps ids and tags', () => {
    expect(notebook.cells.map((c) => c.id)).toEqual(['intro', 'params', 'ex1', 'check1', 'ans-md', 'ans-code']);
    for (const cell of notebook.cells.filter((c): c is CodeCell => c.cell_type === 'code')) {
      expect(cell.outputs).toEqual([]);
      expect(cell.execution_count).toBeNull();
      expect(cell.metadata.execution).toBeUndefined();
    }
    expect(notebook.cells[1].metadata.tags).toEqual(['parameters']);
    expect(stubs).toBe(1);
  });

  test('turns answer cells (tagged or **Answer** Markdown) into Markdown prompts', () => {
    expect(prompts).toBe(2);
    const [md, codeAnswer] = [notebook.cells[4], notebook.cells[5]];
    expect(md.cell_type).toBe('markdown');
    expect(cellText(md)).toMatch(/Write your answer here/);
    expect(cellText(md)).not.toMatch(/loss fell/);
    expect(codeAnswer.cell_type).toBe('markdown');
    expect(Object.keys(codeAnswer)).not.toContain('outputs');
    expect(Object.keys(codeAnswer)).not.toContain('execution_count');
    expect(cellText(codeAnswer)).toMatch(/^Why did the loss fall\?/);
  });

  test('leaves the solution untouched and records where the notebook came from', () => {
    const solution = solutionNotebook();
    makeStudentNotebook(solution, { source: 'x' });
    expect((solution.cells[2] as CodeCell).execution_count).toBe(7);
    expect(notebook.metadata.vaelab).toEqual({ generated_from: 'solutions/01_demo.ipynb', notebook: '01_demo' });
  });

  test('the stub names the exercise by its number (from the check cell after it) and its function', () => {
    expect(cellText(notebook.cells[2])).toContain('Not implemented yet: exercise 1.1 (double).');
  });

  test("removes hidden checks and keeps the check cell's exercise id and points", () => {
    expect(solutionNotebook().cells.map((c) => c.id)).toContain('hidden1');
    expect(notebook.cells.map((c) => c.id)).not.toContain('hidden1');
    expect(notebook.cells.some((c) => (c.metadata.tags as string[] | undefined)?.includes('hidden-check'))).toBe(false);
    expect(notebook.cells[3].metadata).toEqual({ tags: ['check'], vaelab: { exercise: '1.1', points: 2 } });
  });
});

describe('points and exercises of check cells', () => {
  /** The fixture with the metadata of cell `id` replaced. */
  function withMetadata(id: string, metadata: Record<string, unknown>): Notebook {
    const nb = solutionNotebook();
    nb.cells = nb.cells.map((c) => (c.id === id ? { ...c, metadata } : c));
    return nb;
  }
  const make = (nb: Notebook) => () => makeStudentNotebook(nb, { source: 'solutions/07_demo.ipynb' });

  test('a check cell without points or without an exercise id is an error naming the file and the cell', () => {
    expect(make(withMetadata('check1', { tags: ['check'], vaelab: { exercise: '1.1' } }))).toThrow(
      /solutions\/07_demo\.ipynb, cell 4 \(id check1\): the check cell \(tag "check"\) has no points; expected a positive number/,
    );
    expect(make(withMetadata('check1', { tags: ['check'] }))).toThrow(
      /solutions\/07_demo\.ipynb, cell 4 \(id check1\): the check cell \(tag "check"\) has no exercise id/,
    );
    expect(make(withMetadata('check1', { tags: ['check'], vaelab: { exercise: '1.1', points: 0 } }))).toThrow(/has invalid points 0/);
  });

  test('two check cells with the same exercise id in one notebook are an error naming both cells', () => {
    const nb = solutionNotebook();
    nb.cells.splice(4, 0, code('check2', 'check(double);', { metadata: { tags: ['check'], vaelab: { exercise: '1.1', points: 1 } } }));
    expect(make(nb)).toThrow(/solutions\/07_demo\.ipynb, cell 5 \(id check2\): exercise id "1\.1" is already used by the check cell 4/);
  });

  test('a hidden check naming no exercise of the notebook, or without points, is an error', () => {
    expect(make(withMetadata('hidden1', { tags: ['hidden-check'], vaelab: { exercise: '9.9', points: 1 } }))).toThrow(
      /cell 5 \(id hidden1\): the hidden check names exercise "9\.9", which no check cell of solutions\/07_demo\.ipynb declares \(exercises: 1\.1\)/,
    );
    expect(make(withMetadata('hidden1', { tags: ['hidden-check'], vaelab: { exercise: '1.1' } }))).toThrow(
      /cell 5 \(id hidden1\): the hidden check \(tag "hidden-check"\) has no points/,
    );
  });

  test('the repository check reports it too (npm run students -- --check)', () => {
    const root = tmpRepo();
    writeJson(path.join(root, 'solutions', '05_nopoints.ipynb'), withMetadata('check1', { tags: ['check'] }));
    expect(checkCurriculum(root).join('\n')).toMatch(
      /solutions\/05_nopoints\.ipynb, cell 4 \(id check1\): the check cell \(tag "check"\) has no exercise id/,
    );
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('formatNotebook', () => {
  test('is canonical: Jupyter style (sorted keys, 1-space indent, line lists) and stable', () => {
    const text = formatNotebook(solutionNotebook());
    expect(formatNotebook(parseNotebook(text))).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n "cells": [\n');
    const parsed = JSON.parse(text) as { cells: { source: string[] }[] };
    expect(Object.keys(JSON.parse(text))).toEqual(['cells', 'metadata', 'nbformat', 'nbformat_minor']);
    expect(parsed.cells[2].source.join('')).toBe(EXERCISE);
    expect(parsed.cells[2].source[0]).toBe("import * as tf from '@tensorflow/tfjs';\n");
  });

  test('parseNotebook rejects non-notebooks with the file name', () => {
    expect(() => parseNotebook('{', 'a.ipynb')).toThrow(/a\.ipynb: not valid JSON/);
    expect(() => parseNotebook('{"nbformat": 3, "cells": []}', 'b.ipynb')).toThrow(
      /b\.ipynb: not a Jupyter notebook in format 4: expected "nbformat": 4, got 3/,
    );
  });
});

describe('notebook structure rules', () => {
  test('an exercise without a check cell and a missing parameters cell are reported', () => {
    const root = tmpRepo();
    const nb = solutionNotebook();
    writeJson(path.join(root, 'solutions', '03_nocheck.ipynb'), { ...nb, cells: nb.cells.filter((c) => c.id !== 'check1' && c.id !== 'hidden1') });
    writeJson(path.join(root, 'solutions', '04_noparams.ipynb'), { ...nb, cells: nb.cells.filter((c) => c.id !== 'params') });
    syncStudentNotebooks(root);
    const problems = checkCurriculum(root).join('\n');
    expect(problems).toMatch(/03_nocheck\.ipynb: the exercise in cell 3 has no cell tagged "check"/);
    expect(problems).toMatch(/04_noparams\.ipynb: expected exactly one cell tagged "parameters", found 0/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe('syncStudentNotebooks and checkCurriculum on a repository', () => {
  test('generate, regenerate as a no-op, and detect stale, orphaned and executed notebooks', () => {
    const root = tmpRepo();
    writeJson(path.join(root, 'solutions', '01_demo.ipynb'), solutionNotebook());

    expect(checkCurriculum(root).join('\n')).toMatch(/notebooks\/01_demo\.ipynb: missing/);
    const first = syncStudentNotebooks(root);
    expect(first.written).toEqual(['notebooks/01_demo.ipynb']);
    expect(first.cleanedSolutions).toEqual(['solutions/01_demo.ipynb']);
    const student = parseNotebook(fs.readFileSync(path.join(root, 'notebooks', '01_demo.ipynb'), 'utf8'));
    expect(cellText(student.cells[2])).toContain(NOT_IMPLEMENTED_PREFIX);
    const cleanSolution = parseNotebook(fs.readFileSync(path.join(root, 'solutions', '01_demo.ipynb'), 'utf8'));
    expect(cellText(cleanSolution.cells[2])).toContain('return 2 * x;');
    expect(checkCurriculum(root)).toEqual([]);

    const before = fs.readFileSync(path.join(root, 'notebooks', '01_demo.ipynb'), 'utf8');
    const second = syncStudentNotebooks(root);
    expect(second.written).toEqual([]);
    expect(second.cleanedSolutions).toEqual([]);
    expect(fs.readFileSync(path.join(root, 'notebooks', '01_demo.ipynb'), 'utf8')).toBe(before);

    const changed = solutionNotebook();
    changed.cells[0].source = '# Demo, edited';
    fs.writeFileSync(path.join(root, 'solutions', '01_demo.ipynb'), formatNotebook(changed));
    expect(checkCurriculum(root).join('\n')).toMatch(/notebooks\/01_demo\.ipynb: out of date with solutions\/01_demo\.ipynb/);
    syncStudentNotebooks(root);
    expect(checkCurriculum(root)).toEqual([]);

    fs.writeFileSync(path.join(root, 'notebooks', '99_old.ipynb'), before);
    expect(checkCurriculum(root).join('\n')).toMatch(/notebooks\/99_old\.ipynb: has no solution notebook/);
    fs.unlinkSync(path.join(root, 'notebooks', '99_old.ipynb'));

    const executed = solutionNotebook();
    writeJson(path.join(root, 'docs', 'other.ipynb'), executed);
    const problems = checkCurriculum(root).join('\n');
    expect(problems).toMatch(/docs\/other\.ipynb: cell 3 \(id ex1\) holds 1 output\(s\) and execution_count 7/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('reports malformed solution markers with the notebook and cell', () => {
    const root = tmpRepo();
    const broken = solutionNotebook();
    broken.cells[2].source = 'f();\n// BEGIN SOLUTION\ng();';
    writeJson(path.join(root, 'solutions', '02_broken.ipynb'), { ...broken, cells: broken.cells.slice(0, 4) });
    expect(checkCurriculum(root).join('\n')).toMatch(/solutions\/02_broken\.ipynb, cell 3 \(id ex1\): the BEGIN SOLUTION on line 2 has no END/);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
