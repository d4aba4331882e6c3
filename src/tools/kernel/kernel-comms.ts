/**
 * tslab implements no Jupyter comms, and warns `unknown msg_type: comm_open` (or comm_msg,
 * comm_close) on stderr for each comm message. The classic Notebook opens a widgets comm whenever
 * it opens a notebook, and tslab's stderr goes to the output of the last cell run, so a student
 * found that warning in red under a cell that had nothing wrong. Ignoring a comm the kernel does
 * not support is what Jupyter's protocol expects; the kernel preload drops these warnings.
 */

/** tslab's warning for a comm message it does not handle. */
const COMM_WARNING = /^unknown msg_type: comm_(open|msg|close)$/;

/**
 * Makes `target.warn` drop tslab's "unknown msg_type: comm_..." warnings; every other call passes
 * through unchanged. Returns a function that restores the original.
 */
export function dropCommWarnings(target: Pick<Console, 'warn'> = console): () => void {
  const original = target.warn;
  const wrapped = function commQuiet(this: unknown, ...args: unknown[]): void {
    if (args.length === 1 && typeof args[0] === 'string' && COMM_WARNING.test(args[0])) return;
    original.apply(target, args);
  };
  target.warn = wrapped;
  return () => {
    if (target.warn === wrapped) target.warn = original;
  };
}
