// Merging peers' branches into the current branch: fast-forward, merge, or resolve conflicts and commit.

import type { Annex } from '../annex/annex.js';
import { describeError } from '../util/errors.js';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { IndexLockedError, withIndexLock } from '../git/index-lock.js';
import { readTreeIntoIndex, updateIndexInfo, writeTree, type IndexEntry } from '../git/update-index.js';
import { resolveConflicts, resolveConflictsInIndex, hasUnmergedPaths, type ResolvedConflict } from './conflicts.js';
import { identityArgs, identityEnv } from './identity.js';
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

/** Removes a path from an index (update-index --index-info). */
const ZERO_SHA = '0'.repeat(40);

/** Refusals to merge over uncommitted changes (tracked and untracked files): git merge's words and read-tree's. */
const LOCAL_CHANGES = /would be overwritten by merge|not uptodate\. Cannot merge|would be removed by merge|would lose untracked files/;

/** HEAD merged with a peer's commit in git's object database alone: the result's tree and, when it is not clean, the conflicted stages. */
interface ComputedMerge {
  readonly tree: string;
  readonly clean: boolean;
  /** `<mode> <sha> <stage>\t<path>` of every conflicted path, as `git merge` would leave them in the index. */
  readonly stages: readonly IndexEntry[];
}

/**
 * HEAD merged with `sha` without touching the index or the work tree (`git merge-tree
 * --write-tree`, git 2.38+). Undefined when this git cannot (older git: `git merge` alone is
 * used, as before).
 */
async function mergeTree(annex: Annex, head: string, sha: string): Promise<ComputedMerge | undefined> {
  const r = await annex.git.tryRun(['-c', 'merge.directoryRenames=false', 'merge-tree', '--write-tree', '--allow-unrelated-histories', '-z', head, sha]);
  if (r.code !== 0 && r.code !== 1) return undefined;
  const records = r.stdout.toString('utf8').split('\0');
  const tree = records[0]?.trim() ?? '';
  if (!/^[0-9a-f]{40,64}$/.test(tree)) return undefined;
  const stages: IndexEntry[] = [];
  // The conflicted file info follows the tree, up to an empty record; the messages after it are not needed.
  for (const rec of records.slice(1)) {
    if (rec === '') break;
    const m = /^([0-7]+) ([0-9a-f]{40,64}) ([123])\t(.+)$/s.exec(rec);
    if (!m) return undefined;
    stages.push({ mode: m[1] as string, sha: m[2] as string, stage: Number(m[3]) as 1 | 2 | 3, path: m[4] as string });
  }
  return { tree, clean: r.code === 0, stages };
}

/**
 * The tree of a conflicted merge with every conflict resolved as resolveConflicts resolves them
 * (both versions kept), built in a temporary index from merge-tree's result and its stages: the
 * repository's index and work tree are not touched, so nothing the user does meanwhile is lost.
 */
