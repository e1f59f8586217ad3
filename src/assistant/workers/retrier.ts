// The retrier: unreachable remotes are tried again when their back-off has passed, failed pushes on a cron schedule, and a local remote at once when it returns.

import { stat } from 'node:fs/promises';
import { readRemoteConfigs } from '../../remotes/index.js';
import { localPathOf } from '../../remotes/git-local.js';
import type { AssistantContext } from '../context.js';
import { runFollowedSchedule } from '../followed-schedule.js';
import type { Worker } from '../worker.js';
import { pushRemotes } from '../remote-work.js';
import { probeSpecialRemotes, specialRemotes } from '../special-reach.js';

/** How often local remotes that are gone are checked for their return (a stat each, no spawn). */
const PROBE_MS = 10_000;

/**
 * Three kinds of retry, each in the remote's own lane (a retry of one remote never waits on another):
 * - an unreachable remote (reachability state) is fetched and pushed again when its back-off
 *   (arbor.network.retryseconds, doubling with each failure, up to 1 h) has passed;
 * - failed pushes and unreachable remotes are retried on the ticks of arbor.assistant.retry
 *   (default every 30 minutes), skipping ticks that double with each failure, up to 16;
 * - a light probe every 10 s notices a local remote (a mount, a directory, a directory special
 *   remote's folder) coming back and retries it at once.
 * A special remote is retried by trying to connect to it (special-reach.ts): it has no git side.
 */
export const retrier: Worker = {
  name: 'retrier',
  run: async (ctx, signal) => {
    const skipped = new Map<string, number>();
    /** Remotes being retried now (not asked again until that try is done). */
    const trying = new Set<string>();
    const retry = (names: readonly string[]): void => {
      const fresh = names.filter((n) => !trying.has(n));
      if (fresh.length === 0) return;
      ctx.log.debug({ worker: 'retrier' }, `retrying ${fresh.join(', ')}`);
      for (const name of fresh) trying.add(name);
      // Special remotes are probed (they have no git side); the others fetched, merged and pushed.
      void probeSpecialRemotes(ctx, fresh)
        .then((git) => {
          if (git.length === 0) return false;
          ctx.remotesChanged.push(...git); // fetch and merge, in the remote's lane
          return pushRemotes(ctx, git, signal);
        })
        .catch(() => false)
        .finally(() => {
          for (const name of fresh) {
            trying.delete(name);
            // A try that did not reach the remote at all (it left the sync remotes, say) counts as
            // failed, so it is not asked again at once.
            const r = ctx.reachability.get(name);
            if (!signal.aborted && r.state === 'unreachable' && (r.nextTry ?? 0) <= ctx.clock.now()) ctx.reachability.failed(name, r.reason ?? `remote ${name}: not reached`);
          }
          ctx.reachability.changed.notify(); // recompute the next wake-up
        });
    };
    // Its own signal: a crash of this worker must stop the schedule too, not only a daemon stop.
    const scheduleStop = new AbortController();
    signal.addEventListener('abort', () => scheduleStop.abort(), { once: true });
    const task = runFollowedSchedule({
      ctx,
      worker: 'retrier',
      what: 'retry',
      pick: (s) => s.retrySchedule,
      signal: scheduleStop.signal,
      tick: () => {
        const due: string[] = [];
        // Failed pushes and unreachable remotes (the tick is a second chance for those: a schedule
        // the user chose, which a short back-off-free test schedule or a long back-off may precede).
        const failing = new Map(ctx.failedPushes.entries().map(([n, f]) => [n, f.attempts]));
        for (const name of ctx.reachability.inState('unreachable')) failing.set(name, Math.max(failing.get(name) ?? 0, ctx.reachability.get(name).attempts));
        for (const [name, attempts] of failing) {
          const waited = (skipped.get(name) ?? 0) + 1;
          if (waited >= Math.min(2 ** Math.max(0, attempts - 2), 16)) {
            due.push(name);
            skipped.set(name, 0);
          } else {
            skipped.set(name, waited);
          }
        }
        // A tick is a try: an unreachable remote still in its back-off is made due now (the
        // lane's push and fetch skip remotes that are waiting).
        for (const name of due) if (ctx.reachability.get(name).state === 'unreachable') ctx.reachability.returned(name);
        retry(due);
      },
    });
    const missing = new Set<string>();
    let lastProbe = ctx.clock.now();
    try {
      while (!signal.aborted) {
        const now = ctx.clock.now();
        const next = Math.min(
          lastProbe + PROBE_MS,
          ...ctx.reachability.inState('unreachable').filter((n) => !trying.has(n)).map((n) => ctx.reachability.get(n).nextTry ?? now),
        );
        // Woken by the time, a reachability change, or the stop: the stop must not wait out a probe interval.
        const woken = new AbortController();
        const stop = (): void => woken.abort();
        signal.addEventListener('abort', stop, { once: true });
        await Promise.race([ctx.clock.sleep(Math.max(0, next - now), woken.signal), ctx.reachability.changed.wait(woken.signal)]).catch(() => undefined);
        signal.removeEventListener('abort', stop);
        woken.abort();
        if (signal.aborted) break;
        retry(ctx.reachability.due());
        // Probed at every wake too (a remote just failed, a try ended), not only every 10 s: a
        // path that vanished is seen missing at once, so its return is noticed at the next probe.
        lastProbe = ctx.clock.now();
        retry(await cameBack(ctx, missing));
      }
    } finally {
      scheduleStop.abort();
      await task;
    }
  },
};

/** Local remotes and directory special remotes, failing or unreachable, whose path was missing at the last probe and is there now. */
async function cameBack(ctx: AssistantContext, missing: Set<string>): Promise<string[]> {
  const failing = new Set([...ctx.failedPushes.entries().map(([n]) => n), ...ctx.reachability.inState('unreachable')]);
  if (failing.size === 0) return [];
  const back: string[] = [];
  const paths: Array<[string, string | undefined]> = (await readRemoteConfigs(ctx.annex)).map((c) => [c.name, localPathOf(c.url, ctx.annex.workTree ?? ctx.annex.git.repo.gitDir)]);
  for (const [name, s] of await specialRemotes(ctx)) paths.push([name, s.directory]);
  for (const [name, path] of paths) {
    if (!failing.has(name) || !path) continue;
    const present = await stat(path).then(() => true, () => false);
    if (!present) missing.add(name);
    else if (missing.delete(name)) back.push(name);
  }
  // Back: try at once rather than after the back-off.
  for (const name of back) ctx.reachability.returned(name);
  return back;
}
