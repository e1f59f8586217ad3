// Step 1 of a sync: commit everything that changed in the work tree (large files to the annex).

import type { Annex } from '../annex/annex.js';
import { addFiles } from '../content/add.js';
import { repositoryDescriptions } from '../annex/logs/uuid.js';
import { identityArgs } from './identity.js';

/** What the commit step did. */
export interface CommitOutcome {
  readonly committed: boolean;
  readonly commit?: string;
  readonly files: number;
}

/**
 * Stages new and modified files (annex.largefiles decides annex or git; .gitignore honoured),
 * deletions and renames (`git add -u`), and commits them with message "arbor in <description>".
 * Nothing staged: no commit.
 */
export async function commitWorkTree(annex: Annex, options: { message?: string } = {}): Promise<CommitOutcome> {
  const added = await addFiles(annex, { paths: [] });
  await annex.git.run(['add', '-u']);
  const staged = await annex.git.tryRun(['diff', '--cached', '--quiet']);
  const headExists = (await annex.git.revParse('HEAD')) !== undefined;
  if (staged.code === 0 && headExists) return { committed: false, files: 0 };
  if (!headExists) {
    const any = await annex.git.run(['ls-files', '-z']);
    if (any === '') return { committed: false, files: 0 };
  }
  const description = (await repositoryDescriptions(annex.branch)).get(annex.uuid) ?? annex.uuid;
  const message = options.message ?? `arbor in ${description}`;
  await annex.git.run([...(await identityArgs(annex.git)), 'commit', '-q', '--no-verify', '-m', message]);
  return { committed: true, files: added.length, ...(await headSha(annex)) };
}

async function headSha(annex: Annex): Promise<{ commit?: string }> {
  const sha = await annex.git.revParse('HEAD');
  return sha ? { commit: sha } : {};
}
