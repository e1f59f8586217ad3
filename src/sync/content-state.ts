// What the last content sync saw (HEAD's tree, the git-annex branch, the remotes it reached), so the next `sync --content` looks only at what changed since.
//
// A no-op `sync --content` over 10,000 files used to read 10,000 location logs; git-annex does
// the same (~17 s here). Everything that can make a file need a transfer is recorded in git: the
// file's key (HEAD's tree), where its content is (location logs in the git-annex branch), and what
// repositories want (policy logs in the same branch). So a sync that starts from the state the last
// one finished in needs only `git diff-tree` of both, plus the files that failed last time.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { ALL_FILES, branchWork, treeWork, type ContentWork } from '../content/pass-work.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** Bumped when the meaning of the record changes: an unknown version means "look at everything". */
const VERSION = 1;

/** The record, in .git/annex/arbor/content-sync.json. */
export interface ContentSyncState {
  readonly version: number;
  /** HEAD^{tree} the pass looked at. */
  readonly tree: string;
  /** The git-annex branch commit after the pass (its own location changes included). */
  readonly annex: string;
  /** The remotes the pass reached, as `name=uuid` sorted and joined (see remotesKey). */
  readonly remotes: string;
  /** Files that failed (no reachable copy, a transfer error): looked at again next time. */
  readonly pending: readonly string[];
}

/** The record's path for a repository. */
export function contentStatePath(gitDir: string): string {
  return join(gitDir, 'annex', 'arbor', 'content-sync.json');
}

/** The identity of a set of reached remotes: a remote added, removed, re-pointed or back online changes it. */
export function remotesKey(remotes: ReadonlyArray<{ readonly name: string; readonly uuid: string }>): string {
  return remotes
    .map((r) => `${r.name}=${r.uuid}`)
    .sort()
    .join('\n');
}

/** The record, or undefined when there is none or it cannot be read (then everything is looked at). */
export async function readContentState(gitDir: string): Promise<ContentSyncState | undefined> {
  try {
    const s = JSON.parse(await readFile(contentStatePath(gitDir), 'utf8')) as Partial<ContentSyncState>;
    if (s.version !== VERSION || typeof s.tree !== 'string' || typeof s.annex !== 'string' || typeof s.remotes !== 'string' || !Array.isArray(s.pending)) return undefined;
    return { version: VERSION, tree: s.tree, annex: s.annex, remotes: s.remotes, pending: s.pending.filter((p): p is string => typeof p === 'string') };
  } catch {
    return undefined;
  }
}

/** Writes the record atomically. */
export async function writeContentState(gitDir: string, state: Omit<ContentSyncState, 'version'>): Promise<void> {
  await mkdir(dirname(contentStatePath(gitDir)), { recursive: true });
  await writeFileAtomic(contentStatePath(gitDir), `${JSON.stringify({ version: VERSION, ...state })}\n`);
}

/**
 * What changed since `state` for a pass that now sees `now`: everything when there is no usable
 * record, the reached remotes (or their trust settings) differ, a policy log or a .gitattributes
 * changed; otherwise the work-tree paths that changed, the keys whose location logs changed, the
 * keys that deleted or changed paths used (another path of the key may now be unwanted too), and
 * last time's pending files.
 */
export async function contentWorkSince(annex: Annex, state: ContentSyncState | undefined, now: { tree: string; annex: string; remotes: string }): Promise<ContentWork> {
  if (!state || state.remotes !== now.remotes) return ALL_FILES;
  const [tree, byBranch] = await Promise.all([treeWork(annex, state.tree, now.tree), branchWork(annex, state.annex, now.annex)]);
  if (tree.all || byBranch.all) return ALL_FILES;
  return { all: false, paths: [...new Set([...tree.paths, ...state.pending])], keys: new Set([...byBranch.keys, ...tree.keys]) };
}
