// move: copy then drop, so the content changes place without ever being in fewer places than numcopies allows.

import type { Remote, Progress } from '../remotes/remote.js';
import type { AnnexedFile } from './annexed-files.js';
import { copyToRemote } from './copy.js';
import { dropFromRemote, dropLocal } from './drop.js';
import { getFile } from './get.js';
import type { ContentSession } from './session.js';

/**
 * Moves content to a remote: copy (verified), then drop here. The drop counts the new copy like
 * any other, so a move never lowers the number of copies below numcopies (git-annex behaves the
 * same since 8.20201103).
 */
export async function moveToRemote(session: ContentSession, file: AnnexedFile, remote: Remote, options: { force?: boolean; progress?: Progress } = {}): Promise<void> {
  await copyToRemote(session, file, remote, options.progress ? { progress: options.progress } : {});
  await dropLocal(session, file, options.force ? { force: true } : {});
}

/** Moves content here from a remote: get from it, then drop it there. */
export async function moveFromRemote(session: ContentSession, file: AnnexedFile, remote: Remote, options: { force?: boolean; progress?: Progress } = {}): Promise<void> {
  await getFile(session, file, { from: remote, ...(options.progress ? { progress: options.progress } : {}) });
  await dropFromRemote(session, file, remote, options.force ? { force: true } : {});
}
