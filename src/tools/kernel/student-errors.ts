/**
 * What a student sees when a cell throws. tslab prints an uncaught cell error with
 * `console.error(err)`, i.e. the error's whole `stack`; for a synchronous cell Node's `vm` has
 * already put the source line of the *last* `throw` in front of it (for an exercise checked inside
 * `tf.tidy` that is `tf-core.node.js:4578 throw ex; ^`), and the frames below the student's code
 * are TensorFlow.js, vaelab and tslab internals. Library code cannot avoid that preamble (it is
 * added at the kernel's `vm` boundary, at whichever site rethrew last), so the kernel started by
 * vaelab's kernel spec (and by the headless runner) prints errors through {@link studentErrorText}:
 * the error's own header (name and message) and the frames of notebook code only.
 * `VAELAB_FULL_STACK=1` keeps the full stack (for debugging the library).
 */
import { types } from 'util';

/** Environment variable that turns the trimming off (`1`: print errors as Node does). */
export const FULL_STACK_ENV = 'VAELAB_FULL_STACK';

/** File name Node gives code run by `vm` without a file name: every notebook cell. */
const NOTEBOOK_FRAME = /\bevalmachine\.<anonymous>/;
/** A stack frame line. */
const FRAME_LINE = /^\s+at /;
/** The underline of Node's source-line preamble (`   ^^^`). */
const CARET_LINE = /^\s*\^+\s*$/;

/** True for a native error or an object that looks like one (name, message and stack strings). */
export function isErrorLike(value: unknown): value is Error {
  if (types.isNativeError(value) || value instanceof Error) return true;
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.message === 'string' && typeof v.stack === 'string';
}

/**
 * Removes Node's source-line preamble (`file:line`, the source line, a caret line, a blank line)
 * from the front of a stack, if it is there; other text is returned unchanged.
 */
export function stripSourceLinePreamble(stack: string): string {
  const lines = stack.split('\n');
  if (lines.length >= 4 && /:\d+$/.test(lines[0]) && CARET_LINE.test(lines[2]) && lines[3].trim() === '') {
    return lines.slice(4).join('\n');
  }
  return stack;
}

/**
 * The text a student should see for `err`: its header as Node prints it (`Name: message`, every
 * line of a multi-line message) followed only by the stack frames of notebook code (cells and the
 * functions defined in them). Frames of libraries, vaelab itself, tslab and Node are left out,
 * and so is Node's `file:line / source / ^` preamble. A `cause` that is an error is added as one
 * `[cause] Name: message` line. Values that are not errors are shown with `String(value)`.
 */
export function studentErrorText(err: unknown): string {
  if (!isErrorLike(err)) return String(err);
  const raw = typeof err.stack === 'string' && err.stack !== '' ? stripSourceLinePreamble(err.stack) : '';
  const lines = raw.split('\n');
  const firstFrame = lines.findIndex((line) => FRAME_LINE.test(line));
  let header = (firstFrame < 0 ? lines : lines.slice(0, firstFrame)).join('\n').replace(/\s+$/, '');
  if (header === '') header = `${err.name || 'Error'}: ${err.message}`;
  const frames = firstFrame < 0 ? [] : lines.slice(firstFrame).filter((line) => FRAME_LINE.test(line) && NOTEBOOK_FRAME.test(line));
  const out = [header, ...frames];
  const cause = (err as { cause?: unknown }).cause;
  if (isErrorLike(cause)) out.push(`[cause] ${cause.name || 'Error'}: ${cause.message}`);
  return out.join('\n');
}

/** True when the person asked for full stacks (`VAELAB_FULL_STACK=1`). */
export function fullStackWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[FULL_STACK_ENV];
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Makes `target.error(err)` (one argument that is an error) print {@link studentErrorText}
 * instead of the full stack; any other call passes through unchanged. Returns a function that
 * restores the original. This is how tslab's executor reports a failed cell.
 */
export function printErrorsForStudents(target: Pick<Console, 'error'> = console): () => void {
  const original = target.error;
  const wrapped = function studentError(this: unknown, ...args: unknown[]): void {
    if (args.length === 1 && isErrorLike(args[0])) {
      original.call(target, studentErrorText(args[0]));
      return;
    }
    original.apply(target, args);
  };
  target.error = wrapped;
  return () => {
    if (target.error === wrapped) target.error = original;
  };
}
