/** Whether a process still runs, for telling debris of dead processes from work in progress. */

/**
 * True when no process with this pid runs. A process of another user counts as running (the
 * signal is refused, not undeliverable); so does a pid that is not a positive integer (unknown).
 */
export function pidIsDead(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
