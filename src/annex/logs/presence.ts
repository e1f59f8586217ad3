// Presence logs ("T S INFO" lines): location logs, url logs (Logs/Presence/Pure.hs, doc/internals.mdwn).
import { compareVectorClocks, formatVectorClock, nextVectorClock, parseVectorClock } from '../vector-clock.js';
import type { VectorClock } from '../vector-clock.js';
import { compareByteOrder, splitLogLines } from './union-merge.js';

/** `1` present, `0` absent, `X` dead (the key is gone for good there). */
export type PresenceStatus = '1' | '0' | 'X';

/** One line of a presence log: when, what status, and about what (a UUID, or a URL in url logs). */
export interface PresenceLine {
  readonly date: VectorClock;
  readonly status: PresenceStatus;
  readonly info: string;
}

/** A line: clock (no spaces), a space, one status character, a space, then the info (may be empty or hold spaces). */
const LINE_PATTERN = /^(\S+) ([10X]) (.*)$/s;

/**
 * Parses a presence log. Tolerant like git-annex: lines it cannot read (unknown status, bad
 * clock, missing fields) are skipped, any run of `\r`/`\n` ends a line, and lines are returned
 * in file order, duplicates and obsolete lines included.
 */
export function parsePresenceLog(text: string): PresenceLine[] {
  const lines: PresenceLine[] = [];
  for (const raw of splitLogLines(text)) {
    const m = LINE_PATTERN.exec(raw);
    if (m === null) continue;
    const date = parseVectorClock(m[1] ?? '');
    if (date === undefined) continue;
    lines.push({ date, status: m[2] as PresenceStatus, info: m[3] ?? '' });
  }
  return lines;
}

/** Formats lines as git-annex writes them: `T S INFO\n` each, in the order given. */
export function formatPresenceLog(lines: readonly PresenceLine[]): string {
  return lines.map((l) => `${formatVectorClock(l.date)} ${l.status} ${l.info}\n`).join('');
}

/** The newest line for each info. On equal clocks the line earlier in the list wins, as in git-annex. */
function newestByInfo(lines: readonly PresenceLine[]): Map<string, PresenceLine> {
  const newest = new Map<string, PresenceLine>();
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as PresenceLine;
    const old = newest.get(line.info);
    if (old === undefined || compareVectorClocks(old.date, line.date) <= 0) newest.set(line.info, line);
  }
  return newest;
}

function sortedByInfo(byInfo: ReadonlyMap<string, PresenceLine>): PresenceLine[] {
  return [...byInfo.values()].sort((a, b) => compareByteOrder(a.info, b.info));
}

/**
 * Compacts a log to what is still in effect: the newest line per info, sorted by info bytes,
 * which is exactly how git-annex rewrites a location log when it changes it.
 */
export function compactPresence(lines: readonly PresenceLine[]): PresenceLine[] {
  return sortedByInfo(newestByInfo(lines));
}

/** The infos (UUIDs for a location log) whose newest line says present (`1`), byte-sorted. */
export function currentlyPresent(lines: readonly PresenceLine[]): string[] {
  return compactPresence(lines)
    .filter((l) => l.status === '1')
    .map((l) => l.info);
}

/**
 * Records a status change the way git-annex's `logChange` does (`maybeAddLog`). Returns undefined
 * when the newest line for `info` already has `status`: git-annex then writes nothing and keeps
 * the old timestamp. Otherwise returns the new, compacted content of the whole log; the new line's
 * clock is `now`, or one second after the newest earlier line for `info` if that is not older
 * (clock-skew rule).
 */
export function changePresence(
  lines: readonly PresenceLine[],
  change: { readonly info: string; readonly status: PresenceStatus; readonly now: VectorClock },
): PresenceLine[] | undefined {
  const byInfo = newestByInfo(lines);
  if (byInfo.get(change.info)?.status === change.status) return undefined;
  const previous = lines.filter((l) => l.info === change.info).map((l) => l.date);
  byInfo.set(change.info, { date: nextVectorClock(change.now, previous), status: change.status, info: change.info });
  return sortedByInfo(byInfo);
}
