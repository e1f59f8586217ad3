// The record of conflicts sync resolved, so a user can find and tidy them (`git arbor status`, `git arbor conflicts`).
//
// Format (unchanged since the first version; new fields are optional): .git/annex/arbor/conflicts.jsonl,
// one JSON object per line: { path, kind, results, time (ms since the epoch), ref }. Clearing the
// list never rewrites this file: `cleared.ts` records the byte offset up to which the user has
// seen it, so older arbor versions still read it and nothing is lost.

import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { appendJsonLines, readJsonLines } from '../util/jsonl-file.js';
import type { ResolvedConflict } from './conflicts.js';
import { readCleared } from './cleared.js';

/** One recorded conflict. */
export interface ConflictRecord extends ResolvedConflict {
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** The peer ref whose merge conflicted. */
  readonly ref: string;
}

/** The log file's name in .git/annex/arbor/ (the key of its cleared offset). */
export const CONFLICT_LOG = 'conflicts.jsonl';

/** The conflict log's path. */
export function conflictLogPath(annex: Annex): string {
  return join(annex.annexDir, 'arbor', CONFLICT_LOG);
}

/** Appends resolved conflicts (one JSON object per line). */
export async function recordConflicts(annex: Annex, ref: string, conflicts: readonly ResolvedConflict[]): Promise<void> {
  const time = annex.deps.clock.now();
  await appendJsonLines(conflictLogPath(annex), conflicts.map((c) => ({ ...c, time, ref })));
}

/** Every recorded conflict, oldest first (cleared ones included); unreadable lines are skipped. */
export async function readConflicts(annex: Annex): Promise<ConflictRecord[]> {
  return (await readJsonLines<ConflictRecord>(conflictLogPath(annex))).records;
}

/** The conflicts recorded since the user last cleared the list, oldest first. */
export async function readOpenConflicts(annex: Annex): Promise<ConflictRecord[]> {
  const cleared = await readCleared(annex);
  return (await readJsonLines<ConflictRecord>(conflictLogPath(annex), cleared.offsets[CONFLICT_LOG] ?? 0)).records;
}
