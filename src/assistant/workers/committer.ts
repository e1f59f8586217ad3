// The committer: waits until changes settle, then commits them (large files to the annex, unlocked).

import { describeError } from '../../util/errors.js';
import { commitWorkTree, type CommitOutcome } from '../../sync/commit.js';
import { serialised } from '../../sync/steps.js';
import { ChangeAggregator, type AggregatorOptions } from '../batching/change-aggregator.js';
import { RetryList, retryDelay } from '../batching/retry-list.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';

/** Commits once and tells the pusher and the transferrer. Shared by the batch and rescan paths. */
async function commitAndSignal(ctx: AssistantContext, paths: readonly string[] | undefined): Promise<CommitOutcome> {
  const outcome = await serialised(() =>
    commitWorkTree(ctx.annex, { ...(paths ? { paths } : {}), unlocked: ctx.settings.unlocked }),
  );
  if (outcome.committed) {
    ctx.log.info({ worker: 'committer' }, `committed ${outcome.files} file(s)${outcome.commit ? ` as ${outcome.commit.slice(0, 10)}` : ''}`);
    ctx.status.update((s) => {
      s.lastCommit = { time: ctx.clock.now(), sha: outcome.commit ?? '', files: outcome.files };
    });
    ctx.commits.notify();
    if (ctx.settings.content && outcome.annexed.length) ctx.transfers.push(...outcome.annexed);
  }
  return outcome;
}

/**
 * Waits on `changes` (blocks), feeds them to the aggregator, and commits a batch when it has
 * settled (quiet period), when the oldest change is too old (steady writes), or when the batch is
 * full. A rescan request commits the whole work tree at once (git's index and stat cache find
 * what changed; nothing is re-hashed that git already knows). Events caused by arbor's own merges
 * find nothing to stage, so they never produce commits (no loops).
 *
 * Nothing is given up: a file that cannot be added goes to the "could not add" list (log, status)
 * and is tried again on its own back-off while the others are committed; a scan or batch that
 * fails as a whole (a merge in progress, a lock held by the user's git) is followed by a
 * whole-tree scan retried with back-off until it succeeds. Until then its paths count as pending.
 */
