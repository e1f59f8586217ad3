// Checks before a sync touches the work tree: a branch checked out, no merge or rebase half done.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { ArborError } from '../util/errors.js';

/** The repository is in a state sync must not touch; the message says what to do. */
export class SyncStateError extends ArborError {
  constructor(message: string) {
    super('ESYNCSTATE', message);
  }
}

/**
 * The branch to sync. Detached HEAD, and a merge, rebase, cherry-pick or revert in progress, are
 * one-line errors: sync never finishes or abandons work the user started. An unborn branch is fine
 * (its first commit or the peers' branch starts it).
 */
export async function syncBranch(annex: Annex): Promise<string> {
  const gitDir = annex.git.repo.gitDir;
  const inProgress: Array<[string, string]> = [
    ['MERGE_HEAD', 'a merge is in progress: finish it (git commit) or abort it (git merge --abort), then sync'],
    ['rebase-merge', 'a rebase is in progress: finish it (git rebase --continue) or abort it (git rebase --abort), then sync'],
    ['rebase-apply', 'a rebase or am is in progress: finish or abort it, then sync'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick is in progress: finish or abort it, then sync'],
    ['REVERT_HEAD', 'a revert is in progress: finish or abort it, then sync'],
  ];
  for (const [file, message] of inProgress) if (existsSync(join(gitDir, file))) throw new SyncStateError(message);
  const branch = await annex.git.currentBranch();
  if (!branch) throw new SyncStateError('HEAD is detached: check out a branch (git switch <branch>), then sync');
  if (branch.startsWith('synced/') || branch === 'git-annex') throw new SyncStateError(`the checked-out branch ${branch} is arbor's own; check out your branch, then sync`);
  return branch;
}
