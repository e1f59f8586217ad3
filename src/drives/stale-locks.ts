// After a drive was pulled out mid-write: git lock files left in the repositories on it, removed when they are older than the mount.

import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** git's lock files at the top of a git directory (refs/ is searched as a whole). */
const TOP_LOCKS = ['index.lock', 'HEAD.lock', 'packed-refs.lock', 'config.lock', 'shallow.lock', 'FETCH_HEAD.lock'];

/** Every `*.lock` file under `dir` (recursively). */
async function locksUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) found.push(...(await locksUnder(p)));
    else if (e.name.endsWith('.lock')) found.push(p);
  }
  return found;
}

/**
 * Removes git lock files (refs, index, packed-refs, config …) in the git directory `gitDir` that
 * were last written before `mountedAt` (ms). A drive pulled out while git updated a ref leaves
 * `refs/heads/x.lock` behind, and every later update of that ref fails until it is removed. No
 * process can have taken a lock on a drive that was not mounted, so a lock older than the mount
 * is stale; newer ones (a git process working now) are left alone. Returns the removed paths.
 */
export async function removeStaleLocks(gitDir: string, mountedAt: number): Promise<string[]> {
  const candidates = [...TOP_LOCKS.map((n) => join(gitDir, n)), ...(await locksUnder(join(gitDir, 'refs')))];
  const removed: string[] = [];
  for (const p of candidates) {
    const s = await stat(p).catch(() => undefined);
    if (!s?.isFile() || s.mtimeMs >= mountedAt) continue;
    await rm(p, { force: true });
    removed.push(p);
  }
  return removed;
}