export const committer: Worker = {
  name: 'committer',
  run: async (ctx, signal) => {
    const batching = (): AggregatorOptions => ({ quietMs: ctx.settings.quietMs, maxDelayMs: ctx.settings.maxDelayMs, maxBatch: ctx.settings.maxBatch });
    const aggregator = new ChangeAggregator(batching());
    const retries = new RetryList();
    /** A whole-tree scan is owed (startup, or after a failure): when to run it. */
    let scanDue: number | undefined;
    let scanAttempts = 0;
    /** Paths of failed batches: counted as pending until a scan has committed them. */
    let lostBatch = 0;
    const showPending = (): void =>
      ctx.status.update((s) => {
        s.pendingChanges = aggregator.pending + retries.size + lostBatch;
        s.couldNotAdd = retries.list().map((e) => ({ path: e.path, reason: e.reason, attempts: e.attempts, nextTry: e.nextTry }));
      });
    /** Commits `paths` (undefined: the whole tree) and files what could not be added. Throws when the commit failed as a whole. */
    const commitPaths = async (paths: readonly string[] | undefined): Promise<void> => {
      const outcome = await commitAndSignal(ctx, paths);
      const now = ctx.clock.now();
      for (const f of outcome.failed) {
        const e = retries.fail(f.path, f.reason, now);
        ctx.log.warn({ worker: 'committer', file: f.path }, `could not add ${JSON.stringify(f.path)}: ${f.reason}; trying again in ${Math.round((e.nextTry - now) / 1000)} s (attempt ${e.attempts})`);
      }
      retries.settled(paths, new Set(outcome.failed.map((f) => f.path)));
    };
    const scanFailed = (what: string, err: unknown): void => {
      scanAttempts++;
      scanDue = ctx.clock.now() + retryDelay(scanAttempts);
      const reason = describeError(err);
      ctx.log.warn({ worker: 'committer' }, `${what} failed: ${reason}; scanning the whole tree again in ${Math.round(retryDelay(scanAttempts) / 1000)} s`);
      ctx.status.update((s) => {
        s.scanError = reason;
      });
    };
    const scan = async (): Promise<void> => {
      // What is pending now is covered by the whole-tree commit; changes arriving while it
      // runs stay pending (it may not see them), so clear before committing, never after.
      aggregator.add(ctx.changes.drain());
      const covered = aggregator.takeAll().length;
      try {
        await commitPaths(undefined);
        scanDue = undefined;
        scanAttempts = 0;
        lostBatch = 0;
        ctx.status.update((s) => {
          s.scanning = false;
          delete s.scanError;
        });
      } catch (err) {
        lostBatch += covered;
        scanFailed('scan', err);
      }
    };
    let nextCheck: number | undefined;
    // Invariant: at most one outstanding wait on each channel, reused across loop turns.
    let changesWait: Promise<string> | undefined;
    let rescanWait: Promise<string> | undefined;
    let settingsWait: Promise<string> | undefined;
    while (!signal.aborted) {
      // Settings are live (arbor.assistant.quietms / maxdelayms / maxbatch): follow a change at every turn.
      const wanted = batching();
      const had = aggregator.options;
      if (wanted.quietMs !== had.quietMs || wanted.maxDelayMs !== had.maxDelayMs || wanted.maxBatch !== had.maxBatch) {
        aggregator.setOptions(wanted);
        if (aggregator.pending) nextCheck = ctx.clock.now(); // judge what is pending by the new values now
        ctx.log.info({ worker: 'committer' }, `batching now: quiet ${wanted.quietMs} ms, at most ${wanted.maxDelayMs} ms, ${wanted.maxBatch} files per commit`);
      }
      changesWait ??= ctx.changes.takeAll(signal).then((c) => {
        aggregator.add(c);
        changesWait = undefined;
        return 'changes';
      });
      rescanWait ??= ctx.rescan.wait(signal).then(() => {
        rescanWait = undefined;
        return 'rescan';
      });
      settingsWait ??= ctx.settingsChanged.wait(signal).then(() => {
        settingsWait = undefined;
        return 'settings';
      });
      const waits: Array<Promise<unknown>> = [changesWait, rescanWait, settingsWait];
      const at = [nextCheck, retries.nextAt(), scanDue].filter((t): t is number => t !== undefined);
      const timeout = at.length ? Math.max(0, Math.min(...at) - ctx.clock.now()) : undefined;
      const local = new AbortController();
      const onAbort = (): void => local.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) waits.push(ctx.clock.sleep(timeout, local.signal).catch(() => undefined));
      const first = await Promise.race(waits).catch(() => undefined);
      local.abort();
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) break;
      if (first === 'rescan' || (scanDue !== undefined && scanDue <= ctx.clock.now())) await scan();
      const due = retries.due(ctx.clock.now());
      if (due.length) {
        try {
          await commitPaths(due);
        } catch (err) {
          const reason = describeError(err);
          for (const path of due) retries.fail(path, reason, ctx.clock.now());
          ctx.log.warn({ worker: 'committer' }, `trying ${due.length} file(s) again failed: ${reason}; they stay in the could-not-add list`);
        }
      }
      for (;;) {
        const { ready, nextCheckAt } = aggregator.poll(ctx.clock.now());
        nextCheck = nextCheckAt;
        showPending();
        if (!ready || ready.length === 0) break;
        try {
          await commitPaths(ready);
        } catch (err) {
          // Keep the paths counted: the whole-tree scan (retried until it succeeds) commits them.
          lostBatch += ready.length;
          scanFailed('commit', err);
          break;
        }
      }
      showPending();
    }
    // Shutting down: finish what is pending so nothing the user wrote waits for the next start.
    const rest = aggregator.takeAll();
    const owed = scanDue !== undefined || lostBatch > 0;
    const paths = owed ? undefined : [...rest, ...retries.list().map((e) => e.path)];
    if (paths === undefined || paths.length) {
      await commitPaths(paths).catch((err: unknown) => ctx.log.warn({ worker: 'committer' }, `the last commit before stopping failed: ${describeError(err)}`));
    }
    showPending();
  },
};
