// What a content pass looks at: the whole tree, some paths, or the files of some keys; found from the git-annex branch's changes, and listed in chunks.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { formatKey } from '../annex/key.js';
import { annexedFileChunks, annexedFilesAt, listAnnexedFiles, type AnnexedFile } from './annexed-files.js';
import { changedTreePaths, locationLogKeys, policyLogsIn, replacedKeys, treeChanges } from './location-changes.js';

/** What a content pass must look at: every annexed file, or the files at `paths` and those whose key is in `keys`. */
export type ContentWork = { readonly all: true } | { readonly all: false; readonly paths: readonly string[]; readonly keys: ReadonlySet<string> };

export const ALL_FILES: ContentWork = { all: true };

/**
 * The work a move of the git-annex branch from `from` to `to` makes (one `git diff-tree`): the
 * keys whose location logs changed; every file when a policy log changed (wanted, groups,
 * numcopies, trust, remote.log…, here or merged in from another copy) or the diff cannot be
 * made (a commit is gone).
 */
export async function branchWork(annex: Annex, from: string, to: string): Promise<ContentWork> {
  const changed = await changedTreePaths(annex, from, to);
  if (changed === undefined || policyLogsIn(changed)) return ALL_FILES;
  return { all: false, paths: [], keys: locationLogKeys(changed) };
}

/**
 * The work a move of the work tree's history from `from` to `to` makes (trees or commits): the
 * changed paths, and the keys that deleted or changed paths used (another path of such a key may
 * now be the only one deciding whether it is wanted); every file when a .gitattributes changed
 * (per-file numcopies and largefiles) or the diff cannot be made.
 */
export async function treeWork(annex: Annex, from: string, to: string): Promise<ContentWork> {
  const tree = await treeChanges(annex, from, to);
  if (!tree) return ALL_FILES;
  if (tree.paths.some((p) => p === '.gitattributes' || p.endsWith('/.gitattributes'))) return ALL_FILES;
  const replaced = await replacedKeys(annex, tree.replaced);
  if (!replaced) return ALL_FILES;
  return { all: false, paths: tree.paths, keys: replaced };
}

/** Whether `work` names nothing. */
export function isNoWork(work: ContentWork): boolean {
  return !work.all && work.paths.length === 0 && work.keys.size === 0;
}

/** The union of two pieces of work. */
export function mergeWork(a: ContentWork, b: ContentWork): ContentWork {
  if (a.all || b.all) return ALL_FILES;
  return { all: false, paths: [...new Set([...a.paths, ...b.paths])], keys: new Set([...a.keys, ...b.keys]) };
}

/**
 * The annexed-file listing of the whole tree, kept while git's index is unchanged (a stamp of its
 * mtime, size and inode): a long-running process that looks up keys often lists the tree once per
 * index change instead of once per look.
 */
export class ListingCache {
  #listing: { stamp: string; files: AnnexedFile[] } | undefined;
  constructor(private readonly annex: Annex) {}

  async files(): Promise<AnnexedFile[]> {
    const stamp = await stat(join(this.annex.git.repo.gitDir, 'index')).then((s) => `${s.mtimeMs}:${s.size}:${s.ino}`, () => '-');
    if (this.#listing?.stamp !== stamp) this.#listing = { stamp, files: await listAnnexedFiles(this.annex, [], { requireMatch: false }) };
    return this.#listing.files;
  }
}

/**
 * The annexed files `work` names, in chunks. The whole tree is streamed from git's index, never
 * held whole; files found by key come from `listing` when given (kept between passes), else from
 * one streamed pass over the index.
 */
export async function* filesToVisit(annex: Annex, work: ContentWork, listing?: ListingCache): AsyncGenerator<AnnexedFile[]> {
  if (work.all) {
    yield* annexedFileChunks(annex, [], { requireMatch: false });
    return;
  }
  const byPath = new Map<string, AnnexedFile>();
  if (work.paths.length) for (const f of await annexedFilesAt(annex, work.paths)) byPath.set(f.path, f);
  if (work.keys.size && listing) {
    for (const f of await listing.files()) if (work.keys.has(formatKey(f.key))) byPath.set(f.path, f);
  }
  if (byPath.size) yield [...byPath.values()];
  if (work.keys.size === 0 || listing) return;
  for await (const chunk of annexedFileChunks(annex, [], { requireMatch: false })) {
    const hit = chunk.filter((f) => !byPath.has(f.path) && work.keys.has(formatKey(f.key)));
    if (hit.length) yield hit;
  }
}
