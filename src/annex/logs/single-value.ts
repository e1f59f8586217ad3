// Single-value logs ("T VALUE"): numcopies.log, mincopies.log (Logs/SingleValue/Pure.hs).
import { compareVectorClocks, formatVectorClock, nextVectorClock, parseVectorClock } from '../vector-clock.js';
import type { VectorClock } from '../vector-clock.js';
import { compareByteOrder, splitLogLines } from './union-merge.js';

/** The value in effect and the clock it was set with. */
export interface SingleValue {
  readonly value: string;
  readonly date: VectorClock;
}

/** Options for parseSingleValueLog. */
export interface ParseSingleValueOptions {
  /**
   * Which values count. git-annex skips lines whose value it cannot read (for numcopies.log:
   * not a number), so a newer unreadable line does not hide an older good one. Default: all.
   */
  readonly accept?: (value: string) => boolean;
}

const INTEGER = /^-?\d+$/;

/** Orders values on equal clocks like git-annex's `Ord` on numbers: numerically for integers, else by bytes. */
function compareValues(a: string, b: string): number {
  if (INTEGER.test(a) && INTEGER.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  return compareByteOrder(a, b);
}

/**
 * Parses a single-value log: the line with the greatest (timestamp, value) wins, whatever the
 * line order (a union merge can leave several lines). Lines are `T VALUE` (the value is the rest
 * of the line after the first space); unreadable lines are skipped. Undefined when no line counts.
 */
export function parseSingleValueLog(text: string, options: ParseSingleValueOptions = {}): SingleValue | undefined {
  let best: SingleValue | undefined;
  for (const line of splitLogLines(text)) {
    const space = line.indexOf(' ');
    if (space === -1) continue;
    const date = parseVectorClock(line.slice(0, space));
    const value = line.slice(space + 1);
    if (date === undefined || (options.accept !== undefined && !options.accept(value))) continue;
    if (best === undefined) {
      best = { value, date };
      continue;
    }
    const byDate = compareVectorClocks(date, best.date);
    if (byDate > 0 || (byDate === 0 && compareValues(value, best.value) > 0)) best = { value, date };
  }
  return best;
}

/** Formats the one-line file git-annex writes for a single-value log: `T VALUE\n`. */
export function formatSingleValueLog(value: string, date: VectorClock): string {
  return `${formatVectorClock(date)} ${value}\n`;
}

/**
 * Sets the value: returns the new one-line file. The clock is `now`, or one second after the
 * newest clock in the old file when that is not older (clock-skew rule; verified with git-annex:
 * `numcopies` under GIT_ANNEX_VECTOR_CLOCK in the past wrote the old clock + 1 s).
 */
export function setSingleValueLog(text: string, change: { readonly value: string; readonly now: VectorClock }): string {
  const previous = splitLogLines(text).flatMap((line) => {
    const space = line.indexOf(' ');
    const date = space === -1 ? undefined : parseVectorClock(line.slice(0, space));
    return date === undefined ? [] : [date];
  });
  return formatSingleValueLog(change.value, nextVectorClock(change.now, previous));
}
