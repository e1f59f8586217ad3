// Where keys live: object paths, git-annex branch log paths, journal file names, locked-file symlink targets.

import { posix } from 'node:path';
import { ArborError } from '../util/errors.js';
import type { Key } from './key.js';
import { fileNameToKey, formatKey, keyToFileName, parseKey } from './key.js';
import { hashDirLower, hashDirMixed } from './dir-hashes.js';

/** Which hash directories an object store uses: 'mixed' in non-bare repositories, 'lower' in bare ones. */
export type HashLayout = 'mixed' | 'lower';

/** The object directory prefix inside the git dir. */
export const OBJECTS_DIR = 'annex/objects';

/** The hash directory ("Xx/Yy/" or "xxx/yyy/") of a key in a layout. */
export function hashDir(key: Key, layout: HashLayout): string {
  return layout === 'mixed' ? hashDirMixed(key) : hashDirLower(key);
}

/** "annex/objects/<hash><keyfile>", relative to the git dir (the directory that is made read-only). */
export function objectDir(key: Key, layout: HashLayout): string {
  return `${OBJECTS_DIR}/${hashDir(key, layout)}${keyToFileName(formatKey(key))}`;
}

/** "annex/objects/<hash><keyfile>/<keyfile>", relative to the git dir. */
export function objectPath(key: Key, layout: HashLayout): string {
  const keyFile = keyToFileName(formatKey(key));
  return `${OBJECTS_DIR}/${hashDir(key, layout)}${keyFile}/${keyFile}`;
}

/**
 * The object paths git-annex looks at, in its order: mixed then lower for a non-bare repository,
 * lower then mixed for a bare one. Content may be at either (e.g. after a repository was converted).
 */
export function objectPathCandidates(key: Key, opts: { bare: boolean }): readonly string[] {
  const order: readonly HashLayout[] = opts.bare ? ['lower', 'mixed'] : ['mixed', 'lower'];
  return order.map((layout) => objectPath(key, layout));
}

/** The location log of a key in the git-annex branch: "<hashdirlower><keyfile>.log". */
export function locationLogPath(key: Key): string {
  return `${hashDirLower(key)}${keyToFileName(formatKey(key))}.log`;
}

/**
 * The key and log kind of a per-key git-annex branch file, e.g. "d91/b11/SHA256E-s6--….txt.log"
 * → suffix ".log"; ".log.met", ".log.web", ".log.rmet", … likewise. Only paths at depth 3
 * ("xxx/yyy/file", git-annex's default branch hash levels) count; others give undefined.
 */
export function keyFromLogPath(path: string): { key: Key; suffix: string } | undefined {
  const parts = path.split('/');
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') return undefined;
  const file = parts[2] ?? '';
  const at = file.lastIndexOf('.log');
  if (at <= 0) return undefined;
  const suffix = file.slice(at);
  if (!/^\.log(\.[A-Za-z]+)?$/.test(suffix)) return undefined;
  const key = parseKey(fileNameToKey(file.slice(0, at)));
  return key === undefined ? undefined : { key, suffix };
}

/** The file name of a branch path in .git/annex/journal (Annex/Journal.hs): "/" → "_", "_" → "__". */
export function journalFileName(branchPath: string): string {
  return branchPath.replace(/[/_]/g, (c) => (c === '/' ? '_' : '__'));
}

/** Inverse of journalFileName: "__" → "_", then a single "_" → "/" (left to right). */
export function branchPathFromJournalFileName(name: string): string {
  return name.replace(/__?/g, (s) => (s === '__' ? '_' : '/'));
}

/**
 * The symlink target git-annex writes for a locked file: the path from the file's directory to
 * its object in .git/annex/objects (mixed hash), e.g. "../../.git/annex/objects/zp/jF/<kf>/<kf>"
 * for "a/b/photo.jpeg". `workTreePath` is relative to the work tree top, with '/' separators.
 */
export function lockedLinkTarget(workTreePath: string, key: Key): string {
  const normal = posix.normalize(workTreePath);
  if (normal === '..' || normal.startsWith('../') || normal.startsWith('/') || normal === '.') {
    throw new ArborError('EBADPATH', `not a path inside the work tree: ${JSON.stringify(workTreePath)}`, { data: { path: workTreePath } });
  }
  const depth = normal.replace(/\/$/, '').split('/').length - 1;
  return `${'../'.repeat(depth)}.git/${objectPath(key, 'mixed')}`;
}
