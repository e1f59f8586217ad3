// A small, bounded activity history (.git/annex/arbor/activity.jsonl): commits, merges, peer deletions, conflicts, cancelled transfers.
//
// One JSON object per line: { time (ms since the epoch), type, message, ref? }. People see it
// through `git arbor status` (last entries, local time). It is capped: once the file passes
// MAX_BYTES it is rewritten with its last KEEP_ENTRIES entries. It is a convenience, not a
// record of truth (git history, conflicts.jsonl and peer-deletions.jsonl are never trimmed); an
// entry appended by another process during the rare trim may be dropped.

import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { errnoCode } from '../util/errors.js';
import { appendJsonLines, formatJsonLines, parseJsonLines, readJsonLines } from '../util/jsonl-file.js';

/** What happened. */
export type ActivityType = 'commit' | 'merge' | 'peer-deletion' | 'conflict' | 'conflict-markers' | 'cleared' | 'cancelled';

/** One entry of the history. */
export interface ActivityEntry {
  /** Milliseconds since the epoch (shown in local time). */
  readonly time: number;
  readonly type: ActivityType;
  /** One line for people. */
  readonly message: string;
  /** The peer ref, for merges and what they brought in. */
  readonly ref?: string;
}

/** The size past which the file is trimmed. */
export const MAX_BYTES = 256 * 1024;
/** Entries kept by a trim. */
export const KEEP_ENTRIES = 500;

function activityPath(annex: Annex): string {
  return join(annex.annexDir, 'arbor', 'activity.jsonl');
}

/** The cap of the history file (tests use small ones). */
export interface ActivityLimits {
  readonly maxBytes: number;
  readonly keepEntries: number;
}

/** Appends entries (stamped now), trimming the file to its last `keepEntries` when it has grown past `maxBytes`. */
export async function recordActivity(
  annex: Annex,
  entries: ReadonlyArray<Omit<ActivityEntry, 'time'>>,
  limits: ActivityLimits = { maxBytes: MAX_BYTES, keepEntries: KEEP_ENTRIES },
): Promise<void> {
  if (entries.length === 0) return;
  const time = annex.deps.clock.now();
  const file = activityPath(annex);
  await appendJsonLines(file, entries.map((e) => ({ time, ...e })));
  const size = (await stat(file)).size;
  if (size <= limits.maxBytes) return;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw err;
  }
  await writeFileAtomic(file, formatJsonLines(parseJsonLines<ActivityEntry>(text).slice(-limits.keepEntries)));
}

/** The last `limit` entries, oldest first. */
export async function readActivity(annex: Annex, limit = KEEP_ENTRIES): Promise<ActivityEntry[]> {
  return (await readJsonLines<ActivityEntry>(activityPath(annex))).records.slice(-limit);
}

/** Records activity without ever failing the operation it describes (the history is best effort). */
export async function noteActivity(annex: Annex, entries: ReadonlyArray<Omit<ActivityEntry, 'time'>>): Promise<void> {
  await recordActivity(annex, entries).catch(() => undefined);
}
