// Finding the files a merge deleted here: what a peer removed (a crashing assistant, a mistaken `rm -r`) made visible.

import type { Annex } from '../annex/annex.js';
import { formatKey } from '../annex/key.js';
import { MAX_POINTER_BYTES, keyFromLinkTarget, parsePointer } from '../annex/pointer.js';
import { DELETION_SAMPLE, isLargeDeletion, type PeerDeletion } from './peer-deletion-log.js';

/** One record of `git diff-tree -r -z --raw`: old and new mode and object id, status letter, path. */
export interface RawChange {
  readonly oldMode: string;
  readonly newMode: string;
  readonly oldSha: string;
  readonly newSha: string;
  readonly status: string;
  readonly path: string;
}

/** Parses `git diff-tree -r -z --raw` output (renames and copies carry two paths; the new one is kept). */
export function parseRawDiff(out: string): RawChange[] {
  const fields = out.split('\0');
  const changes: RawChange[] = [];
  for (let i = 0; i < fields.length; i++) {
    const head = fields[i] ?? '';
    if (!head.startsWith(':')) continue;
    const [oldMode = '', newMode = '', oldSha = '', newSha = '', status = ''] = head.slice(1).split(' ');
    const twoPaths = status.startsWith('R') || status.startsWith('C');
    const path = fields[twoPaths ? i + 2 : i + 1] ?? '';
    i += twoPaths ? 2 : 1;
    changes.push({ oldMode, newMode, oldSha, newSha, status: status.charAt(0), path });
  }
  return changes;
}

/** The blobs among `shas` small enough to be a pointer (read sizes first: a deleted file may be large). */
async function smallBlobs(annex: Annex, shas: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(shas)];
  if (unique.length === 0) return new Set();
  const out = await annex.git.run(['cat-file', '--batch-check=%(objectname) %(objectsize)'], { input: unique.join('\n') + '\n' });
  const small = new Set<string>();
  for (const line of out.split('\n')) {
    const [sha = '', size = ''] = line.split(' ');
    if (/^\d+$/.test(size) && Number(size) <= MAX_POINTER_BYTES) small.add(sha);
  }
  return small;
}

/** The annex key a blob names (locked link target or unlocked pointer), serialized, if it names one. */
async function keysOf(annex: Annex, blobs: ReadonlyArray<{ sha: string; mode: string }>): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  const small = await smallBlobs(annex, blobs.filter((b) => b.mode !== '160000').map((b) => b.sha));
  const cat = annex.git.catFile();
  for (const b of blobs) {
    if (keys.has(b.sha) || !small.has(b.sha)) continue;
    const blob = await cat.get(b.sha);
    if (!blob) continue;
    const key = b.mode === '120000' ? keyFromLinkTarget(blob.content.toString('utf8')) : parsePointer(blob.content);
    if (key) keys.set(b.sha, formatKey(key));
  }
  return keys;
}

/**
 * The files that existed at `before` and are gone at `after` (a merge's result), or undefined when
 * none are. Renames do not count: git's rename detection pairs most of them, and an annexed file
 * whose key still appears under another name (a locked link moved to another depth) is a move.
 * Paths in `exclude` (conflicts, reported as conflicts) do not count either.
 */
export async function findPeerDeletions(annex: Annex, opts: { ref: string; before: string; after: string; exclude: ReadonlySet<string> }): Promise<PeerDeletion | undefined> {
  const out = await annex.git.run(['diff-tree', '-r', '-z', '--raw', '-M', '--diff-filter=DA', opts.before, opts.after]);
  const changes = parseRawDiff(out);
  let deleted = changes.filter((c) => c.status === 'D' && !opts.exclude.has(c.path));
  if (deleted.length === 0) return undefined;
  const added = changes.filter((c) => c.status === 'A');
  if (added.length > 0) {
    const keys = await keysOf(annex, [...deleted.map((c) => ({ sha: c.oldSha, mode: c.oldMode })), ...added.map((c) => ({ sha: c.newSha, mode: c.newMode }))]);
    const addedKeys = new Set(added.flatMap((c) => keys.get(c.newSha) ?? []));
    deleted = deleted.filter((c) => !addedKeys.has(keys.get(c.oldSha) ?? ''));
    if (deleted.length === 0) return undefined;
  }
  const total = (await annex.git.run(['ls-tree', '-r', '-z', '--name-only', opts.before])).split('\0').filter(Boolean).length;
  const paths = deleted.map((c) => c.path).sort();
  return { ref: opts.ref, count: paths.length, paths: paths.slice(0, DELETION_SAMPLE), total, large: isLargeDeletion(paths.length, total) };
}
