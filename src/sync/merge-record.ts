// What a merge is remembered by: conflicts, peer deletions and the activity history, and the lines reported.

import type { Annex } from '../annex/annex.js';
import type { Reporter } from '../content/session.js';
import { noteActivity, type ActivityEntry } from './activity-log.js';
import { recordConflicts } from './conflict-log.js';
import type { MergeOutcome } from './merge.js';
import { recordPeerDeletion, type PeerDeletion } from './peer-deletion-log.js';

/** The peer a merged ref stands for: "origin" for refs/remotes/origin/…, "a peer (pushed to synced/main)" for our own synced branch. */
export function peerOf(ref: string): string {
  const remote = /^refs\/remotes\/([^/]+)\//.exec(ref);
  if (remote?.[1]) return remote[1];
  const synced = /^refs\/heads\/(synced\/.+)$/.exec(ref);
  return synced?.[1] ? `a peer (pushed to ${synced[1]})` : ref;
}

/** One line describing a deletion, e.g. "origin deleted 20 of 25 files here: a.txt, b.txt, … (large deletion)". */
export function describeDeletion(d: PeerDeletion): string {
  const more = d.count > d.paths.length ? `, … (${d.count - d.paths.length} more)` : '';
  return `${peerOf(d.ref)} deleted ${d.count} of ${d.total} file${d.total === 1 ? '' : 's'} here (merging ${d.ref}): ${d.paths.join(', ')}${more}${d.large ? ' [LARGE DELETION]' : ''}`;
}

/**
 * Records what a merge brought in (conflicts.jsonl, peer-deletions.jsonl, the activity history)
 * and reports each notable thing in one line. The conflict and deletion records are kept until
 * the user clears them; a failure to write them is thrown (they must not be lost silently).
 */
export async function recordMerge(annex: Annex, outcome: MergeOutcome, report: Reporter): Promise<void> {
  const ref = outcome.ref;
  const activity: Array<Omit<ActivityEntry, 'time'>> = [];
  if (outcome.status !== 'failed' && outcome.status !== 'up-to-date') activity.push({ type: 'merge', ref, message: `merged ${ref}` });
  if (outcome.conflicts.length) {
    await recordConflicts(annex, ref, outcome.conflicts);
    const markers = outcome.conflicts.filter((c) => c.kind === 'conflict-markers');
    const others = outcome.conflicts.filter((c) => c.kind !== 'conflict-markers');
    if (others.length) {
      const message = `merge conflict with ${ref} resolved automatically: ${others.map((c) => c.results.join(', ')).join('; ')}`;
      report({ level: 'warn', message });
      activity.push({ type: 'conflict', ref, message });
    }
    for (const c of markers) {
      const variant = c.results.find((r) => r !== c.path);
      const message = variant
        ? `conflict markers from ${peerOf(ref)} in ${c.path}: the version from before the merge keeps the name, the one with markers is ${variant}`
        : `conflict markers from ${peerOf(ref)} in new file ${c.path}`;
      report({ level: 'warn', message });
      activity.push({ type: 'conflict-markers', ref, message });
    }
  }
  if (outcome.deletion) {
    await recordPeerDeletion(annex, outcome.deletion);
    const message = describeDeletion(outcome.deletion);
    report({ level: 'warn', message });
    activity.push({ type: 'peer-deletion', ref, message });
  }
  if (outcome.inspectionError) report({ level: 'warn', message: `merged ${ref}, but could not check it for deleted files and conflict markers: ${outcome.inspectionError}` });
  await noteActivity(annex, activity);
}
