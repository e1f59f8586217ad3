// Token buckets with a fake clock: the limit is never exceeded, limits combine to the stricter one, schedules switch rates.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { acquire, scheduledRateSource, TokenBucket, type RateLimiter } from '../../src/transfers/rate-limit.js';
import { parseSchedule } from '../../src/transfers/rate-schedule.js';
import { ManualClock } from './manual-clock.js';

const MIB = 1 << 20;

/** Sends `chunks` chunks of `size` through the limiters; returns the clock time after each was let through. */
async function send(clock: ManualClock, limiters: RateLimiter[], chunks: number, size = MIB, workMs = 0): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < chunks; i++) {
    await acquire(limiters, size, { clock });
    times.push(clock.now());
    clock.advance(workMs);
  }
  return times;
}

/** Runs concurrent senders on a manual clock, stepping time to each next wake-up until all are done. */
async function concurrently(clock: ManualClock, runs: Array<Promise<unknown>>): Promise<void> {
  let done = false;
  const all = Promise.all(runs).then(() => (done = true));
  while (!done) {
    if (!(await clock.next())) await new Promise<void>((r) => setImmediate(r));
  }
  await all;
}

test('a bucket lets bytes through at its rate and never ahead of it', async () => {
  const clock = new ManualClock({ auto: true });
  const t0 = clock.now();
  const times = await send(clock, [new TokenBucket({ rate: MIB, burstMs: 0 })], 10);
  times.forEach((t, i) => assert.ok((i + 1) * MIB <= (MIB * (t - t0)) / 1000, `chunk ${i + 1} went out at ${t - t0} ms, ahead of the rate`));
  assert.equal(times.at(-1)! - t0, 10_000, '10 MiB at 1 MiB/s take 10 s');
});

test('burstMs lets an idle bucket run ahead by that much, and no more', async () => {
  const clock = new ManualClock({ auto: true });
  const bucket = new TokenBucket({ rate: MIB, burstMs: 2000 });
  const t0 = clock.now();
  const times = await send(clock, [bucket], 4);
  assert.deepEqual(times.map((t) => t - t0), [0, 0, 1000, 2000]);
  clock.advance(60_000); // idle for a minute: the credit does not grow past the burst
  const t1 = clock.now();
  assert.deepEqual((await send(clock, [bucket], 3)).map((t) => t - t1), [0, 0, 1000]);
});

test('a global and a per-remote limit combine to the stricter one, not to the sum of their waits', async () => {
  let clock = new ManualClock({ auto: true });
  let t0 = clock.now();
  let times = await send(clock, [new TokenBucket({ rate: MIB, burstMs: 0 }), new TokenBucket({ rate: MIB, burstMs: 0 })], 5);
  assert.equal(times.at(-1)! - t0, 5000);
  clock = new ManualClock({ auto: true });
  t0 = clock.now();
  times = await send(clock, [new TokenBucket({ rate: MIB, burstMs: 0 }), new TokenBucket({ rate: MIB / 2, burstMs: 0 })], 5);
  assert.equal(times.at(-1)! - t0, 10_000, 'the 512 KiB/s remote limit governs');
});

test('concurrent transfers share a global bucket: together they keep to its rate', async () => {
  const clock = new ManualClock();
  const global = new TokenBucket({ rate: MIB, burstMs: 0 });
  const slow = new TokenBucket({ rate: MIB / 4, burstMs: 0 });
  const t0 = clock.now();
  const a: number[] = [];
  const b: number[] = [];
  const run = async (limiters: RateLimiter[], out: number[], n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await acquire(limiters, MIB, { clock });
      out.push(clock.now() - t0);
    }
  };
  await concurrently(clock, [run([global], a, 6), run([global], b, 6)]);
  const all = [...a, ...b].sort((x, y) => x - y);
  all.forEach((t, i) => assert.ok((i + 1) * 1000 <= t, `${i + 1} MiB out by ${t} ms`));
  assert.equal(all.at(-1), 12_000);
  assert.ok(Math.abs(a.at(-1)! - b.at(-1)!) <= 1000, 'both progress (first come, first served), neither starves');
  // A per-remote limit slows only its own transfer; the other one takes the rest of the global rate.
  const c: number[] = [];
  const d: number[] = [];
  const t1 = clock.now();
  await concurrently(clock, [run([global, slow], c, 2), run([global], d, 6)]);
  assert.ok(c.at(-1)! - (t1 - t0) >= 8000, 'the limited remote keeps to 256 KiB/s');
  assert.ok(d.at(-1)! - (t1 - t0) <= 8000, 'the unlimited remote is not held to it');
});

test('a schedule switches the rate: unlimited at night, limited from 07:00', async () => {
  const start = new Date(2024, 0, 15, 6, 59, 58).getTime();
  const clock = new ManualClock({ start, auto: true });
  const rate = scheduledRateSource({ base: MIB, schedule: parseSchedule('00:00-07:00 unlimited'), clock });
  const bucket = new TokenBucket({ rate, burstMs: 0 });
  const times = await send(clock, [bucket], 6, MIB, 500);
  // Four chunks before 07:00 go out without waiting (0.5 s of work each); from 07:00 each MiB
  // waits its full second after the previous one was let through (work time earns no credit).
  assert.deepEqual(times.map((t) => t - start), [0, 500, 1000, 1500, 3000, 4500]);
  assert.equal(clock.slept.filter((ms) => ms > 0).length, 2);
});

test('by default a bucket credits the few milliseconds of work between chunks, and no more', async () => {
  const clock = new ManualClock({ auto: true });
  const t0 = clock.now();
  const times = await send(clock, [new TokenBucket({ rate: MIB })], 10, MIB, 5);
  assert.deepEqual(times.map((t) => t - t0), [980, 1980, 2980, 3980, 4980, 5980, 6980, 7980, 8980, 9980], 'one steady second per MiB despite 5 ms of work each');
  times.forEach((t, i) => assert.ok((i + 1) * 1000 <= t - t0 + 20, 'never more than the 20 ms burst ahead'));
});

test('unlimited buckets never sleep', async () => {
  const clock = new ManualClock({ auto: true });
  await send(clock, [new TokenBucket({ rate: Infinity })], 100);
  await send(clock, [], 100);
  assert.deepEqual(clock.slept, []);
});

test('a transfer stopped while waiting gives its reservation back', async () => {
  const clock = new ManualClock();
  const bucket = new TokenBucket({ rate: MIB, burstMs: 0 });
  const ac = new AbortController();
  const t0 = clock.now();
  const waiting = acquire([bucket], 10 * MIB, { clock, signal: ac.signal });
  ac.abort(new Error('stopped'));
  await assert.rejects(waiting, /stopped/);
  const next = acquire([bucket], MIB, { clock });
  await clock.next();
  await next;
  assert.equal(clock.now() - t0, 1000, 'the next transfer does not wait for the 10 MiB never sent');
});
