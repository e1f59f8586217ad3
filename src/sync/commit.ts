// Step 1 of a sync: commit everything that changed in the work tree (large files to the annex).

import type { Annex } from '../annex/annex.js';
import { addFiles } from '../content/add.js';
import { repositoryDescriptions } from '../annex/logs/uuid.js';
import { identityArgs } from './identity.js';
import { hasUnmergedPaths } from './conflicts.js';
import { ArborError } from '../util/errors.js';

/** What the commit step did. */
export interface CommitOutcome {
  readonly committed: boolean;
  readonly commit?: string;
  /** Files staged by this commit step (added, modified or removed). */
  readonly files: number;
  /** Annexed files added (their paths), for content transfers. */
  readonly annexed: readonly string[];
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
 * Stages new and modified files (annex.largefiles decides annex or git; .gitignore honoured),
 * deletions and renames, and commits them with message "arbor in <description>". Nothing staged:
 * no commit. Paths that neither exist nor are tracked (a temp file already gone) are ignored.
 */
export async function commitWorkTree(annex: Annex, options: CommitOptions = {}): Promise<CommitOutcome> {
  const git = annex.git;
  // Never commit a half-done merge: staging a conflicted file would commit its markers.
  if (await hasUnmergedPaths(annex)) throw new ArborError('EUNMERGED', 'the work tree has unmerged paths (a merge is in progress); not committing');
  const paths = options.paths;
  if (paths && paths.length === 0) return { committed: false, files: 0, annexed: [] };
  const added = await addFiles(annex, { ...(paths ? { paths } : {}), ...(options.unlocked !== undefined ? { unlocked: options.unlocked } : {}) });
  if (paths) {
    const tracked = (await git.run(['ls-files', '-z', '--', ...paths.map(literal)])).split('\0').filter(Boolean);
    if (tracked.length) {
      await git.run(['add', '-u', '--pathspec-from-file=-', '--pathspec-file-nul'], { input: tracked.map(literal).join('\0') + '\0' });
    }
  } else {
    await git.run(['add', '-u']);
  }
  const headExists = (await git.revParse('HEAD')) !== undefined;
  const staged = (await git.run(['diff', '--cached', '--name-only', '-z'])).split('\0').filter(Boolean);
  if (headExists && staged.length === 0) return { committed: false, files: 0, annexed: [] };
  if (!headExists && (await git.run(['ls-files', '-z'])) === '') return { committed: false, files: 0, annexed: [] };
  const description = (await repositoryDescriptions(annex.branch)).get(annex.uuid) ?? annex.uuid;
  const message = options.message ?? `arbor in ${description}`;
  await git.run([...(await identityArgs(git)), 'commit', '-q', '--no-verify', '-m', message]);
  const sha = await git.revParse('HEAD');
  return {
    committed: true,
    files: staged.length,
    annexed: added.filter((f) => f.kind !== 'git').map((f) => f.path),
    ...(sha ? { commit: sha } : {}),
  };
}
