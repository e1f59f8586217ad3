// The record of deletions that merges brought in from peers (.git/annex/arbor/peer-deletions.jsonl), shown by `git arbor status`.

import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { appendJsonLines, readJsonLines } from '../util/jsonl-file.js';
import { readCleared } from './cleared.js';

/** How many deleted names a record keeps (the count is always exact). */
export const DELETION_SAMPLE = 10;

/** What one merge deleted here. */
export interface PeerDeletion {
  /** The merged ref (names the peer: refs/remotes/<remote>/…, or refs/heads/synced/… pushed in by a peer). */
  readonly ref: string;
  /** Files that existed here and are gone after the merge (renames and moves excluded). */
  readonly count: number;
  /** The first DELETION_SAMPLE of them, sorted. */
  readonly paths: readonly string[];
  /** Files in the tree before the merge. */
  readonly total: number;
  /** Large enough to be flagged prominently (see isLargeDeletion). */
  readonly large: boolean;
}

/** One recorded deletion. */
export interface PeerDeletionRecord extends PeerDeletion {
  /** Milliseconds since the epoch. */
  readonly time: number;
}

/** The log file's name in .git/annex/arbor/ (the key of its cleared offset). */
export const PEER_DELETION_LOG = 'peer-deletions.jsonl';

/** The peer-deletion log's path. */
export function peerDeletionLogPath(annex: Annex): string {
  return join(annex.annexDir, 'arbor', PEER_DELETION_LOG);
}

/**
 * Whether a deletion of `count` of `total` files is flagged prominently: 10 files or more (a
 * number nobody deletes by accident unnoticed, and what a crashing peer that empties a folder
 * produces), or at least 2 files making 10 % or more of the tree (a small repository losing a
 * tenth of itself). One file is ordinary editing, whatever the size of the tree.
 */
export function isLargeDeletion(count: number, total: number): boolean {
  return count >= 10 || (count >= 2 && count * 10 >= total);
}

/** Appends a deletion record. */
export async function recordPeerDeletion(annex: Annex, deletion: PeerDeletion): Promise<void> {
  await appendJsonLines(peerDeletionLogPath(annex), [{ ...deletion, time: annex.deps.clock.now() }]);
}

/** The deletions recorded since the user last cleared the list, oldest first. */
export async function readOpenPeerDeletions(annex: Annex): Promise<PeerDeletionRecord[]> {
  const cleared = await readCleared(annex);
  return (await readJsonLines<PeerDeletionRecord>(peerDeletionLogPath(annex), cleared.offsets[PEER_DELETION_LOG] ?? 0)).records;
}
