// Runs workers, restarting a crashed one with back-off; only a FatalError stops the daemon.

import { describeError } from '../util/errors.js';
import type { AssistantContext } from './context.js';
import { FatalError, type Worker } from './worker.js';

/**
 * Starts every worker and resolves when all have returned (after `signal` aborts). A worker that
 * throws is logged, shown in status, and restarted after 1 s, 2 s, 4 s … (at most 60 s); a
 * FatalError aborts everything through `onFatal`.
 */
export async function supervise(ctx: AssistantContext, workers: readonly Worker[], signal: AbortSignal, onFatal: (err: FatalError) => void): Promise<void> {
  await Promise.all(
    workers.map(async (worker) => {
      let delay = 1000;
      while (!signal.aborted) {
        try {
          await worker.run(ctx, signal);
          return;
        } catch (err) {
          if (signal.aborted) return;
          if (err instanceof FatalError) {
            ctx.log.error({ worker: worker.name }, `fatal: ${err.message}`);
            onFatal(err);
            return;
          }
          ctx.log.error({ worker: worker.name, err: describeError(err) }, `worker ${worker.name} crashed: ${describeError(err)}; restarting in ${delay / 1000}s`);
          ctx.status.update((s) => {
            const w = (s.workers[worker.name] ??= { restarts: 0 });
            w.restarts++;
            w.lastError = describeError(err);
          });
          await ctx.clock.sleep(delay, signal).catch(() => undefined);
          delay = Math.min(delay * 2, 60_000);
        }
      }
    }),
  );
}
