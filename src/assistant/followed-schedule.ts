// A cron schedule taken from the settings that follows them: a live change of the expression re-arms it without a restart.

import cron from 'node-cron';
import type { AssistantContext } from './context.js';
import type { AssistantSettings } from './settings.js';

/**
 * Runs `tick` on the cron expression `pick(ctx.settings)` until `signal` aborts. When the
 * settings change (ctx.settingsChanged) and the expression with them, the old task is stopped and
 * one on the new expression started, logging one line; the settings store has validated the
 * expression already. Resolves once the task is stopped.
 */
export async function runFollowedSchedule(options: {
  readonly ctx: Pick<AssistantContext, 'settings' | 'settingsChanged' | 'log'>;
  readonly worker: string;
  readonly what: string;
  readonly pick: (s: AssistantSettings) => string;
  readonly tick: () => void;
  readonly signal: AbortSignal;
}): Promise<void> {
  const { ctx, pick, tick, signal } = options;
  let expr = pick(ctx.settings);
  let task = cron.schedule(expr, tick);
  try {
    while (!signal.aborted) {
      await ctx.settingsChanged.wait(signal).catch(() => undefined);
      if (signal.aborted) break;
      const next = pick(ctx.settings);
      if (next === expr) continue;
      await task.stop();
      task = cron.schedule(next, tick);
      ctx.log.info({ worker: options.worker }, `${options.what} schedule is now "${next}" (was "${expr}")`);
      expr = next;
    }
  } finally {
    await task.stop();
  }
}
