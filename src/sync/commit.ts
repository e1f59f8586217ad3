// Step 1 of a sync: commit everything that changed in the work tree (large files to the annex).

import type { Annex } from '../annex/annex.js';
import { addFiles, NO_FILTER } from '../content/add.js';
import { repositoryDescriptions } from '../annex/logs/uuid.js';
import { identityEnv } from './identity.js';
import { hasUnmergedPaths } from './conflicts.js';
import { ArborError } from '../util/errors.js';
import { noteActivity } from './activity-log.js';
import { GitCommandError } from '../git/errors.js';
import type { FailedFile } from '../content/git-add.js';

/** What the commit step did. */
export interface CommitOutcome {
  readonly committed: boolean;
  readonly commit?: string;
  /** Files staged by this commit step (added, modified or removed). */
  readonly files: number;
  /** Annexed files added (their paths), for content transfers. */
  readonly annexed: readonly string[];
  /** Files that could not be added, with the reason; everything else was committed. */
  readonly failed: readonly FailedFile[];
}

/** Options for commitWorkTree. */
export interface CommitOptions {
  readonly message?: string;
  /** Only these top-relative paths (files or directories); default the whole work tree. */
  readonly paths?: readonly string[];
  /** Add new large files unlocked (the assistant's default), instead of annex.addunlocked. */
  readonly unlocked?: boolean;
}

const literal = (p: string): string => `:(literal)${p}`;

/**
 * The pathspec that covers `path` when `path` may not name the file: a name that is not valid
 * UTF-8 reaches us decoded lossily (U+FFFD), so its nearest clean parent directory is used instead
 * ('.' for the top), and git lists the real bytes under it.
 */
export function coveringPath(path: string): string {
  const bad = path.indexOf('\uFFFD');
  if (bad < 0) return path;
  const slash = path.lastIndexOf('/', bad);
  return slash <= 0 ? '.' : path.slice(0, slash);
}

/** Splits NUL-terminated git output into records, as bytes (names need not be UTF-8). */
function byteRecords(out: Buffer): Buffer[] {
  const recs: Buffer[] = [];
  for (let at = 0; at < out.length; ) {
    let end = out.indexOf(0, at);
    if (end < 0) end = out.length;
    if (end > at) recs.push(out.subarray(at, end));
    at = end + 1;
  }
  return recs;
}

/**
 * Stages new and modified files (annex.largefiles decides annex or git; .gitignore honoured),
 * deletions and renames, and commits them with message "arbor in <description>". Nothing staged:
 * no commit. Paths that neither exist nor are tracked (a temp file already gone) are ignored.
 */
export async function commitWorkTree(annex: Annex, options: CommitOptions = {}): Promise<CommitOutcome> {
  const git = annex.git;
  // Never commit a half-done merge: staging a conflicted file would commit its markers.
  if (await hasUnmergedPaths(annex)) throw new ArborError('EUNMERGED', 'the work tree has unmerged paths (a merge is in progress); not committing');
  const paths = options.paths ? [...new Set(options.paths.map(coveringPath))] : undefined;
  if (paths && paths.length === 0) return { committed: false, files: 0, annexed: [], failed: [] };
  const failed: FailedFile[] = [];
  const added = await addFiles(annex, {
    ...(paths && !paths.includes('.') ? { paths } : {}),
    ...(options.unlocked !== undefined ? { unlocked: options.unlocked } : {}),
    onFailed: (f) => failed.push(f),
  });
  // Deletions (and the old side of renames): removed from the index directly, no filter needed; as bytes.
  const listed = await git.tryRun([...NO_FILTER, 'ls-files', '-z', '--deleted', '--', ...(paths ?? []).map(literal)]);
  if (listed.code !== 0) throw new GitCommandError({ args: ['ls-files', '--deleted'], exitCode: listed.code, stderr: listed.stderr });
  const deleted = byteRecords(listed.stdout);
  if (deleted.length) await git.run([...NO_FILTER, 'update-index', '--remove', '-z', '--stdin'], { input: Buffer.concat(deleted.flatMap((d) => [d, Buffer.from([0])])) });
  // Commit by plumbing, as git-annex's assistant does: `git commit` would refresh the index and
  // start the filter process for racily-clean unlocked files, and run the user's commit hooks.
  const parent = await git.revParse('HEAD');
  // Writing the index re-checks racily-clean entries through the filter: keep it out (see NO_FILTER).
  const tree = (await git.run([...NO_FILTER, 'write-tree'])).trim();
  if (parent ? (await git.treeOf(parent)) === tree : (await git.run(['ls-files', '-z'])) === '') {
    return { committed: false, files: 0, annexed: [], failed };
  }
  const staged = parent ? (await git.run(['diff-tree', '-r', '--name-only', '-z', '--no-renames', parent, tree])).split('\0').filter(Boolean) : (await git.run(['ls-files', '-z'])).split('\0').filter(Boolean);
  const description = (await repositoryDescriptions(annex.branch)).get(annex.uuid) ?? annex.uuid;
  const message = options.message ?? `arbor in ${description}`;
  const sha = await git.commitTree({ tree, parents: parent ? [parent] : [], message, env: await identityEnv(git) });
  // Compare-and-swap: if the user committed meanwhile, fail rather than drop their commit (the next round retries).
  await git.run(['update-ref', '-m', `commit: ${message}`, 'HEAD', sha, parent ?? '0'.repeat(40)]);
  await noteActivity(annex, [{ type: 'commit', message: `committed ${staged.length} file(s) as ${sha.slice(0, 10)}` }]);
  return {
    committed: true,
    files: staged.length,
    annexed: added.filter((f) => f.kind !== 'git').map((f) => f.path),
    failed,
    ...(sha ? { commit: sha } : {}),
  };
}
