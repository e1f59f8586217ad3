// Merging peers' branches into the current branch: fast-forward, merge, or resolve conflicts and commit.

import type { Annex } from '../annex/annex.js';
import { describeError } from '../util/errors.js';
import { resolveConflicts, hasUnmergedPaths, type ResolvedConflict } from './conflicts.js';
import { simpleGitFor } from './git-client.js';
import { identityArgs } from './identity.js';
import { findMarkedFiles, keepMarkersAsConflicts } from './conflict-markers.js';
import type { PeerDeletion } from './peer-deletion-log.js';
import { findPeerDeletions } from './peer-deletions.js';

/** The outcome of merging one ref. */
export interface MergeOutcome {
  readonly ref: string;
  readonly status: 'up-to-date' | 'merged' | 'conflicts-resolved' | 'failed';
  readonly conflicts: readonly ResolvedConflict[];
  readonly error?: string;
  /** The merge was refused because it would overwrite uncommitted work-tree changes (commit them, then merge again). */
  readonly blockedByLocalChanges?: boolean;
  /** Files that existed here and the merge deleted (renames excluded), when there were any. */
  readonly deletion?: PeerDeletion;
  /** Looking at what the merge brought in failed (the merge itself stands); the reason. */
  readonly inspectionError?: string;
}

/**
 * What a merge from `before` to HEAD brought in that the user must see: deleted files, and files
 * with conflict markers (kept as conflicts, see conflict-markers.ts). `conflicts` are the ones the
 * merge itself resolved; their paths are not counted again.
 */
async function inspectMerge(annex: Annex, ref: string, before: string, conflicts: readonly ResolvedConflict[]): Promise<Pick<MergeOutcome, 'deletion' | 'conflicts' | 'inspectionError'>> {
  try {
    const after = await annex.git.revParse('HEAD');
    if (!after) return { conflicts };
    const exclude = new Set(conflicts.flatMap((c) => [c.path, ...c.results]));
    const deletion = await findPeerDeletions(annex, { ref, before, after, exclude });
    const marked = await findMarkedFiles(annex, { before, after, exclude });
    const markers = await keepMarkersAsConflicts(annex, { ref, after, files: marked });
    return { conflicts: [...conflicts, ...markers], ...(deletion ? { deletion } : {}) };
  } catch (err) {
    return { conflicts, inspectionError: describeError(err) };
  }
}

/** git's refusals to merge over uncommitted changes (tracked and untracked files). */
const LOCAL_CHANGES = /would be overwritten by merge/;

/** Whether .git/MERGE_HEAD exists (a merge stopped before its commit). */
export async function mergeInProgress(annex: Annex): Promise<boolean> {
  return (await annex.git.revParse('MERGE_HEAD')) !== undefined;
}

/** The message of arbor's conflict-fixing merge commits (git-annex writes a similar one). */
export const CONFLICT_FIX_MESSAGE = 'arbor: automatic merge conflict fix';

/**
 * Merges `ref` into the checked-out branch unless it has nothing new. Conflicts are resolved
 * (both versions kept, see conflicts.ts) and the merge committed, so the repository is never left
 * mid-merge. A merge git refuses to start (e.g. an untracked file in the way) is aborted and
 * reported, leaving the work tree as it was.
 */
export async function mergeRef(annex: Annex, ref: string): Promise<MergeOutcome> {
  const git = annex.git;
  const sha = await git.revParse(ref);
  if (!sha) return { ref, status: 'up-to-date', conflicts: [] };
  const head = await git.revParse('HEAD');
  if (head && (await git.isAncestor(sha, head))) return { ref, status: 'up-to-date', conflicts: [] };
  const workTree = annex.workTree ?? git.repo.gitDir;
  const ident = await identityArgs(git);
  if (!head) {
    // Unborn branch: take the peer's history as ours (there is nothing of ours to merge yet).
    await git.run(['merge', '-q', '--ff-only', sha]);
    return { ref, status: 'merged', conflicts: [] };
  }
  let failure: unknown;
  try {
    await simpleGitFor(workTree).raw([...ident, '-c', 'merge.directoryRenames=false', 'merge', '--no-edit', '--no-verify', '--allow-unrelated-histories', '-q', sha]);
  } catch (err) {
    failure = err;
  }
  // Judge by the repository's state, not only by how git exited.
  const unmerged = await hasUnmergedPaths(annex);
  if (!unmerged) {
    if (failure === undefined && !(await mergeInProgress(annex))) return { ref, status: 'merged', ...(await inspectMerge(annex, ref, head, [])) };
    await git.tryRun(['merge', '--abort']);
    const error = describeError(failure ?? new Error('the merge did not complete'));
    return { ref, status: 'failed', conflicts: [], error, ...(LOCAL_CHANGES.test(error) ? { blockedByLocalChanges: true } : {}) };
  }
  try {
    const conflicts = await resolveConflicts(annex);
    await git.run([...ident, 'commit', '-q', '--no-verify', '-m', CONFLICT_FIX_MESSAGE]);
    return { ref, status: 'conflicts-resolved', ...(await inspectMerge(annex, ref, head, conflicts)) };
  } catch (err) {
    await git.tryRun(['merge', '--abort']);
    return { ref, status: 'failed', conflicts: [], error: `could not resolve conflicts: ${describeError(err)}` };
  }
}
