// Which keys' location logs changed between two commits of the git-annex branch, and a stat-only stamp that tells when the branch moved.
//
// A peer that sends us content, or whose git-annex branch we merge, changes location logs
// (`xxx/yyy/KEY.log`). Diffing the branch before and after tells which keys to look at again,
// without reading every file's location log (what a whole-tree scan costs).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { formatKey } from '../annex/key.js';
import { keyFromLogPath } from '../annex/locations.js';
import { logVariety } from '../annex/logs/paths.js';

/** The keys (formatted) whose location log is among `paths` (git-annex branch paths); other logs are ignored. */
export function locationLogKeys(paths: Iterable<string>): Set<string> {
  const keys = new Set<string>();
  for (const path of paths) {
    if (logVariety(path) !== 'location') continue;
    const parsed = keyFromLogPath(path);
    if (parsed) keys.add(formatKey(parsed.key));
  }
  return keys;
}

/**
 * The keys whose location log differs between git-annex branch commits `from` and `to` (one
 * `git diff-tree`). Undefined when the diff cannot be made (a commit is gone): scan everything.
 */
export async function changedLocationKeys(annex: Annex, from: string, to: string): Promise<Set<string> | undefined> {
  const paths = await changedTreePaths(annex, from, to);
  return paths === undefined ? undefined : locationLogKeys(paths);
}

/**
 * The file paths that differ between two commits or trees (one `git diff-tree -r`): of the
 * git-annex branch, or of the work tree's history. Undefined when one of them is gone.
 */
export async function changedTreePaths(annex: Annex, from: string, to: string): Promise<string[] | undefined> {
  if (from === to) return [];
  const r = await annex.git.tryRun(['diff-tree', '-r', '--name-only', '--no-renames', '-z', from, to]);
  if (r.code !== 0) return undefined;
  return r.stdout.toString('utf8').split('\0').filter(Boolean);
}

/**
 * A stamp of the git-annex branch ref (its loose ref file and packed-refs: mtime, size, inode)
 * that changes whenever the branch moves, read without spawning git. Equal stamps mean the
 * branch did not move; a changed stamp is confirmed by reading the branch head.
 */
export async function annexBranchStamp(gitDir: string): Promise<string> {
  const files = [join(gitDir, 'refs', 'heads', 'git-annex'), join(gitDir, 'packed-refs')];
  const parts = await Promise.all(files.map((f) => stat(f).then((s) => `${s.mtimeMs}:${s.size}:${s.ino}`, () => '-')));
  return parts.join('|');
}
