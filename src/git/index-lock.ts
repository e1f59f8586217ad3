// Holding a repository's index lock across several git commands, as one git command holds it
// across its own steps: no other git can change the index (or commit) in between.

import { copyFile, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ArborError, errnoCode } from '../util/errors.js';
import type { RepoInfo } from './repo.js';
import { removeIfStale } from './stale-lock.js';

/** Another git holds the index lock: what git itself says then. */
export class IndexLockedError extends ArborError {
  constructor(lock: string) {
    super('EINDEXLOCKED', `Unable to create '${lock}': File exists. Another git process seems to be running in this repository`, { data: { lock } });
  }
}

/** What the work under the lock decided: whether its index becomes the repository's, and its result. */
export interface IndexWork<T> {
  readonly install: boolean;
  readonly value: T;
}

async function takeLock(lock: string, repo: RepoInfo, now: number): Promise<FileHandle> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await open(lock, 'wx', 0o644);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
      // Left by a git that died: removed (only when no process holds it, see stale-lock.ts) and taken.
      if (attempt > 0 || !(await removeIfStale(lock, repo, { now }))) throw new IndexLockedError(lock);
    }
  }
}

/**
 * Runs `work` holding `.git/index.lock` the way git does (created exclusively, kept open so arbor's
 * stale-lock check sees it held), on a private copy of the index whose path `work` gets for
 * GIT_INDEX_FILE. If `work` says install, the copy replaces the index atomically before the lock
 * goes; otherwise the index stays exactly as it was. A user's `git commit` meanwhile is refused
 * with git's own "index.lock: File exists", as while any git command runs, instead of committing
 * a half-done change. Throws IndexLockedError when another git holds the lock.
 */
export async function withIndexLock<T>(repo: RepoInfo, work: (indexFile: string) => Promise<IndexWork<T>>, deps: { now: number }): Promise<T> {
  const index = join(repo.gitDir, 'index');
  const lock = `${index}.lock`;
  const handle = await takeLock(lock, repo, deps.now);
  const copy = join(repo.gitDir, `arbor-index-${process.pid}-${Date.now().toString(36)}`);
  let installed = false;
  try {
    await copyFile(index, copy).catch((err: unknown) => {
      if (errnoCode(err) !== 'ENOENT') throw err; // no index yet: git starts the copy empty
    });
    const done = await work(copy);
    if (done.install) {
      await rename(copy, index);
      installed = true;
    }
    return done.value;
  } finally {
    await handle.close();
    await rm(lock, { force: true });
    if (!installed) await rm(copy, { force: true });
    await rm(`${copy}.lock`, { force: true });
  }
}
