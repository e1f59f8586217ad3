// Clearing what status lists for the user's attention (conflicts, peer deletions): the logs stay, their cleared offsets move.

import type { Annex } from '../annex/annex.js';
import { readJsonLines } from '../util/jsonl-file.js';
import { noteActivity } from './activity-log.js';
import { readCleared, writeCleared } from './cleared.js';
import { CONFLICT_LOG, conflictLogPath } from './conflict-log.js';
import { PEER_DELETION_LOG, peerDeletionLogPath } from './peer-deletion-log.js';

/** How many entries a clear took off the lists. */
export interface ClearOutcome {
  readonly conflicts: number;
  readonly peerDeletions: number;
}

/**
 * Clears the conflict and peer-deletion lists as they are now: entries recorded later (by a
 * merge running meanwhile) stay listed. The logs themselves are kept (backward compatible, and
 * nothing is lost); the clear is recorded in the activity history.
 */
export async function clearNotices(annex: Annex): Promise<ClearOutcome> {
  const { offsets } = await readCleared(annex);
  // One read per log gives both what is listed and where it ends, so nothing appended after is cleared unseen.
  const conflicts = await readJsonLines(conflictLogPath(annex), offsets[CONFLICT_LOG] ?? 0);
  const deletions = await readJsonLines(peerDeletionLogPath(annex), offsets[PEER_DELETION_LOG] ?? 0);
  await writeCleared(annex, { [CONFLICT_LOG]: conflicts.size, [PEER_DELETION_LOG]: deletions.size });
  const outcome = { conflicts: conflicts.records.length, peerDeletions: deletions.records.length };
  await noteActivity(annex, [{ type: 'cleared', message: `cleared ${outcome.conflicts} conflict(s) and ${outcome.peerDeletions} peer deletion(s) from status` }]);
  return outcome;
}
