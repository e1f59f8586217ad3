// The watchdog: looks at the daemon's status now and then and reports work that has waited longer than it should, with the reason.

import { readTransferControl, transferControlPath } from '../../transfers/control.js';
import { formatLocalShort } from '../../util/local-time.js';
import { findStalls, type StallMemory } from '../stall-check.js';
import type { Worker } from '../worker.js';

/** The longest time between two looks (ms); shorter when the stall limit is short. */
const MAX_LOOK_MS = 30_000;

/**
 * Every quarter of the stall limit (at most every 30 s) the watchdog judges the status with
 * `findStalls` and raises each stall as a problem (log line, notification, status), clearing it
 * once the work went through. It is an observer: it never does the work itself, so a stalled
 * worker cannot stall it. A timer, not a poll for work: the status is already in memory.
 */
export const watchdog: Worker = {
  name: 'watchdog',
  run: async (ctx, signal) => {
    const controlFile = transferControlPath(ctx.annex.git.repo.gitDir);
    const raised = new Set<string>();
    let memory: StallMemory = {};
    try {
      while (!signal.aborted) {
        const limitMs = ctx.settings.stallMs;
        await ctx.clock.sleep(Math.min(MAX_LOOK_MS, Math.max(250, limitMs / 4)), signal).catch(() => undefined);
        if (signal.aborted) break;
        const now = ctx.clock.now();
        const paused = await readTransferControl(controlFile).then((c) => c.paused, () => false);
        const found = findStalls({ snapshot: ctx.status.snapshot, now, limitMs, transfersPaused: paused, memory, format: (t) => formatLocalShort(now, t) });
        memory = found.memory;
        const current = new Set(found.stalls.map((s) => s.id));
        for (const s of found.stalls) ctx.problems.raise(s.id, s.message);
        for (const id of raised) if (!current.has(id)) ctx.problems.clear(id);
        raised.clear();
        for (const id of current) raised.add(id);
      }
    } finally {
      // A crash: the restarted watchdog judges afresh and would not know to clear these. A stop
      // leaves them as they are, so the status the daemon leaves behind still shows them.
      if (!signal.aborted) for (const id of raised) ctx.problems.clear(id);
    }
  },
};
