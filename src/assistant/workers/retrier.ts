// The push retrier: failed pushes are retried on a cron schedule, with back-off, and at once when a remote returns.

import { stat } from 'node:fs/promises';
import cron from 'node-cron';
import { readRemoteConfigs } from '../../remotes/index.js';
import { localPathOf } from '../../remotes/git-local.js';
import type { Worker } from '../worker.js';
import { pushRemotes } from './pusher.js';

/**
 * Every tick of arbor.assistant.retry (default every 30 minutes) retries the remotes in
 * failedPushes whose back-off has passed (ticks skipped double with each failure, up to 16). A
 * light probe every 10 s notices a local remote (drive, mount) coming back and retries it at once.
 */
export const retrier: Worker = {
  name: 'retrier',
  run: async (ctx, signal) => {
    const skipped = new Map<string, number>();
    const retry = async (names: string[]): Promise<void> => {
      if (names.length === 0) return;
      ctx.log.info({ worker: 'retrier' }, `retrying push to ${names.join(', ')}`);
      ctx.remotesChanged.push(...names); // fetch and merge first, then push
      await pushRemotes(ctx, names);
    };
    const task = cron.schedule(ctx.settings.retrySchedule, async () => {
      const due: string[] = [];
      for (const [name, failed] of ctx.failedPushes.entries()) {
        const waited = (skipped.get(name) ?? 0) + 1;
        if (waited >= Math.min(2 ** Math.max(0, failed.attempts - 2), 16)) {
          due.push(name);
          skipped.set(name, 0);
        } else {
          skipped.set(name, waited);
        }
      }
      await retry(due).catch(() => undefined);
    });
    const missing = new Set<string>();
    try {
      while (!signal.aborted) {
        await ctx.clock.sleep(10_000, signal).catch(() => undefined);
        if (signal.aborted) break;
        const failing = new Set(ctx.failedPushes.entries().map(([n]) => n));
        if (failing.size === 0) continue;
        const back: string[] = [];
        for (const config of await readRemoteConfigs(ctx.annex)) {
          if (!failing.has(config.name)) continue;
          const path = localPathOf(config.url, ctx.annex.workTree ?? ctx.annex.git.repo.gitDir);
          if (!path) continue;
          const present = await stat(path).then(() => true, () => false);
          if (!present) missing.add(config.name);
          else if (missing.delete(config.name)) back.push(config.name);
        }
        await retry(back).catch(() => undefined);
      }
    } finally {
      await task.stop();
    }
  },
};
