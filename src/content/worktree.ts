// Keeping unlocked files in the work tree in step with the object store (populate after get, pointer after drop).

import type { Stats } from 'node:fs';
import { chmod, copyFile, lstat, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Annex } from '../annex/annex.js';
import { formatKey } from '../annex/key.js';
import { formatPointer, parsePointer } from '../annex/pointer.js';
import { verifyKeyContent } from '../annex/backend.js';
import type { AnnexedFile } from './annexed-files.js';

/** The pointer file's stat data when `path` is still the pointer file of `file`'s key. */
async function pointerFor(path: string, file: AnnexedFile): Promise<Stats | undefined> {
  const s = await lstat(path).catch(() => undefined);
  if (!s?.isFile() || s.size > 32 * 1024) return undefined;
  const key = parsePointer(await readFile(path));
  return key !== undefined && formatKey(key) === formatKey(file.key) ? s : undefined;
}

/** Whether `path` is still the very file that was looked at (same inode, size, times). */
async function unchangedSince(path: string, before: Stats): Promise<boolean> {
  const s = await lstat(path).catch(() => undefined);
  return s !== undefined && s.ino === before.ino && s.size === before.size && s.mtimeMs === before.mtimeMs && s.ctimeMs === before.ctimeMs;
}

/**
 * Moves `tmp` over `dest` only if `dest` is still the file looked at before the (long) copy or
 * hash: a file the user deleted or wrote meanwhile (or a merge removed) is never re-created or
 * overwritten. The check and the rename are microseconds apart, not a whole copy apart.
 */
export async function renameIfUnchanged(tmp: string, dest: string, before: Stats): Promise<boolean> {
  if (!(await unchangedSince(dest, before))) {
    await rm(tmp, { force: true });
    return false;
  }
  await rename(tmp, dest);
  return true;
}

/** Replaces `dest` with a copy of `source` (keeping the executable bit of the index mode) if it is still the file seen as `before`. */
async function replaceWithCopy(source: string, dest: string, mode: string, before: Stats): Promise<boolean> {
  const tmp = join(dirname(dest), `.arbor-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await copyFile(source, tmp);
    await chmod(tmp, mode === '100755' ? 0o755 : 0o644);
    const h = await open(tmp, 'r+');
    await h.sync();
    await h.close();
    return await renameIfUnchanged(tmp, dest, before);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Lets git re-read the stat data of files arbor rewrote, so they do not show as modified. */
export async function refreshIndex(annex: Annex, paths: readonly string[]): Promise<void> {
  if (paths.length === 0) return;
  await annex.git.tryRun(['update-index', '-q', '--refresh', '--', ...paths]);
}

/**
 * After content arrived: an unlocked file whose work-tree copy is still the pointer gets the
 * content. A file the user changed meanwhile is never touched. Returns whether it wrote.
 */
export async function populateUnlocked(annex: Annex, file: AnnexedFile): Promise<boolean> {
  if (file.locked || !annex.workTree) return false;
  const path = join(annex.workTree, file.path);
  const before = await pointerFor(path, file);
  if (!before) return false;
  const object = await annex.store.pathOf(file.key);
  if (!object) return false;
  return replaceWithCopy(object, path, file.mode, before);
}

/**
 * Before content leaves: an unlocked file whose work-tree copy is the key's content goes back to
 * being a pointer file. A modified copy is left alone (it is not this key's content). Returns
 * whether it wrote.
 */
export async function depopulateUnlocked(annex: Annex, file: AnnexedFile): Promise<boolean> {
  if (file.locked || !annex.workTree) return false;
  const path = join(annex.workTree, file.path);
  const s = await lstat(path).catch(() => undefined);
  if (!s?.isFile()) return false;
  if (file.key.size !== undefined && s.size !== file.key.size) return false;
  if (!(await verifyKeyContent(file.key, path))) return false;
  const tmp = join(dirname(path), `.arbor-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, formatPointer(file.key), { mode: file.mode === '100755' ? 0o755 : 0o644 });
    return await renameIfUnchanged(tmp, path, s);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
