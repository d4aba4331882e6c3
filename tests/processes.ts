/**
 * Process helpers shared by the end-to-end runner tests (written here, independently of the
 * runner's own pid code, so the tests do not trust what they check).
 */
import * as fs from 'fs';

/** True while a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of the direct children of `ppid` (from /proc). */
export function childPids(ppid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) pids.push(Number(entry));
    } catch {
      // process ended meanwhile
    }
  }
  return pids;
}
