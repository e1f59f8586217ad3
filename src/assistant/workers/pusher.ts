// The pusher: after each commit or merge, pushes to every remote, each in its own lane, through the sync layer.

import type { Worker } from '../worker.js';
import { runHook } from '../hook.js';
import { pushRemotes } from '../remote-work.js';

/**
 * Waits on `commits` (blocks), then pushes to every remote, each in its own lane (a remote that
 * does not answer delays only itself; one that is away or waiting out its back-off is skipped and
 * left to the retrier). Commits that arrive while a push runs are pushed by the next round (the
 * signal is not lost; a push already waiting in a lane takes them). After each round that moved
 * HEAD, runs the user's hook with what changed, one hook at a time.
 */
export const pusher: Worker = {
  name: 'pusher',
  run: async (ctx, signal) => {
    let lastHead = await ctx.annex.git.revParse('HEAD');
    let hooks: Promise<void> = Promise.resolve();
    while (!signal.aborted) {
      try {
        await ctx.commits.wait(signal);
      } catch {
        break;
      }
      const round = pushRemotes(ctx, undefined, signal).catch(() => false);
      hooks = hooks.then(async () => {
        await round;
        const head = await ctx.annex.git.revParse('HEAD');
        if (ctx.settings.hook && head && head !== lastHead) await runHook(ctx, lastHead, head);
        lastHead = head;
      }).catch(() => undefined);
    }
    await hooks;
  },
};
