import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { nbformatErrors } from './fixtures/notebooks/nbformat-schema/validate';
import { Notebook, readNotebook, toLines, withCellIds, writeNotebook } from '../src/tools/notebook-file';
import { errorFromText, OutputCollector } from '../src/tools/runner/outputs';
import { shorthandHint } from '../src/tools/runner/run-notebook';
import { JupyterMessage, makeHeader } from '../src/tools/kernel/wire';

function msg(type: string, content: Record<string, unknown>): JupyterMessage {
  return { identities: [], header: makeHeader(type, 's'), parent_header: {}, metadata: {}, content, buffers: [] };
}

const PNG_1x1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==';

describe('nbformat writer', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vaelab-nbformat-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds outputs like a Jupyter front end: merged streams, rich displays, results, updates, errors', () => {
    const c = new OutputCollector();
    c.add(msg('status', { execution_state: 'busy' }));
    c.add(msg('stream', { name: 'stdout', text: 'epoch 1\n' }));
    c.add(msg('stream', { name: 'stdout', text: 'epoch 2\n' }));
    c.add(msg('display_data', { data: { 'image/png': PNG_1x1, 'text/plain': 'figure' }, metadata: {}, transient: { display_id: 'd1' } }));
    c.add(msg('update_display_data', { data: { 'text/plain': 'updated' }, metadata: {}, transient: { display_id: 'd1' } }));
    c.add(msg('execute_result', { execution_count: 4, data: { 'text/plain': '42' }, metadata: {} }));
    c.add(msg('stream', { name: 'stdout', text: 'after\n' }));
    expect(c.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: ['epoch 1\n', 'epoch 2\n'] },
      { output_type: 'display_data', data: { 'text/plain': 'updated' }, metadata: {} },
      { output_type: 'execute_result', execution_count: 4, data: { 'text/plain': '42' }, metadata: {} },
      { output_type: 'stream', name: 'stdout', text: ['after\n'] },
    ]);
    c.add(msg('clear_output', { wait: true }));
    expect(c.outputs).toHaveLength(4);
    c.add(msg('stream', { name: 'stderr', text: 'fresh\n' }));
    expect(c.outputs).toEqual([{ output_type: 'stream', name: 'stderr', text: ['fresh\n'] }]);
  });

  it('turns the stderr text of a failed tslab cell into an error output and keeps earlier stderr as a stream', () => {
    const c = new OutputCollector();
    c.add(msg('stream', { name: 'stderr', text: 'warning: slow\n' }));
    c.add(
      msg('stream', {
        name: 'stderr',
        text: 'evalmachine.<anonymous>:3\nthrow e;\n^\n\nRangeError: bad size\n    at evalmachine.<anonymous>:3:7\n    at sigintHandlersWrap (node:vm:280:12)\n',
      }),
    );
    const error = c.fail();
    expect(error).toMatchObject({ output_type: 'error', ename: 'RangeError', evalue: 'bad size' });
    expect(error.traceback).toContain('    at evalmachine.<anonymous>:3:7');
    expect(error.traceback.join('\n')).not.toMatch(/sigintHandlersWrap/);
    expect(c.outputs[0]).toEqual({ output_type: 'stream', name: 'stderr', text: ['warning: slow\n'] });
    expect(c.outputs).toHaveLength(2);
  });

  it('reports TypeScript diagnostics as a TypeScriptError with every diagnostic', () => {
    const c = new OutputCollector();
    c.add(msg('stream', { name: 'stderr', text: "2:7 - Type 'number' is not assignable to type 'string'.\n" }));
    c.add(msg('stream', { name: 'stderr', text: "3:1 - Cannot find name 'foo'.\n" }));
    const error = c.fail();
    expect(error.ename).toBe('TypeScriptError');
    expect(error.evalue).toBe("2:7 - Type 'number' is not assignable to type 'string'.\n3:1 - Cannot find name 'foo'.");
    expect(c.outputs).toEqual([error]);
    expect(errorFromText('something odd\n').ename).toBe('Error');
  });

  it('keeps every line of a multi-line error message (an autograder listing the rules broken), not the stack', () => {
    const text =
      'AutograderError: checkConv5lsl0: your network breaks 2 rule(s) of 5LSL0 Exercise 1:\n' +
      "- encoder layer 'bn' is a BatchNormalization\n" +
      "- conv 'c1' is not followed by a MaxPooling2D\n" +
      '    at checkConv5lsl0 (/x/dist/checks/conv5lsl0.js:10:11)\n' +
      '    at evalmachine.<anonymous>:5:4\n';
    const error = errorFromText(text);
    expect(error.ename).toBe('AutograderError');
    expect(error.evalue).toBe(
      "checkConv5lsl0: your network breaks 2 rule(s) of 5LSL0 Exercise 1:\n- encoder layer 'bn' is a BatchNormalization\n- conv 'c1' is not followed by a MaxPooling2D",
    );
    expect(error.traceback).toHaveLength(5);
  });

  it('splits text into lines that keep their newlines', () => {
    expect(toLines('a\nb\n')).toEqual(['a\n', 'b\n']);
    expect(toLines('a\nb')).toEqual(['a\n', 'b']);
    expect(toLines('')).toEqual([]);
  });

  it('reads a 4.4 notebook without cell ids, gives every cell a unique valid id, and writes valid nbformat 4.5', () => {
    const source = path.join(dir, 'old.ipynb');
    const old = {
      nbformat: 4,
      nbformat_minor: 4,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: ['# Title\n'] },
        { cell_type: 'code', metadata: {}, source: 'let x = 1;', execution_count: null, outputs: [] },
        { cell_type: 'code', id: 'dup', metadata: {}, source: '', execution_count: null, outputs: [] },
        { cell_type: 'code', id: 'dup', metadata: {}, source: '', execution_count: null, outputs: [] },
      ],
    };
    fs.writeFileSync(source, JSON.stringify(old));
    const nb = withCellIds(readNotebook(source));
    const ids = nb.cells.map((cell) => cell.id);
    expect(new Set(ids).size).toBe(4);
    expect(ids[2]).toBe('dup');
    const c = new OutputCollector();
    c.add(msg('stream', { name: 'stdout', text: 'hi\n' }));
    c.add(msg('display_data', { data: { 'image/png': PNG_1x1, 'application/vnd.vaelab.metric+json': { name: 'psnr', value: 18.2 } }, metadata: {} }));
    c.add(msg('execute_result', { execution_count: 1, data: { 'text/plain': '1' }, metadata: {} }));
    c.add(msg('stream', { name: 'stderr', text: 'Error: boom\n' }));
    c.fail();
    const cell = nb.cells[1];
    if (cell.cell_type !== 'code') throw new Error('fixture cell 1 must be code');
    cell.outputs = c.outputs;
    cell.execution_count = 1;
    const out = path.join(dir, 'out', 'old.ipynb');
    writeNotebook(out, nb);
    const written = JSON.parse(fs.readFileSync(out, 'utf8')) as Notebook;
    expect(written.nbformat_minor).toBe(5);
    expect(nbformatErrors(written)).toEqual([]);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['old.ipynb']);
  });

  it('the schema check catches an invalid notebook (so a passing check means something)', () => {
    const bad = { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [{ cell_type: 'code', metadata: {}, source: '', outputs: [] }] };
    expect(nbformatErrors(bad).length).toBeGreaterThan(0);
  });

  it('refuses files that are not nbformat 4 notebooks, naming the file', () => {
    const file = path.join(dir, 'bad.ipynb');
    fs.writeFileSync(file, JSON.stringify({ nbformat: 3, worksheets: [] }));
    expect(() => readNotebook(file)).toThrow(/bad\.ipynb: not a Jupyter notebook in format 4/);
    fs.writeFileSync(file, '{');
    expect(() => readNotebook(file)).toThrow(/bad\.ipynb: not valid JSON/);
  });
});

describe('failure hints', () => {
  const nb = (sources: string[]): Notebook => ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: sources.map((source, i) => ({ id: `c${i}`, cell_type: 'code' as const, metadata: {}, source, execution_count: null, outputs: [] })),
  });

  it("explains tslab's shorthand-property limitation when the variable comes from an earlier cell", () => {
    const notebook = nb(['let trainCount = 6000;', 'const mnist = load({ trainCount });']);
    expect(shorthandHint({ ename: 'ReferenceError', evalue: 'trainCount is not defined' }, notebook, 1)).toMatch(
      /Write \{ trainCount: trainCount \} instead of \{ trainCount \}/,
    );
  });

  it('gives no hint for a variable that no earlier cell declares, or for other errors', () => {
    const notebook = nb(['let other = 1;', 'load({ trainCount });']);
    expect(shorthandHint({ ename: 'ReferenceError', evalue: 'trainCount is not defined' }, notebook, 1)).toBeUndefined();
    expect(shorthandHint({ ename: 'TypeError', evalue: 'other is not defined' }, notebook, 1)).toBeUndefined();
  });
});
