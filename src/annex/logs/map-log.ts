// Map logs ("T FIELD VALUE"): config.log, group-preferred-content.log, new-style UUID logs (Logs/MapLog.hs).
import { compareVectorClocks, formatVectorClock, nextVectorClock, parseVectorClock } from '../vector-clock.js';
import type { VectorClock } from '../vector-clock.js';
import { compareByteOrder, splitLogLines } from './union-merge.js';

/** The value in effect for one field and the clock it was set with. */
export interface MapLogEntry {
  readonly value: string;
  readonly date: VectorClock;
}

/** Clock, space, field (no spaces, may be empty), space, value (the rest, may be empty or hold spaces). */
const LINE_PATTERN = /^(\S+) ([^ ]*) (.*)$/s;

/**
 * Parses a map log into the value in effect per field: the newest line wins, on a tie the later
 * line. Lines without both spaces or with a bad clock are skipped; `\r` ends lines.
 */
export function parseMapLog(text: string): Map<string, MapLogEntry> {
  const entries = new Map<string, MapLogEntry>();
  for (const raw of splitLogLines(text)) {
    const m = LINE_PATTERN.exec(raw);
    if (m === null) continue;
    const date = parseVectorClock(m[1] ?? '');
    if (date === undefined) continue;
    const field = m[2] ?? '';
    const current = entries.get(field);
    if (current === undefined || compareVectorClocks(date, current.date) >= 0) entries.set(field, { value: m[3] ?? '', date });
  }
  return entries;
}

/** Formats a map log as git-annex writes it: one `T FIELD VALUE` line per field, sorted by field bytes. */
export function formatMapLog(entries: ReadonlyMap<string, MapLogEntry>): string {
  return [...entries.keys()]
    .sort(compareByteOrder)
    .map((field) => {
      const e = entries.get(field) as MapLogEntry;
      return `${formatVectorClock(e.date)} ${field} ${e.value}\n`;
    })
    .join('');
}

/**
 * Sets one field and returns the whole new file, compacted (git-annex `changeMapLog`). The clock is
 * `now`, or one second after the field's current clock when that is not older (clock-skew rule).
 */
export function setMapLogValue(text: string, change: { readonly field: string; readonly value: string; readonly now: VectorClock }): string {
  const entries = parseMapLog(text);
  const old = entries.get(change.field)?.date;
  entries.set(change.field, { value: change.value, date: nextVectorClock(change.now, old === undefined ? [] : [old]) });
  return formatMapLog(entries);
}
