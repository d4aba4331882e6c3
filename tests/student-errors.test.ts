/**
 * What a student sees when an exercise throws in a notebook: the message and the notebook's own
 * frames, not TensorFlow.js / vaelab / tslab frames nor Node's `tf-core.node.js:4578 throw ex; ^`
 * preamble. Unit tests of the text, then a real tslab kernel (started as the runner and the
 * registered kernel spec start it, with vaelab's preload) running a stub exercise.
 * The kernel test needs a built dist/.
 */
import * as tf from '@tensorflow/tfjs';
import * as path from 'path';
import * as vm from 'vm';
import { TslabKernel } from '../src/tools/kernel/kernel-client';
import { dropCommWarnings } from '../src/tools/kernel/kernel-comms';
import { fullStackWanted, printErrorsForStudents, stripSourceLinePreamble, studentErrorText } from '../src/tools/kernel/student-errors';

const ROOT = path.resolve(__dirname, '..');

describe('studentErrorText', () => {
  it('keeps the header and notebook frames, drops the source-line preamble and library frames', () => {
    const err = new Error('Not implemented yet: f');
    err.stack = [
      '/x/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js:4578',
      '            throw ex;',
      '            ^',
      '',
      'Error: Not implemented yet: f',
      '    at f (evalmachine.<anonymous>:4:11)',
      '    at /p/dist/checks/vae.js:211:109',
      '    at Engine.tidy (/x/node_modules/@tensorflow/tfjs-core/dist/tf-core.node.js:4561:21)',
      '    at evalmachine.<anonymous>:3:33',
      '    at Script.runInThisContext (node:vm:137:12)',
      '    at Object.execute (/x/node_modules/tslab/dist/executor.js:162:38)',
    ].join('\n');
    expect(studentErrorText(err)).toBe('Error: Not implemented yet: f\n    at f (evalmachine.<anonymous>:4:11)\n    at evalmachine.<anonymous>:3:33');
  });

  it('keeps every line of a multi-line message, adds an error cause, shows non-errors as strings', () => {
    const err = new TypeError('line one\nline two', { cause: new RangeError('deeper') });
    err.stack = 'TypeError: line one\nline two\n    at g (/lib/x.js:1:1)';
    expect(studentErrorText(err)).toBe('TypeError: line one\nline two\n[cause] RangeError: deeper');
    expect(studentErrorText('just a string')).toBe('just a string');
    expect(studentErrorText(42)).toBe('42');
  });

  it('builds the header from name and message when the stack is missing', () => {
    const err = new Error('no stack here');
    err.name = 'AutograderError';
    err.stack = undefined;
    expect(studentErrorText(err)).toBe('AutograderError: no stack here');
  });

  it('leaves a stack that does not start with the preamble unchanged', () => {
    expect(stripSourceLinePreamble('Error: a\n    at b (c.js:1:1)')).toBe('Error: a\n    at b (c.js:1:1)');
  });

  it('cleans a real error thrown through tf.tidy out of vm code (the preamble Node really adds)', () => {
    let caught: Error | undefined;
    try {
      vm.runInNewContext('tf.tidy(() => { throw new Error("from the exercise"); })', { tf });
    } catch (e) {
      caught = e as Error;
    }
    expect(caught).toBeDefined();
    // What tslab would print: the last rethrow's source line first, then library frames.
    expect(caught!.stack).toMatch(/^.*tf-core\.node\.js:\d+\n\s*throw ex;\n\s*\^\n\n/);
    expect(caught!.stack).toContain('node_modules');
    const text = studentErrorText(caught);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Error: from the exercise');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const frame of lines.slice(1)) expect(frame).toMatch(/^\s+at .*evalmachine\.<anonymous>:\d+:\d+\)?$/);
    expect(text).not.toContain('node_modules');
  });
});

describe('printErrorsForStudents', () => {
  it('cleans console.error(err) only, passes other calls through, and can be undone', () => {
    const calls: unknown[][] = [];
    const target = { error: (...args: unknown[]) => void calls.push(args) };
    const undo = printErrorsForStudents(target);
    const err = new Error('boom');
    err.stack = 'Error: boom\n    at x (/lib/node_modules/a.js:1:1)\n    at evalmachine.<anonymous>:2:3';
    target.error(err);
    target.error('%s%d:%d - %s', '', 1, 5, 'Type error');
    target.error('UncaughtException:', err);
    expect(calls).toEqual([
      ['Error: boom\n    at evalmachine.<anonymous>:2:3'],
      ['%s%d:%d - %s', '', 1, 5, 'Type error'],
      ['UncaughtException:', err],
    ]);
    undo();
    target.error(err);
    expect(calls[3]).toEqual([err]);
  });

  it('VAELAB_FULL_STACK turns the trimming off', () => {
    expect(fullStackWanted({})).toBe(false);
    expect(fullStackWanted({ VAELAB_FULL_STACK: '0' })).toBe(false);
    expect(fullStackWanted({ VAELAB_FULL_STACK: '1' })).toBe(true);
  });
});

