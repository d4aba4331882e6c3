/**
 * The one notebook-file model (src/tools/notebook-file.ts) that runner, generator and repository
 * check share: the verified read names the file and what is wrong, parsing adds nothing the file
 * did not say (no ids), the runner's upgrade gives ids, and the one writer is Jupyter's canonical text.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cellTags, cellText, formatNotebook, parseNotebook, readNotebook, toLines, withCellIds, writeNotebook } from '../src/tools/notebook-file';

const notebookText = (cells: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells, ...extra });

describe('parseNotebook / readNotebook (verified read)', () => {
  test('names the file and the cell that is wrong', () => {
    expect(() =>
      parseNotebook(
        notebookText([
          { cell_type: 'code', source: 'x' },
          { cell_type: 'picture', source: '' },
        ]),
        'n.ipynb',
      ),
    ).toThrow(/^n\.ipynb: cell 2 has no valid cell_type \(expected code, markdown or raw\)$/);
    expect(() => parseNotebook(notebookText([{ cell_type: 'markdown' }]), 'n.ipynb')).toThrow(/^n\.ipynb: cell 1 has no source/);
    expect(() => parseNotebook(notebookText([{ cell_type: 'markdown', source: ['a', 3] }]), 'n.ipynb')).toThrow(/^n\.ipynb: cell 1 has no source/);
    expect(() => parseNotebook(notebookText([{ cell_type: 'code', source: '', outputs: {} }]), 'n.ipynb')).toThrow(
      /^n\.ipynb: cell 1 has outputs that are not a list$/,
    );
    expect(() => parseNotebook(notebookText([{ cell_type: 'code', source: '', metadata: [] }]), 'n.ipynb')).toThrow(
      /cell 1 has metadata that is not a JSON object/,
    );
    expect(() => parseNotebook('[]', 'n.ipynb')).toThrow(/^n\.ipynb: not a Jupyter notebook in format 4: expected a JSON object/);
    expect(() => parseNotebook('{"nbformat": 4}', 'n.ipynb')).toThrow(/^n\.ipynb: not a Jupyter notebook in format 4: expected a "cells" array$/);
  });

  test('a missing file is refused with its name', () => {
    const file = path.join(os.tmpdir(), `vaelab-missing-${process.pid}.ipynb`);
    expect(() => readNotebook(file)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the notebook`));
  });

  test('fills only what nbformat treats as empty and adds no ids; the runner upgrade adds unique ids', () => {
    const nb = parseNotebook(
      notebookText([
        { cell_type: 'code', source: 'let a = 1;' },
        { cell_type: 'markdown', source: ['# T\n', 'x'], metadata: { tags: ['t', 3] } },
      ]),
    );
    expect(nb.cells[0]).toEqual({ cell_type: 'code', source: 'let a = 1;', metadata: {}, outputs: [], execution_count: null });
    expect(nb.nbformat_minor).toBe(4);
    expect(cellText(nb.cells[1])).toBe('# T\nx');
    expect(cellTags(nb.cells[1])).toEqual(['t']);
    const upgraded = withCellIds(nb);
    expect(upgraded.nbformat_minor).toBe(5);
    expect(upgraded.cells.every((c) => typeof c.id === 'string' && /^[a-zA-Z0-9-_]{1,64}$/.test(c.id))).toBe(true);
    expect(upgraded.cells[0].id).not.toBe(upgraded.cells[1].id);
    expect(nb.cells[0].id).toBeUndefined();
  });
});

describe('formatNotebook / writeNotebook (the one writer)', () => {
  test('lines keep their newlines; the last line may have none', () => {
    expect(toLines('a\n\nb')).toEqual(['a\n', '\n', 'b']);
    expect(toLines('\n')).toEqual(['\n']);
    expect(toLines('a\n')).toEqual(['a\n']);
  });

  test('writes Jupyter-style text: sorted keys at every level, 1-space indent, sources as lines, final newline', () => {
    const nb = parseNotebook(
      JSON.stringify({
        nbformat_minor: 5,
        nbformat: 4,
        metadata: { z: 1, a: { y: 2, b: 3 } },
        cells: [{ source: 'a\nb', metadata: {}, id: 'c1', cell_type: 'markdown' }],
      }),
    );
    const expected =
      '{\n "cells": [\n  {\n   "cell_type": "markdown",\n   "id": "c1",\n   "metadata": {},\n   "source": [\n    "a\\n",\n    "b"\n   ]\n  }\n ],\n' +
      ' "metadata": {\n  "a": {\n   "b": 3,\n   "y": 2\n  },\n  "z": 1\n },\n "nbformat": 4,\n "nbformat_minor": 5\n}\n';
    expect(formatNotebook(nb)).toBe(expected);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-nbfile-'));
    const file = path.join(dir, 'out.ipynb');
    writeNotebook(file, nb);
    expect(fs.readFileSync(file, 'utf8')).toBe(expected);
    expect(fs.readdirSync(dir)).toEqual(['out.ipynb']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
