// The retrier worker: a stop ends it at once, not after the sleep to its next probe.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retrier } from '../../src/assistant/workers/retrier.js';
import type { Clock } from '../../src/util/clock.js';
import { arbor } from '../helpers/arbor.js';
import { assistantContext } from '../helpers/assistant-context.js';
import { makeRepo } from '../helpers/repo.js';

/** A clock whose time stands still: a sleep ends only by its abort; `slept` resolves at the first sleep. */
function frozenClock(): { clock: Clock; slept: Promise<void> } {
  let first: () => void = () => undefined;
  const slept = new Promise<void>((resolve) => (first = resolve));
  const at = Date.UTC(2026, 0, 1);
  const clock: Clock = {
    now: () => at,
    nowNanos: () => BigInt(at) * 1_000_000n,
    sleep: (_ms, signal) =>
      new Promise((_resolve, reject) => {
        first();
        if (signal?.aborted) reject(signal.reason as Error);
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      }),
  };
  return { clock, slept };
}

// Before, the stop waited for the 10 s probe timer (every assistant stop took seconds longer).
test('the retrier returns as soon as the daemon stops, while it sleeps until its next probe', { timeout: 60_000 }, async () => {
  const repo = await makeRepo();
  await arbor(repo, 'init');
  const { ctx: base, close } = await assistantContext(repo);
  const { clock, slept } = frozenClock();
  const ctx = { ...base, clock };
  try {
    const stop = new AbortController();
    const running = retrier.run(ctx, stop.signal);
    await slept;
    stop.abort();
    // With the time frozen, only the stop can end the sleep: this resolves, or the test times out.
    await running;
    assert.ok(stop.signal.aborted);
  } finally {
    await close();
  }
});