describe('dropCommWarnings', () => {
  it("drops only tslab's comm warnings, passes other warnings through, and can be undone", () => {
    const calls: unknown[][] = [];
    const target = { warn: (...args: unknown[]) => void calls.push(args) };
    const undo = dropCommWarnings(target);
    target.warn('unknown msg_type: comm_open');
    target.warn('unknown msg_type: comm_msg');
    target.warn('unknown msg_type: history_request');
    target.warn('careful', 'unknown msg_type: comm_open');
    expect(calls).toEqual([['unknown msg_type: history_request'], ['careful', 'unknown msg_type: comm_open']]);
    undo();
    target.warn('unknown msg_type: comm_close');
    expect(calls[2]).toEqual(['unknown msg_type: comm_close']);
  });
});

/** stderr text of one cell run in a kernel started in notebooks/ (as Jupyter starts it for a notebook there). */
async function stderrOf(kernel: TslabKernel, code: string): Promise<{ status: string; stderr: string }> {
  const reply = await kernel.execute(code, { timeoutMs: 120000 });
  // After a failed cell tslab drops requests for 200 ms.
  await new Promise((r) => setTimeout(r, 400));
  const stderr = reply.messages
    .filter((m) => m.header.msg_type === 'stream' && m.content.name === 'stderr')
    .map((m) => String(m.content.text))
    .join('');
  return { status: reply.status, stderr };
}

const STUB = `import * as tf from '@tensorflow/tfjs';
import * as vl from '../dist';
await vl.initBackend();
function reparameterize(mu: tf.Tensor2D, logVar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
  // YOUR CODE HERE
  throw new Error("Not implemented yet: reparameterize. Replace the stub (the line that throws) with your code.");
}`;

describe('a stub exercise failing in a real tslab kernel', () => {
  it('shows the message and the notebook frames, no node_modules frames and no throw-ex preamble', async () => {
    const kernel = await TslabKernel.start({ cwd: path.join(ROOT, 'notebooks') });
    try {
      expect((await stderrOf(kernel, STUB)).status).toBe('ok');
      const checked = await stderrOf(kernel, 'vl.checkReparameterize(reparameterize);');
      expect(checked.status).toBe('error');
      expect(checked.stderr).toContain('Error: Not implemented yet: reparameterize.');
      expect(checked.stderr).toMatch(/at reparameterize \(evalmachine\.<anonymous>:\d+:\d+\)/);
      expect(checked.stderr).not.toContain('node_modules');
      expect(checked.stderr).not.toContain('throw ex');
      expect(checked.stderr).not.toContain(`${path.sep}dist${path.sep}`);
      // A failing check (vaelab's own error) reads the same way.
      const wrong = await stderrOf(kernel, 'vl.checkReparameterize((mu, logVar, eps) => mu);');
      expect(wrong.stderr).toMatch(/^AutograderError: checkReparameterize: /);
      expect(wrong.stderr).not.toContain('node_modules');
      // Compile errors are printed as before (file:line:col - message).
      const typeErr = await stderrOf(kernel, 'const s: string = 1;');
      expect(typeErr.stderr).toMatch(/\d+:\d+ - Type 'number' is not assignable to type 'string'/);
    } finally {
      await kernel.shutdown();
    }
  });

  it('VAELAB_FULL_STACK=1 shows what Node prints without vaelab (the library frames)', async () => {
    const kernel = await TslabKernel.start({ cwd: path.join(ROOT, 'notebooks'), env: { VAELAB_FULL_STACK: '1' } });
    try {
      await stderrOf(kernel, STUB);
      const checked = await stderrOf(kernel, 'vl.checkReparameterize(reparameterize);');
      expect(checked.stderr).toContain('Not implemented yet: reparameterize.');
      expect(checked.stderr).toContain('node_modules');
      expect(checked.stderr).toMatch(/tf-core\.node\.js:\d+\n\s*throw ex;/);
    } finally {
      await kernel.shutdown();
    }
  });
});
