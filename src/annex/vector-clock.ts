// git-annex "vector clocks": the timestamps on git-annex branch log lines (Annex/VectorClock.hs, Utility/TimeStamp.hs).

/**
 * A point in time as git-annex writes it on branch log lines: whole seconds since the epoch plus
 * nanoseconds. `nanos` is always 0..999_999_999, also for (never seen in practice) negative times,
 * so the value is `seconds + nanos / 1e9`.
 */
export interface VectorClock {
  readonly seconds: bigint;
  readonly nanos: number;
}

const NANOS_PER_SECOND = 1_000_000_000n;

/**
 * The clock syntax git-annex accepts (Utility/TimeStamp.hs `parserPOSIXTime`): an optionally
 * signed integer, an optional `.` with at least one digit, an optional `s`.
 */
const CLOCK_PATTERN = /^([+-]?)(\d+)(?:\.(\d+))?s?$/;

/**
 * Parses a timestamp like `1795359430.49287079s`. The fraction and the `s` are optional, as in
 * git-annex. Fractions longer than nanoseconds are cut to 9 digits (rounding towards the past),
 * so clocks that differ only below a nanosecond compare equal here (git-annex keeps 12 digits).
 * Returns undefined for anything else, including surrounding whitespace.
 */
export function parseVectorClock(text: string): VectorClock | undefined {
  const m = CLOCK_PATTERN.exec(text);
  if (m === null) return undefined;
  const [, sign = '', whole = '0', fraction = ''] = m;
  const digits = fraction.slice(0, 9).padEnd(9, '0');
  const truncated = fraction.length > 9 && /[1-9]/.test(fraction.slice(9));
  const magnitude = BigInt(whole) * NANOS_PER_SECOND + BigInt(digits);
  // git-annex negates only when the integer part itself is negative ("-0.5" reads as +0.5).
  if (sign === '-' && BigInt(whole) !== 0n) {
    return vectorClockFromNanos(-magnitude - (truncated ? 1n : 0n));
  }
  return vectorClockFromNanos(magnitude);
}

/**
 * Formats a clock the way git-annex writes it (Haskell `show` of a POSIXTime): the fraction with
 * trailing zeros trimmed, no fraction at all for whole seconds, then `s`. Verified with
 * GIT_ANNEX_VECTOR_CLOCK: `1900000000s`, `1900000000.12s`, `1900000000.000000001s`.
 */
export function formatVectorClock(clock: VectorClock): string {
  const total = vectorClockToNanos(clock);
  const negative = total < 0n;
  const magnitude = negative ? -total : total;
  const whole = magnitude / NANOS_PER_SECOND;
  const fraction = magnitude % NANOS_PER_SECOND;
  const sign = negative ? '-' : '';
  if (fraction === 0n) return `${sign}${whole}s`;
  const digits = fraction.toString().padStart(9, '0').replace(/0+$/, '');
  return `${sign}${whole}.${digits}s`;
}

/** Orders clocks by time: negative when `a` is older than `b`, 0 when equal, positive when newer. */
export function compareVectorClocks(a: VectorClock, b: VectorClock): number {
  if (a.seconds !== b.seconds) return a.seconds < b.seconds ? -1 : 1;
  return a.nanos - b.nanos;
}

/** The clock for a count of nanoseconds since the epoch (e.g. `Clock.nowNanos()`). */
export function vectorClockFromNanos(ns: bigint): VectorClock {
  let seconds = ns / NANOS_PER_SECOND;
  let rest = ns % NANOS_PER_SECOND;
  if (rest < 0n) {
    seconds -= 1n;
    rest += NANOS_PER_SECOND;
  }
  return { seconds, nanos: Number(rest) };
}

/** Nanoseconds since the epoch of a clock (the inverse of vectorClockFromNanos). */
export function vectorClockToNanos(clock: VectorClock): bigint {
  return clock.seconds * NANOS_PER_SECOND + BigInt(clock.nanos);
}

/**
 * The clock to write a new value with (git-annex `advanceVectorClock`). Normally `now`; but when
 * any previous clock for the same item is at or after `now` (clock skew between machines), the
 * newest previous clock plus one second, so the new value still wins on every machine.
 */
export function nextVectorClock(now: VectorClock, previous: readonly VectorClock[]): VectorClock {
  let newest: VectorClock | undefined;
  for (const p of previous) {
    if (newest === undefined || compareVectorClocks(p, newest) > 0) newest = p;
  }
  if (newest === undefined || compareVectorClocks(newest, now) < 0) return now;
  return { seconds: newest.seconds + 1n, nanos: newest.nanos };
}
