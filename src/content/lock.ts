// lock / unlock: switch annexed files between symlinks into the store and editable pointer-tracked files.

import { chmod, copyFile, lstat, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Annex } from '../annex/annex.js';
import { verifyKeyContent } from '../annex/backend.js';
import { lockedLinkTarget } from '../annex/locations.js';
import { formatPointer } from '../annex/pointer.js';
import { ArborError } from '../util/errors.js';
import type { AnnexedFile } from './annexed-files.js';
import { refreshIndex } from './worktree.js';
import { stagePaths, stagePointers } from './stage.js';

function tmpBeside(path: string): string {
  return join(dirname(path), `.arbor-${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Unlocks files: each symlink becomes a regular file with the content (or the pointer when the
 * content is not here), and git tracks a pointer blob (doc/internals/pointer_file.mdwn).
 */
export async function unlockFiles(annex: Annex, files: readonly AnnexedFile[]): Promise<string[]> {
  const workTree = annex.workTree;
  if (!workTree) throw new ArborError('EBARE', 'unlock needs a work tree');
  const done: AnnexedFile[] = [];
  for (const f of files) {
    if (!f.locked) continue;
    const path = join(workTree, f.path);
    const object = await annex.store.pathOf(f.key);
    const tmp = tmpBeside(path);
    try {
      if (object) {
        await copyFile(object, tmp);
        await chmod(tmp, 0o644);
      } else {
        await writeFile(tmp, formatPointer(f.key));
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    done.push(f);
  }
  await stagePointers(annex, done.map((f) => ({ path: f.path, key: f.key, executable: false })));
  await refreshIndex(annex, done.map((f) => f.path));
  return done.map((f) => f.path);
}

/** A file cannot be locked because its work-tree copy was changed. */
export class ModifiedFileError extends ArborError {
  constructor(path: string) {
    super('EMODIFIED', `${path} has been modified; add it first (git arbor add ${path}), then lock it`, { data: { path } });
  }
}

/**
 * Locks unlocked files: the work-tree copy (which must still be the key's content, or the bare
 * pointer) is replaced by a symlink into the object store; nothing is lost if the content is only
 * in the work tree: it is stored first.
 */
export async function lockFiles(annex: Annex, files: readonly AnnexedFile[]): Promise<string[]> {
  const workTree = annex.workTree;
  if (!workTree) throw new ArborError('EBARE', 'lock needs a work tree');
  const done: string[] = [];
  for (const f of files) {
    if (f.locked) continue;
    const path = join(workTree, f.path);
    const st = await lstat(path).catch(() => undefined);
    const isPointerOnly = st?.isFile() === true && st.size < 32 * 1024 && (await readFile(path, 'utf8')) === formatPointer(f.key);
    if (st?.isFile() && !isPointerOnly) {
      if (!(await verifyKeyContent(f.key, path))) throw new ModifiedFileError(f.path);
      if (!(await annex.store.has(f.key))) {
        await annex.store.ingest(path, { backend: f.key.backend, fileName: f.path, mode: 'copy' });
      }
    }
    const tmp = tmpBeside(path);
    await symlink(lockedLinkTarget(f.path, f.key), tmp);
    await rename(tmp, path);
    done.push(f.path);
  }
  await stagePaths(annex, done);
  return done;
}
