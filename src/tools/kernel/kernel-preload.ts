/**
 * Loaded with `node --require` into every tslab kernel that vaelab starts (the kernel spec written
 * by `npm run kernel:install`, and the headless runner's kernels) before tslab itself: a failed
 * cell then prints its message and the notebook's own frames, not library internals (see
 * ./student-errors). Keeps enough stack frames that the student's frames are not cut off below
 * deep library calls. `VAELAB_FULL_STACK=1` leaves Node's printing as it is. Also drops tslab's
 * warnings about the comm messages the classic Notebook sends (./kernel-comms).
 */
import { dropCommWarnings } from './kernel-comms';
import { fullStackWanted, printErrorsForStudents } from './student-errors';

/** Stack frames recorded per error inside a kernel (Node's default of 10 can end before the cell's frame). */
export const KERNEL_STACK_TRACE_LIMIT = 50;

if (!fullStackWanted()) {
  if (Error.stackTraceLimit < KERNEL_STACK_TRACE_LIMIT) Error.stackTraceLimit = KERNEL_STACK_TRACE_LIMIT;
  printErrorsForStudents(console);
}
dropCommWarnings(console);
