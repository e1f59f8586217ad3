// Rate limiting of transferred bytes: token buckets (global, per remote, by schedule) and the wait they impose.
//
// Each bucket is kept in the "theoretical arrival time" form of a token bucket (GCRA): `#tat`
// is the moment by which everything reserved so far would have gone out at the bucket's rate.
// A reservation of n bytes moves it on by n/rate and may go out `burstMs` before it, so over
// any interval starting when the bucket was idle at most rate × (interval + burst) bytes go out:
// the limit is never exceeded, only undershot. Reservations are made in every bucket that
// applies at once and the caller waits for the latest, so a global and a per-remote limit
// combine to the stricter of the two instead of adding their waits.

import type { Clock } from '../util/clock.js';
import type { Rate, RateSchedule } from './rate-schedule.js';
import { localMinuteOfDay, scheduledRate } from './rate-schedule.js';

/** How far ahead of its rate a bucket lets a sender run by default (ms). */
export const DEFAULT_BURST_MS = 20;

/** Something that hands out permission to send bytes. */
export interface RateLimiter {
  /**
   * Reserves `bytes` at time `now` (ms) and returns the earliest time they may be sent (≤ now
   * when at once). Pure bookkeeping: the caller does the waiting.
   */
  reserve(bytes: number, now: number): number;
  /** Gives back a reservation that will not be used (a transfer stopped while waiting). */
  release(bytes: number, now: number): void;
}

/** A token bucket whose rate is read at every reservation (so it can follow a schedule). */
export class TokenBucket implements RateLimiter {
  /** Bytes per second now; Infinity turns the bucket off. */
  readonly #rate: () => Rate;
  readonly #burstMs: number;
  /** When everything reserved so far has gone out at the bucket's rate (ms); -Infinity when idle from the start. */
  #tat = -Infinity;

  /**
   * `burstMs`: how far ahead of the steady rate a sender may run after an idle spell. The default,
   * 20 ms, is about the time a chunk takes to read, hash and write: without it the time spent
   * working between two chunks would be lost to the rate (a sender never catches up), with much
   * more a short transfer would run over the limit.
   */
  constructor(options: { rate: Rate | (() => Rate); burstMs?: number }) {
    const { rate } = options;
    this.#rate = typeof rate === 'function' ? rate : () => rate;
    this.#burstMs = options.burstMs ?? DEFAULT_BURST_MS;
  }

  reserve(bytes: number, now: number): number {
    const rate = this.#rate();
    if (!(rate > 0) || rate === Infinity) {
      this.#tat = now; // unlimited time does not count against a later limit
      return now;
    }
    this.#tat = Math.max(this.#tat, now) + (bytes * 1000) / rate;
    return this.#tat - this.#burstMs;
  }

  release(bytes: number, now: number): void {
    const rate = this.#rate();
    if (!(rate > 0) || rate === Infinity) return;
    this.#tat = Math.max(now, this.#tat - (bytes * 1000) / rate);
  }
}

/**
 * A rate that follows a time-of-day schedule: the schedule's window rate where one applies,
 * else `base` (Infinity for none). Local time, read from the injected clock.
 */
export function scheduledRateSource(options: {
  base: Rate;
  schedule: RateSchedule;
  clock: Pick<Clock, 'now'>;
  /** Minutes after midnight at an epoch time (default: local time). */
  minuteOfDay?: (ms: number) => number;
}): () => Rate {
  const minuteOf = options.minuteOfDay ?? localMinuteOfDay;
  return () => scheduledRate(options.schedule, minuteOf(options.clock.now())) ?? options.base;
}

/**
 * Waits until every limiter lets `bytes` go. Rejects when `signal` aborts (the reservations are
 * given back, so other transfers do not wait for bytes that were never sent).
 */
export async function acquire(
  limiters: readonly RateLimiter[],
  bytes: number,
  options: { clock: Pick<Clock, 'now' | 'sleep'>; signal?: AbortSignal },
): Promise<void> {
  if (limiters.length === 0) return;
  const now = options.clock.now();
  let at = now;
  for (const l of limiters) at = Math.max(at, l.reserve(bytes, now));
  try {
    // Timers may fire a little early (whole milliseconds, a cached loop time): sleep until the clock agrees.
    for (let t = now; t < at; t = options.clock.now()) await options.clock.sleep(Math.ceil(at - t), options.signal);
  } catch (err) {
    const then = options.clock.now();
    for (const l of limiters) l.release(bytes, then);
    throw err;
  }
}
