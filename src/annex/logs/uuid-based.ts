// Old-style UUID logs ("UUID VALUE timestamp=T"): uuid, remote, trust, group, preferred/required-content, schedule (Logs/UUIDBased.hs).
import { compareVectorClocks, formatVectorClock, nextVectorClock, parseVectorClock } from '../vector-clock.js';
import type { VectorClock } from '../vector-clock.js';
import { compareByteOrder, splitLogLines } from './union-merge.js';

/** The value recorded for one UUID. `date` is absent on very old lines without `timestamp=`; those count as oldest. */
export interface UuidLogEntry {
  readonly value: string;
  readonly date?: VectorClock;
}

const TIMESTAMP_MARK = ' timestamp=';

/**
 * Reads one line: the UUID is everything up to the first space; the value is the rest up to a
 * final ` timestamp=T` with a valid clock T (a trailing `timestamp=` that is not a valid clock
 * stays part of the value, and the line then counts as undated, as in git-annex).
 */
function parseLine(line: string): [string, UuidLogEntry] | undefined {
  const space = line.indexOf(' ');
  const uuid = space === -1 ? line : line.slice(0, space);
  if (uuid === '') return undefined;
  const rest = space === -1 ? '' : line.slice(space);
  const mark = rest.lastIndexOf(TIMESTAMP_MARK);
  if (mark !== -1) {
    const clockText = rest.slice(mark + TIMESTAMP_MARK.length);
    const date = clockText.includes(' ') ? undefined : parseVectorClock(clockText);
    if (date !== undefined) return [uuid, { value: mark === 0 ? '' : rest.slice(1, mark), date }];
  }
  return [uuid, { value: rest.slice(1) }];
}

/** True when `candidate` replaces `current`: newer, or equally new and later in the file. */
function supersedes(candidate: UuidLogEntry, current: UuidLogEntry): boolean {
  if (current.date === undefined) return true;
  if (candidate.date === undefined) return false;
  return compareVectorClocks(candidate.date, current.date) >= 0;
}

/**
 * Parses an old-style UUID log into the value in effect per UUID: the newest line wins, on a tie
 * the later line, and lines without a timestamp are oldest (Logs/MapLog.hs `best`). Values keep
 * their spaces exactly. Tolerant: `\r`, empty and unreadable lines are skipped.
 */
export function parseUuidLog(text: string): Map<string, UuidLogEntry> {
  const entries = new Map<string, UuidLogEntry>();
  for (const raw of splitLogLines(text)) {
    const parsed = parseLine(raw);
    if (parsed === undefined) continue;
    const [uuid, entry] = parsed;
    const current = entries.get(uuid);
    if (current === undefined || supersedes(entry, current)) entries.set(uuid, entry);
  }
  return entries;
}

/**
 * Formats a UUID log as git-annex writes it: one line per UUID, sorted by UUID bytes,
 * `UUID VALUE timestamp=T` (or `UUID VALUE` for an undated entry). An empty value gives two
 * spaces, as git-annex writes for a repository with no groups.
 */
export function formatUuidLog(entries: ReadonlyMap<string, UuidLogEntry>): string {
  return [...entries.keys()]
    .sort(compareByteOrder)
    .map((uuid) => {
      const e = entries.get(uuid) as UuidLogEntry;
      return e.date === undefined ? `${uuid} ${e.value}\n` : `${uuid} ${e.value}${TIMESTAMP_MARK}${formatVectorClock(e.date)}\n`;
    })
    .join('');
}

/**
 * Sets the value for one UUID and returns the whole new file, compacted (what git-annex's
 * `changeLog` + `buildLogOld` write). The clock is `now`, or one second after the UUID's current
 * clock when that is not older (clock-skew rule).
 */
export function setUuidLogValue(text: string, change: { readonly uuid: string; readonly value: string; readonly now: VectorClock }): string {
  const entries = parseUuidLog(text);
  const old = entries.get(change.uuid)?.date;
  entries.set(change.uuid, { value: change.value, date: nextVectorClock(change.now, old === undefined ? [] : [old]) });
  return formatUuidLog(entries);
}
