// The merger: notices refs peers push into this repository and scheduled fetches, merges, and passes the result on.

import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../util/errors.js';
import { selectRemotes } from '../../sync/sync.js';
import { fetchAndMerge, mergeLocal } from '../remote-work.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';
import { runFollowedSchedule } from '../followed-schedule.js';

/** Files whose change means a peer pushed to us: loose synced refs, and packed-refs. */
function interesting(filename: string): boolean {
  return filename.startsWith('heads/synced/') || filename.startsWith('synced/') || filename.endsWith('git-annex');
}

/**
 * Watches .git/refs (and packed-refs, with a light stat poll as a fallback for filesystems where
 * inotify is unreliable). A change of synced/<branch> or a git-annex ref, a scheduled fetch
 * (arbor.assistant.fetch, for remotes that cannot push to us), or a retry asks for a merge. The
 * merger fetches the named remotes, each in its own lane (never waiting on another remote),
 * merges, union-merges git-annex branches, and if HEAD moved tells the pusher (so a change made
 * on A reaches C through B) and the transferrer.
 */
export const merger: Worker = {
  name: 'merger',
  run: async (ctx, signal) => {
    const gitDir = ctx.annex.git.repo.gitDir;
    const watchers: FSWatcher[] = [];
    const poke = (): void => ctx.remotesChanged.push('');
    try {
      watchers.push(watch(join(gitDir, 'refs'), { recursive: true }, (_e, f) => f && interesting(String(f)) && poke()));
      watchers.push(watch(gitDir, (_e, f) => f === 'packed-refs' && poke()));
    } catch (err) {
      ctx.log.warn({ worker: 'merger' }, `cannot watch refs (${describeError(err)}); polling instead`);
    }
    for (const w of watchers) w.on('error', () => undefined);
    // Its own signal: a crash of this worker must stop the schedule too, not only a daemon stop.
    const scheduleStop = new AbortController();
    signal.addEventListener('abort', () => scheduleStop.abort(), { once: true });
    const fetchTask = runFollowedSchedule({
      ctx,
      worker: 'merger',
      what: 'fetch',
      pick: (s) => s.fetchSchedule,
      signal: scheduleStop.signal,
      tick: () =>
        void (async () => {
          // Unreachable remotes wait for their back-off (the retrier asks for them when due); away ones for their drive.
          for (const r of await selectRemotes(ctx.annex).catch(() => [])) if (!ctx.reachability.waiting(r.name)) ctx.remotesChanged.push(r.name);
        })(),
    });
    // Fallback poll: stat the synced refs every 5 s (no spawn, negligible CPU).
    const poll = (async () => {
      let last = '';
      while (!signal.aborted) {
        await ctx.clock.sleep(5000, signal).catch(() => undefined);
        const files = [`refs/heads/synced/${ctx.branch}`, 'refs/heads/synced/git-annex', 'packed-refs'];
        const stamp = (await Promise.all(files.map((f) => stat(join(gitDir, f)).then((s) => `${s.mtimeMs}:${s.size}`, () => '-')))).join('|');
        if (last && stamp !== last) poke();
        last = stamp;
      }
    })();
    // Startup: take in whatever peers pushed while we were not running, and reconnect to every remote.
    ctx.remotesChanged.push('', ...(await selectRemotes(ctx.annex)).map((r) => r.name));
    let blockedRounds = 0;
    const rounds = new Set<Promise<void>>();
    try {
      while (!signal.aborted) {
        let names: string[];
        try {
          names = await ctx.remotesChanged.takeAll(signal);
          await ctx.clock.sleep(50, signal); // let a burst of ref updates land
          names.push(...ctx.remotesChanged.drain());
        } catch {
          break;
        }
        const unique = [...new Set(names)];
        // Not awaited: each remote's fetch runs in its own lane, so the next request (another
        // remote's push into us, a scheduled fetch) is taken while a remote that does not answer
        // waits out its time-out.
        const round: Promise<void> = mergeRound(ctx, unique, signal).then((ok) => {
          if (ok) {
            blockedRounds = 0;
            return;
          }
          // Uncommitted changes were in the way: the committer has been asked to commit them; merge
          // again once it had the time (backing off, in case something it cannot commit is in the way).
          const wait = Math.min(1000 * 2 ** blockedRounds++, 60_000);
          void ctx.clock.sleep(wait, signal).then(() => ctx.remotesChanged.push(...unique), () => undefined);
        }, (err: unknown) => ctx.log.warn({ worker: 'merger' }, `merge round failed: ${describeError(err)}`));
        rounds.add(round);
        void round.finally(() => rounds.delete(round));
      }
    } finally {
      for (const w of watchers) w.close();
      scheduleStop.abort();
      await fetchTask;
      await poll.catch(() => undefined);
      await Promise.all(rounds); // the stop signal has ended their network operations
    }
  },
};

/**
 * One round: merge own synced refs and the git-annex branches, and fetch+merge each named remote
 * in its lane (a remote that is away or waiting out its back-off is skipped). Resolves when all
 * are done. A merge refused because uncommitted changes are in the way (a write the watcher has
 * not reported yet, or one it missed) asks the committer for a rescan; returns false then, so the
 * round is tried again after that commit.
 */
export async function mergeRound(ctx: AssistantContext, names: readonly string[], signal?: AbortSignal): Promise<boolean> {
  const done = await Promise.all([mergeLocal(ctx), ...names.filter(Boolean).map((name) => fetchAndMerge(ctx, name, signal))]);
  return done.every(Boolean);
}
