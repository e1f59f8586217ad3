// Whether a fetch from or a push to a remote on a local path would change nothing, read from both repositories' ref files without starting git.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { ASK_GIT, listRefsFromFiles, readRefFromFiles } from '../git/ref-files.js';
import type { RepoInfo } from '../git/repo.js';

/** The repository at a local path as far as its ref files go: a non-bare one's `.git` directory, or a bare one. */
async function refStoreAt(path: string): Promise<RepoInfo | undefined> {
  const isDir = (p: string): Promise<boolean> => stat(p).then((s) => s.isDirectory(), () => false);
  const isFile = (p: string): Promise<boolean> => stat(p).then((s) => s.isFile(), () => false);
  const dotGit = join(path, '.git');
  // A `.git` file (a linked work tree, a submodule) or a `commondir` file: let git find the refs.
  const gitDir = (await isDir(dotGit)) ? dotGit : (await isFile(join(path, 'HEAD'))) && (await isDir(join(path, 'refs'))) ? path : undefined;
  if (gitDir === undefined || (await isFile(join(gitDir, 'commondir')))) return undefined;
  return { gitDir, commonDir: gitDir, workTree: undefined, bare: gitDir === path };
}

/**
 * True when `git fetch <remote>` would change nothing: every branch of the repository at `path`
 * equals this repository's refs/remotes/<remote>/ ref of that name (and, when fetches prune, there
 * are no others). Only for the default refspec (+refs/heads/*:refs/remotes/<remote>/*); false
 * whenever anything is unusual (another refspec, a reftable, a linked work tree, an unreadable
 * file), so git decides.
 * An idle assistant asks this on every fetch tick and on every change notice; a real fetch is
 * seven processes (fetch, upload-pack and its shell, the connectivity check, maintenance).
 */
export async function localFetchWouldBeEmpty(annex: Annex, remote: string, path: string): Promise<boolean> {
  const refspecs = await annex.git.configGetAll(`remote.${remote}.fetch`).catch(() => undefined);
  if (refspecs?.length !== 1 || refspecs[0] !== `+refs/heads/*:refs/remotes/${remote}/*`) return false;
  const store = await refStoreAt(path);
  if (!store) return false;
  const theirs = await listRefsFromFiles(store, (ref) => ref.startsWith('refs/heads/'));
  if (theirs === ASK_GIT) return false;
  const prefix = `refs/remotes/${remote}/`;
  const ours = await annex.git.refsWhere((ref) => ref.startsWith(prefix) && ref !== `${prefix}HEAD`);
  for (const [ref, sha] of theirs) if (ours.get(prefix + ref.slice('refs/heads/'.length)) !== sha) return false;
  if (ours.size === theirs.size) return true;
  // A branch deleted there: a fetch changes something only when it prunes.
  const prune = (await annex.git.configGetBool(`remote.${remote}.prune`).catch(() => undefined)) ?? (await annex.git.configGetBool('fetch.prune').catch(() => undefined));
  return prune !== true;
}

/**
 * True when the push a sync makes (pushToRemote: <branch> to synced/<branch> and <branch>,
 * git-annex to synced/git-annex and git-annex) would change nothing at the repository at `path`:
 * all four of its refs already hold our commits. False when anything differs or is unusual (a
 * pushurl, a reftable, a linked work tree), so git pushes. A push that changes nothing still
 * starts git push, a shell and receive-pack, and a sync pushes to every remote every time.
 */
export async function localPushWouldBeEmpty(annex: Annex, remote: string, path: string, branch: string): Promise<boolean> {
  if ((await annex.git.configGet(`remote.${remote}.pushurl`).catch(() => 'unknown')) !== undefined) return false;
  const store = await refStoreAt(path);
  if (!store) return false;
  const [head, annexHead] = await Promise.all([annex.git.revParse(`refs/heads/${branch}`), annex.git.revParse('refs/heads/git-annex')]);
  if (!head || !annexHead) return false;
  const want: Array<[string, string]> = [
    [`refs/heads/synced/${branch}`, head],
    [`refs/heads/${branch}`, head],
    ['refs/heads/synced/git-annex', annexHead],
    ['refs/heads/git-annex', annexHead],
  ];
  for (const [ref, sha] of want) if ((await readRefFromFiles(store, ref)) !== sha) return false;
  return true;
}
