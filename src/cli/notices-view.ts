// How conflicts, peer deletions and the activity history are shown to people (status, conflicts): local times, one line each.

import type { ActivityEntry } from '../sync/activity-log.js';
import type { ConflictRecord } from '../sync/conflict-log.js';
import { describeDeletion, peerOf } from '../sync/merge-record.js';
import type { PeerDeletionRecord } from '../sync/peer-deletion-log.js';
import { formatLocalIso, formatLocalTime } from '../util/local-time.js';

/** One line per conflict: where each version is now. */
export function conflictLine(c: ConflictRecord): string {
  const at = typeof c.time === 'number' ? `, ${formatLocalTime(c.time)}` : '';
  if (c.kind === 'conflict-markers') {
    const variant = c.results.find((r) => r !== c.path);
    return variant
      ? `conflict ${c.path} (conflict markers from ${peerOf(c.ref)}, merging ${c.ref}${at}): the version from before the merge is ${c.path}, the one with markers is ${variant}`
      : `conflict ${c.path} (conflict markers from ${peerOf(c.ref)} in a new file, merging ${c.ref}${at}): kept as ${c.path}`;
  }
  return `conflict ${c.path} (${c.kind}, merging ${c.ref}${at}): kept as ${c.results.join(', ')}`;
}

/** One line per peer deletion; a large one starts with "WARNING:". */
export function deletionLine(d: PeerDeletionRecord): string {
  return `${d.large ? 'WARNING: ' : ''}peer deletion ${formatLocalTime(d.time)}: ${describeDeletion(d)}`;
}

/** One line per activity entry: "YYYY-MM-DD HH:MM:SS message" in local time. */
export function activityLine(e: ActivityEntry): string {
  return `  ${formatLocalTime(e.time)} ${e.message}`;
}

/** A record for --json: its fields plus `at`, the time as local ISO 8601 (`time` stays ms since the epoch). */
export function withLocalTime<T extends { readonly time: number }>(r: T): T & { at: string } {
  return { ...r, at: formatLocalIso(r.time) };
}

/** The hint printed under a non-empty list. */
export const CLEAR_HINT = 'clear this list with: git arbor conflicts --clear (nothing is deleted)';
