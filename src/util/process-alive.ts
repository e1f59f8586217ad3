// Whether a process id names a live process (zombies count as dead).

import { readFileSync } from 'node:fs';

/**
 * True when `pid` is a running process. `kill(pid, 0)` alone also succeeds for a zombie (a process
 * killed but not yet reaped, common when the parent is a container's pid 1 that never reaps), so
 * on Linux the state letter in /proc/<pid>/stat is checked too.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}