async function resolvedMergeTree(annex: Annex, computed: ComputedMerge): Promise<{ tree: string; conflicts: ResolvedConflict[] }> {
  const git = annex.git;
  const cwd = annex.workTree ?? git.repo.gitDir;
  const indexFile = join(git.repo.gitDir, `arbor-merge-index-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await readTreeIntoIndex({ cwd, indexFile, treeish: computed.tree });
    const paths = [...new Set(computed.stages.map((e) => e.path))];
    await updateIndexInfo({ cwd, indexFile, entries: [...paths.map((path) => ({ mode: '0', sha: ZERO_SHA, path })), ...computed.stages] });
    const conflicts = await resolveConflictsInIndex(annex, indexFile);
    return { tree: await writeTree({ cwd, indexFile }), conflicts };
  } finally {
    await rm(indexFile, { force: true });
  }
}

/**
 * Brings a clean merge result `tree` into the index and the work tree and commits it (parents
 * HEAD and `sha`). `read-tree -m -u` checks every path the merge changes before it writes any, and
 * writes only those: when a local change is in the way it refuses and every file stays as it was.
 * Not `git merge`: since git 2.38 a merge that its strategy refuses (local changes in the way)
 * first stashes the work tree, then resets every changed file to HEAD and applies the stash again,
 * so an edit or deletion made meanwhile is undone (the file gets HEAD's old bytes back) and files
 * held open lose their later writes (a new inode). Returns the error when it did not merge.
 */
async function applyCleanMerge(annex: Annex, head: string, sha: string, tree: string, message = `Merge commit '${sha}'\n`): Promise<string | undefined> {
  const git = annex.git;
  // Fresh stat data first, as git merge does: an unlocked file whose content arrived is no change.
  await git.tryRun(['update-index', '-q', '--refresh']);
  // The index stays locked from read-tree to the commit, as inside one git merge: a user's `git
  // commit` in between would otherwise commit the merged files without the merge (and the roll
  // back below would then undo the peer's changes in the work tree).
  let error: string | undefined;
  try {
    error = await withIndexLock(git.repo, async (indexFile) => {
      const env = { GIT_INDEX_FILE: indexFile };
      const read = await git.tryRun(['read-tree', '-m', '-u', head, tree], { env });
      if (read.code !== 0) return { install: false, value: read.stderr.trim() || `git read-tree exited ${read.code}` };
      const commit = await git.commitTree({ tree, parents: [head, sha], message, env: await identityEnv(git) });
      // Compare-and-swap, like the committer: HEAD can still move by commands that leave the index
      // alone (update-ref, reset --soft); then the work tree goes back and the index is untouched.
      const moved = await git.tryRun(['update-ref', '-m', `merge ${sha}: Merge made by arbor (merge-tree)`, 'HEAD', commit, head]);
      if (moved.code !== 0) {
        await git.tryRun(['read-tree', '-m', '-u', tree, head], { env });
        return { install: false, value: moved.stderr.trim() || 'HEAD moved during the merge' };
      }
      return { install: true, value: undefined };
    }, { now: annex.deps.clock.now() });
  } catch (err) {
    if (err instanceof IndexLockedError) return err.message;
    throw err;
  }
  if (error === undefined) await git.tryRun(['update-ref', 'ORIG_HEAD', head]);
  return error;
}

/** A merge that did not happen, with nothing written: blocked when local changes are in its way. */
function refused(ref: string, error: string): MergeOutcome {
  return { ref, status: 'failed', conflicts: [], error, ...(LOCAL_CHANGES.test(error) ? { blockedByLocalChanges: true } : {}) };
}

/** Whether .git/MERGE_HEAD exists (a merge stopped before its commit). */
export async function mergeInProgress(annex: Annex): Promise<boolean> {
  return (await annex.git.revParse('MERGE_HEAD')) !== undefined;
}

/** The message of arbor's conflict-fixing merge commits (git-annex writes a similar one). */
export const CONFLICT_FIX_MESSAGE = 'arbor: automatic merge conflict fix';

/**
 * Merges `ref` into the checked-out branch unless it has nothing new. A clean merge is computed by
 * `git merge-tree` and applied by read-tree (applyCleanMerge); a fast-forward, and a merge with
 * conflicts once nothing is in its way, go through `git merge`. Conflicts are resolved (both
 * versions kept, see conflicts.ts) and the merge committed, so the repository is never left
 * mid-merge. A merge that local changes are in the way of (or that git refuses to start) is
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
  if (!(await git.isAncestor(head, sha))) {
    // A real merge (not a fast-forward): computed first, so `git merge` never starts one it refuses.
    const computed = await mergeTree(annex, head, sha);
    if (computed?.clean) {
      const error = await applyCleanMerge(annex, head, sha, computed.tree);
      if (error === undefined) return { ref, status: 'merged', ...(await inspectMerge(annex, ref, head, [])) };
      return refused(ref, error);
    }
    if (computed && workTree !== git.repo.gitDir) {
      // Conflicts, resolved in a temporary index and brought in like a clean merge. Not `git
      // merge`: when its strategy refuses (a file edited since any check made before it started),
      // it resets the changed files to HEAD and re-applies a stash, and an edit made meanwhile is
      // lost (seen in the soak: edits reverted to an older version).
      const resolved = await resolvedMergeTree(annex, computed);
      const error = await applyCleanMerge(annex, head, sha, resolved.tree, `${CONFLICT_FIX_MESSAGE}\n`);
      if (error === undefined) return { ref, status: 'conflicts-resolved', ...(await inspectMerge(annex, ref, head, resolved.conflicts)) };
      return refused(ref, error);
    }
  }
  let failure: unknown;
  try {
    // Loaded only here: a sync with nothing new to merge, or a clean merge (read-tree above), needs none of simple-git.
    const { simpleGitFor } = await import('./git-client.js');
    await simpleGitFor(workTree).raw([...ident, '-c', 'merge.directoryRenames=false', 'merge', '--no-edit', '--no-verify', '--allow-unrelated-histories', '-q', sha]);
  } catch (err) {
    failure = err;
  }
  // Judge by the repository's state, not only by how git exited.
  const unmerged = await hasUnmergedPaths(annex);
  if (!unmerged) {
    if (failure === undefined && !(await mergeInProgress(annex))) return { ref, status: 'merged', ...(await inspectMerge(annex, ref, head, [])) };
    await git.tryRun(['merge', '--abort']);
    return refused(ref, describeError(failure ?? new Error('the merge did not complete')));
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
