// The bound on stopping: the daemon is gone a fixed time after it was asked to stop, whatever it was doing.

import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';
import { descendsFrom, listProcesses } from '../util/open-files.js';

/** After a stop request, this long (ms) for the last commit and push; then every child process is killed. */
export const STOP_BOUND_MS = 30_000;

/** After the children were killed, this long (ms) to write status and release locks; then the daemon exits anyway. */
export const STOP_EXIT_GRACE_MS = 5_000;

/** The processes started by `self` (children, their children …), e.g. a wedged git. */
async function descendants(self: number): Promise<number[]> {
  const all = await listProcesses();
  const byPid = new Map(all.map((p) => [p.pid, p]));
  return all.filter((p) => p.pid !== self && descendsFrom(p.pid, self, byPid)).map((p) => p.pid);
}

/**
 * Watches `stopping`: STOP_BOUND_MS after it aborts, kills every process this daemon started (a
 * git stuck on a lock or a hung network, which is what keeps a stop from finishing), and
 * STOP_EXIT_GRACE_MS later calls `exit`. `dispose` ends the watch once the daemon has stopped.
 */
export function guardStop(options: { clock: Clock; log: Log; stopping: AbortSignal; self: number; kill: (pid: number) => void; exit: () => void }): { dispose(): void } {
  const done = new AbortController();
  const watch = async (): Promise<void> => {
    if (!options.stopping.aborted) {
      await new Promise<void>((resolve) => {
        options.stopping.addEventListener('abort', () => resolve(), { once: true });
        done.signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    if (done.signal.aborted) return;
    await options.clock.sleep(STOP_BOUND_MS, done.signal);
    const pids = await descendants(options.self);
    options.log.warn({ worker: 'daemon' }, `stopping took longer than ${STOP_BOUND_MS / 1000} s: killing ${pids.length ? `its processes (pid ${pids.join(', ')})` : 'nothing (no child process)'}; what is not committed is committed at the next start`);
    for (const pid of pids) options.kill(pid);
    await options.clock.sleep(STOP_EXIT_GRACE_MS, done.signal);
    options.log.error({ worker: 'daemon' }, `the assistant did not finish stopping ${(STOP_BOUND_MS + STOP_EXIT_GRACE_MS) / 1000} s after it was asked to; exiting now`);
    options.exit();
  };
  void watch().catch(() => undefined);
  return { dispose: () => done.abort() };
}
