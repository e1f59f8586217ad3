// The pusher: after each commit or merge, pushes to every remote in parallel through the sync layer.

import { selectRemotes } from '../../sync/sync.js';
import { pushAll, remoteResult, type StepContext } from '../../sync/steps.js';
import type { AssistantContext, FailedPush } from '../context.js';
import type { Worker } from '../worker.js';
import { runHook } from '../hook.js';

/** Back-off for a remote that keeps failing: 1 min, 2, 4 … capped at 8 h (the cron schedule still gates retries). */
export function nextTryAfter(now: number, attempts: number): number {
  return now + Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 8 * 3600_000);
}

/** Pushes to `names` (default all sync remotes) and records results in status and failedPushes. */
export async function pushRemotes(ctx: AssistantContext, names?: readonly string[]): Promise<boolean> {
  const remotes = (await selectRemotes(ctx.annex)).filter((r) => !names || names.includes(r.name));
  const results = remotes.map((r) => remoteResult(r.name));
  const step: StepContext = {
    annex: ctx.annex,
    branch: ctx.branch,
    merges: [],
    report: (e) => ctx.log.warn({ worker: 'pusher' }, e.message),
    // A retry's merge found uncommitted changes in the way: commit them (the commit pushes again).
    onLocalChanges: () => ctx.rescan.notify(),
  };
  await pushAll(step, results);
  const now = ctx.clock.now();
  for (const r of results) {
    if (r.pushed) {
      ctx.failedPushes.delete(r.remote);
      ctx.status.update(() => {
        const rs = ctx.status.remote(r.remote);
        rs.lastSync = now;
        rs.attempts = 0;
        delete rs.failingSince;
      });
    } else {
      const prev = ctx.failedPushes.get(r.remote);
      const attempts = (prev?.attempts ?? 0) + 1;
      const entry: FailedPush = { since: prev?.since ?? now, attempts, nextTry: nextTryAfter(now, attempts) };
      ctx.failedPushes.set(r.remote, entry);
      ctx.status.update(() => {
        const rs = ctx.status.remote(r.remote);
        rs.lastFailure = { time: now, error: r.errors.join('; ') || 'push failed' };
        rs.failingSince = entry.since;
        rs.attempts = attempts;
      });
    }
  }
  if (step.merges.length) ctx.transfers.push(''); // a retry merged peers' work: let content follow
  return results.every((r) => r.pushed);
}

/**
 * Waits on `commits` (blocks), then pushes to every remote in parallel. Commits that arrive while
 * a push runs are pushed by the next round (the signal is not lost). After each round that moved
 * HEAD, runs the user's hook with what changed.
 */
export const pusher: Worker = {
  name: 'pusher',
  run: async (ctx, signal) => {
    let lastHead = await ctx.annex.git.revParse('HEAD');
    while (!signal.aborted) {
      try {
        await ctx.commits.wait(signal);
      } catch {
        break;
      }
      await pushRemotes(ctx);
      const head = await ctx.annex.git.revParse('HEAD');
      if (ctx.settings.hook && head && head !== lastHead) await runHook(ctx, lastHead, head);
      lastHead = head;
    }
  },
};
