// The committer: waits until changes settle, then commits them (large files to the annex, unlocked).

import { describeError } from '../../util/errors.js';
import { commitWorkTree, type CommitOutcome } from '../../sync/commit.js';
import { serialised } from '../../sync/steps.js';
import { ChangeAggregator, type AggregatorOptions } from '../batching/change-aggregator.js';
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
 */
export const committer: Worker = {
  name: 'committer',
  run: async (ctx, signal) => {
    const batching = (): AggregatorOptions => ({ quietMs: ctx.settings.quietMs, maxDelayMs: ctx.settings.maxDelayMs, maxBatch: ctx.settings.maxBatch });
    const aggregator = new ChangeAggregator(batching());
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
      const timeout = nextCheck === undefined ? undefined : Math.max(0, nextCheck - ctx.clock.now());
      const local = new AbortController();
      const onAbort = (): void => local.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) waits.push(ctx.clock.sleep(timeout, local.signal).catch(() => undefined));
      const first = await Promise.race(waits).catch(() => undefined);
      local.abort();
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) break;
      if (first === 'rescan') {
        // What is pending now is covered by the whole-tree commit; changes arriving while it
        // runs stay pending (it may not see them), so clear before committing, never after.
        aggregator.add(ctx.changes.drain());
        aggregator.takeAll();
        try {
          await commitAndSignal(ctx, undefined);
        } catch (err) {
          ctx.log.warn({ worker: 'committer' }, `rescan commit failed: ${describeError(err)}`);
        }
        ctx.status.update((s) => {
          s.scanning = false;
        });
      }
      for (;;) {
        const { ready, nextCheckAt } = aggregator.poll(ctx.clock.now());
        nextCheck = nextCheckAt;
        ctx.status.update((s) => {
          s.pendingChanges = aggregator.pending;
        });
        if (!ready || ready.length === 0) break;
        try {
          await commitAndSignal(ctx, ready);
        } catch (err) {
          // Keep the paths: the next rescan (or the next change) picks them up again.
          ctx.log.warn({ worker: 'committer' }, `commit failed: ${describeError(err)}`);
          ctx.rescan.notify();
          break;
        }
      }
    }
    // Shutting down: finish what is pending so nothing the user wrote waits for the next start.
    const rest = aggregator.takeAll();
    if (rest.length) await commitAndSignal(ctx, rest).catch(() => undefined);
  },
};
