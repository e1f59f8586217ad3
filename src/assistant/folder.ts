// The folder `git arbor assistant <folder>` runs in: created, made a git repository and initialised for arbor when needed.

import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { InitResult } from '../annex/init.js';
import { initRepository } from '../content/init-repository.js';
import { findRepository } from '../git/repo.js';
import { gitInit } from '../git/init.js';
import { ArborError, describeError, errnoCode } from '../util/errors.js';
import { writeDenied } from '../util/writable.js';

/** The folder cannot hold a repository: it is a file, or it (or its parent) cannot be written. Code EFOLDER. */
export class FolderError extends ArborError {
  constructor(path: string, reason: string, data: Readonly<Record<string, unknown>> = {}) {
    // No cause on purpose: a denial's EROFS/EACCES would make the CLI reword this line as a read-only repository.
    super('EFOLDER', `cannot use ${path} for the assistant: ${reason}`, { data: { path, ...data } });
    this.name = 'FolderError';
  }
}

/** What prepareFolder found and did. */
export interface PreparedFolder {
  /** The folder, absolute. */
  readonly path: string;
  /** The folder did not exist and was created. */
  readonly createdFolder: boolean;
  /** The folder was not the top of a git repository and `git init` made it one. */
  readonly gitInit: boolean;
  /** What the arbor init did (`created` false when it was initialised already). */
  readonly init: InitResult;
}

/**
 * Makes `path` a folder the assistant can run in, as git-annex's webapp makes its first repository
 * (Assistant/MakeRepo.hs): creates it when missing, runs `git init` unless it is the top of a
 * repository already (a folder inside another repository gets its own, as `git init` there would
 * give), then initialises it for arbor as `git arbor init` does. Each step is harmless when
 * already done. Throws FolderError, with one line saying why, when `path` is a file or cannot be
 * created or written.
 */
export async function prepareFolder(path: string, options: { filterCommand: string }): Promise<PreparedFolder> {
  const folder = resolve(path);
  const createdFolder = await ensureDirectory(folder);
  const denied = await writeDenied(folder);
  if (denied) throw new FolderError(folder, `it is ${denied === 'EROFS' ? 'read-only' : 'not writable'} (${denied})`, { errno: denied });
  const needsGit = !(await isRepositoryTop(folder));
  if (needsGit) await gitInit(folder);
  const init = await initRepository(folder, { filterCommand: options.filterCommand });
  return { path: folder, createdFolder, gitInit: needsGit, init };
}

/** Creates `folder` (and its parents) unless it is a directory already; returns whether it created it. */
async function ensureDirectory(folder: string): Promise<boolean> {
  const existing = await stat(folder).catch(async (err: unknown) => {
    const errno = errnoCode(err);
    if (errno === 'ENOENT') return undefined;
    if (errno === 'ENOTDIR') throw new FolderError(folder, `cannot create it: ${await existingAncestor(folder)} is a file`, { errno });
    throw new FolderError(folder, describeError(err), { errno });
  });
  if (existing) {
    if (!existing.isDirectory()) throw new FolderError(folder, 'it is a file, not a folder');
    return false;
  }
  try {
    await mkdir(folder, { recursive: true });
    return true;
  } catch (err) {
    // A recursive mkdir can report ENOENT where the real refusal is EROFS: ask the ancestor that exists.
    const ancestor = await existingAncestor(folder);
    const denied = await writeDenied(ancestor);
    const reason = denied ? `${ancestor} is ${denied === 'EROFS' ? 'read-only' : 'not writable'} (${denied})` : describeError(err);
    throw new FolderError(folder, `cannot create it: ${reason}`, { errno: denied ?? errnoCode(err) });
  }
}

/** The nearest existing ancestor of `folder` (lstat: a file on the path counts): what refused the new folder. */
async function existingAncestor(folder: string): Promise<string> {
  let dir = dirname(folder);
  while (dirname(dir) !== dir && !(await lstat(dir).then(() => true, () => false))) dir = dirname(dir);
  return dir;
}

/** Whether `folder` is the top of a work tree, or a bare repository itself. */
async function isRepositoryTop(folder: string): Promise<boolean> {
  const repo = await findRepository(folder).catch(() => undefined);
  if (!repo) return false;
  const top = repo.workTree ?? repo.gitDir;
  const [a, b] = await Promise.all([realpath(top).catch(() => top), realpath(folder)]);
  return a === b;
}
