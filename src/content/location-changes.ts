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
import { keyFromLinkTarget, MAX_POINTER_BYTES, parsePointer } from '../annex/pointer.js';

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
 * Whether any of `paths` (git-annex branch paths) is a log that may change which repositories
 * want or may drop what: trust, groups, wanted, required, numcopies, remote.log, transitions…
 * Per-key logs (`xxx/yyy/KEY.log…`, arbor/), uuid.log and activity.log are not.
 */
export function policyLogsIn(paths: readonly string[]): boolean {
  return paths.some((path) => !path.includes('/') && path !== 'uuid.log' && path !== 'activity.log');
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
export function annexBranchStamp(gitDir: string): Promise<string> {
  return refStamp(gitDir, 'refs/heads/git-annex');
}

/** The same stamp for any ref (`refs/heads/main`): its loose file and packed-refs. */
export async function refStamp(gitDir: string, ref: string): Promise<string> {
  const files = [join(gitDir, ...ref.split('/')), join(gitDir, 'packed-refs')];
  const parts = await Promise.all(files.map((f) => stat(f).then((s) => `${s.mtimeMs}:${s.size}:${s.ino}`, () => '-')));
  return parts.join('|');
}

/** Up to this many replaced blobs, the running cat-file reads them; past it, two batch runs are cheaper. */
const THROUGH_RUNNING_CAT_FILE = 64;

/** What changed between two trees of the work tree's history: every changed path, and the old blob of each deleted or changed one. */
export interface TreeChanges {
  readonly paths: string[];
  /** (mode, blob) that a deleted, modified or type-changed path held in `from`. */
  readonly replaced: Array<{ mode: string; sha: string }>;
}

/**
 * The changes between two commits or trees, from one `git diff-tree -r --raw`: the changed paths
 * and the blobs that deleted or changed paths held. Undefined when one of them is gone.
 */
export async function treeChanges(annex: Annex, from: string, to: string): Promise<TreeChanges | undefined> {
  if (from === to) return { paths: [], replaced: [] };
  const r = await annex.git.tryRun(['diff-tree', '-r', '--raw', '--no-renames', '-z', from, to]);
  if (r.code !== 0) return undefined;
  // ":<old mode> <new mode> <old sha> <new sha> <status>\0<path>\0" per change.
  const fields = r.stdout.toString('utf8').split('\0');
  const paths: string[] = [];
  const replaced: Array<{ mode: string; sha: string }> = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const [oldMode, , oldSha, , status] = (fields[i] ?? '').replace(/^:/, '').split(' ');
    const path = fields[i + 1];
    if (path) paths.push(path);
    if (oldMode && oldSha && (status === 'D' || status === 'M' || status === 'T')) replaced.push({ mode: oldMode, sha: oldSha });
  }
  return { paths, replaced };
}

/**
 * The keys of the blobs that deleted or changed paths held (TreeChanges.replaced): another path
 * may still use such a key, and may now be the only one deciding whether it is wanted. A few are
 * read through the running cat-file; many with `cat-file --batch-check` and `--batch`. Undefined
 * when git could not read them.
 */
export async function replacedKeys(annex: Annex, replaced: TreeChanges['replaced']): Promise<Set<string> | undefined> {
  const keys = new Set<string>();
  const links: string[] = [];
  const blobs: string[] = [];
  for (const { mode, sha } of replaced) {
    if (mode === '120000') links.push(sha);
    else if (mode === '100644' || mode === '100755') blobs.push(sha);
  }
  const shas = [...links, ...blobs];
  if (shas.length === 0) return keys;
  if (shas.length <= THROUGH_RUNNING_CAT_FILE) {
    // A few (the usual sync): the running cat-file answers, no git started.
    const cat = annex.git.catFile();
    await Promise.all(shas.map(async (sha) => {
      const info = await cat.info(sha);
      if (!info || info.size > MAX_POINTER_BYTES) return;
      const blob = await cat.get(sha);
      const key = blob && (keyFromLinkTarget(blob.content.toString('utf8')) ?? parsePointer(blob.content));
      if (key) keys.add(formatKey(key));
    }));
    return keys;
  }
  const sizes = await annex.git.run(['cat-file', '--batch-check=%(objectname) %(objectsize)'], { input: shas.join('\n') + '\n' });
  const small = sizes
    .split('\n')
    .map((l) => l.split(' '))
    .filter(([sha, size]) => sha && Number(size) <= MAX_POINTER_BYTES)
    .map(([sha]) => sha as string);
  if (small.length === 0) return keys;
  const batch = await annex.git.tryRun(['cat-file', '--batch'], { input: small.join('\n') + '\n' });
  if (batch.code !== 0) return undefined;
  const out = batch.stdout;
  for (let pos = 0; pos < out.length; ) {
    const eol = out.indexOf(0x0a, pos);
    if (eol < 0) break;
    const size = Number(out.subarray(pos, eol).toString('utf8').split(' ')[2]);
    if (!Number.isFinite(size)) break;
    const body = out.subarray(eol + 1, eol + 1 + size);
    pos = eol + 1 + size + 1;
    const key = keyFromLinkTarget(body.toString('utf8')) ?? parsePointer(body);
    if (key) keys.add(formatKey(key));
  }
  return keys;
}
