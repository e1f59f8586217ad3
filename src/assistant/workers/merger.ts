// The merger: notices refs peers push into this repository and scheduled fetches, merges, and passes the result on.

import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import cron from 'node-cron';
import { describeError } from '../../util/errors.js';
import { selectRemotes } from '../../sync/sync.js';
import { fetchRemote, mergeAnnexBranches, mergeOwnSynced, mergeRemote, remoteResult, type StepContext } from '../../sync/steps.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';

/** Files whose change means a peer pushed to us: loose synced refs, and packed-refs. */
function interesting(filename: string): boolean {
  return filename.startsWith('heads/synced/') || filename.startsWith('synced/') || filename.endsWith('git-annex');
}

/**
 * Watches .git/refs (and packed-refs, with a light stat poll as a fallback for filesystems where
 * inotify is unreliable). A change of synced/<branch> or a git-annex ref, a scheduled fetch
 * (arbor.assistant.fetch, for remotes that cannot push to us), or a retry asks for a merge. The
 * merger fetches the named remotes, merges, union-merges git-annex branches, and if HEAD moved
 * tells the pusher (so a change made on A reaches C through B) and the transferrer.
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
    const fetchTask = cron.schedule(ctx.settings.fetchSchedule, async () => {
      for (const r of await selectRemotes(ctx.annex).catch(() => [])) ctx.remotesChanged.push(r.name);
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
        if (await mergeRound(ctx, unique)) {
          blockedRounds = 0;
          continue;
        }
        // Uncommitted changes were in the way: the committer has been asked to commit them; merge
        // again once it had the time (backing off, in case something it cannot commit is in the way).
        const wait = Math.min(1000 * 2 ** blockedRounds++, 60_000);
        void ctx.clock.sleep(wait, signal).then(() => ctx.remotesChanged.push(...unique), () => undefined);
      }
    } finally {
      for (const w of watchers) w.close();
      await fetchTask.stop();
      await poll.catch(() => undefined);
    }
  },
};

/**
 * One round: merge own synced refs, fetch+merge named remotes, union-merge git-annex branches.
 * A merge refused because uncommitted changes are in the way (a write the watcher has not
 * reported yet, or one it missed) asks the committer for a rescan; returns false then, so the
 * round is tried again after that commit.
 */
export async function mergeRound(ctx: AssistantContext, names: readonly string[]): Promise<boolean> {
  const before = await ctx.annex.git.revParse('HEAD');
  const annexBefore = await ctx.annex.branch.head();
  let blocked = false;
  const step: StepContext = {
    annex: ctx.annex,
    branch: ctx.branch,
    merges: [],
    report: (e) => ctx.log.warn({ worker: 'merger' }, e.message),
    onLocalChanges: () => {
      blocked = true;
      ctx.rescan.notify();
    },
  };
  try {
    await mergeOwnSynced(step);
    for (const name of names) {
      if (!name) continue;
      const result = remoteResult(name);
      if (await fetchRemote(step, result)) {
        await mergeRemote(step, name);
        if (ctx.failedPushes.get(name)) ctx.commits.notify(); // reachable again: retry the push now
      }
    }
    await mergeAnnexBranches(step);
  } catch (err) {
    ctx.log.warn({ worker: 'merger' }, `merge round failed: ${describeError(err)}`);
  }
  const after = await ctx.annex.git.revParse('HEAD');
  const annexAfter = await ctx.annex.branch.head();
  if (after !== before) {
    ctx.log.info({ worker: 'merger' }, `merged peers' changes (${step.merges.map((m) => m.ref).join(', ')})`);
    if (ctx.settings.content && after) {
      const changed = before ? await ctx.annex.git.run(['diff', '--name-only', '-z', '--no-renames', '--diff-filter=AMT', before, after]).catch(() => '') : '';
      const paths = changed.split('\0').filter(Boolean);
      ctx.transfers.push(...(before ? paths : ['']));
    }
  }
  if (after !== before || annexAfter !== annexBefore) ctx.commits.notify();
  return !blocked;
}
