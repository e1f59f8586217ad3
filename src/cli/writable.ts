// Refusing write commands in a repository that cannot be written, in one line, before anything starts.

import { findRepository, type RepoInfo } from '../git/repo.js';
import { ReadOnlyError, readOnlyErrno } from '../util/errors.js';
import { writeDenied } from '../util/writable.js';
import { isAbsolute, relative } from 'node:path';

/** The repository containing `cwd`, or undefined outside one. */
async function repositoryAt(cwd: string): Promise<RepoInfo | undefined> {
  return findRepository(cwd).catch(() => undefined);
}

/**
 * Throws ReadOnlyError ("cannot add: /mnt/backup/repo is read-only (EROFS)") when the repository
 * containing `cwd` cannot be written: its git dir, or its work tree when it has one. Outside a
 * repository it returns, leaving the command to say so itself.
 */
export async function assertWritable(cwd: string, action: string): Promise<void> {
  const repo = await repositoryAt(cwd);
  if (!repo) return;
  const where = repo.workTree ?? repo.gitDir;
  const errno = (await writeDenied(repo.gitDir)) ?? (repo.workTree ? await writeDenied(repo.workTree) : undefined);
  if (errno) throw new ReadOnlyError(where, errno, { action });
}

/**
 * A read-only failure anywhere under a command (EROFS from a system call or a git child) as a
 * one-line ReadOnlyError naming the repository, or the path written when that lies outside it
 * (a read-only drive a remote lives on). Undefined when `err` is something else.
 */
export async function asReadOnlyError(err: unknown, cwd: string, action: string): Promise<ReadOnlyError | undefined> {
  const errno = readOnlyErrno(err);
  if (!errno) return undefined;
  const repo = await repositoryAt(cwd);
  const root = repo ? (repo.workTree ?? repo.gitDir) : undefined;
  const written = err instanceof ReadOnlyError ? err.path : pathOf(err);
  const inside = (p: string, dir: string): boolean => {
    const rel = relative(dir, p);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  const named = written && root && !inside(written, root) && !(repo && inside(written, repo.gitDir)) ? written : (root ?? written ?? cwd);
  return new ReadOnlyError(named, errno, { action, cause: err });
}

/** The path a Node system error names, looking through causes. */
function pathOf(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; depth++, e = e.cause) {
    if ('path' in e && typeof e.path === 'string') return e.path;
  }
  return undefined;
}
