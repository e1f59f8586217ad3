// copy --to: send a file's content to a remote, verified, and record where it now is.

import type { Remote, Progress } from '../remotes/remote.js';
import { ArborError } from '../util/errors.js';
import { configuredThrottle, type ThrottleFor } from '../transfers/transfer-config.js';
import type { AnnexedFile } from './annexed-files.js';
import { connectRemote, recordLocation, type ContentSession } from './session.js';
import { deltaHints } from './delta-hints.js';

/** Result of sending one file. */
export type CopyResult = { readonly status: 'already-there' } | { readonly status: 'copied' };

/** The content is not here, so it cannot be sent. */
export class ContentNotPresentError extends ArborError {
  constructor(path: string) {
    super('ENOTPRESENT', `${path}: content is not present here (git arbor get ${path} first)`, { data: { path } });
  }
}

/**
 * Sends `file`'s content to `remote` unless the remote already has it (checked on the remote,
 * and the location log corrected either way). The remote verifies the bytes before keeping them.
 * Without a `throttle`, the repository's configured rate limits apply.
 */
export async function copyToRemote(
  session: ContentSession,
  file: AnnexedFile,
  remote: Remote,
  options: { progress?: Progress; throttle?: ThrottleFor } = {},
): Promise<CopyResult> {
  // The rate-limit settings are read (one git process) while the remote is reached.
  const throttleFor = options.throttle ? Promise.resolve(options.throttle) : configuredThrottle(session.annex);
  throttleFor.catch(() => undefined);
  const uuid = await connectRemote(session, remote);
  if (!uuid) throw new ArborError('EREMOTEUNAVAILABLE', `remote ${remote.name} is not available`);
  if (await remote.checkPresent(file.key)) {
    await recordLocation(session, file.key, uuid, true);
    return { status: 'already-there' };
  }
  const source = await session.annex.store.pathOf(file.key);
  if (!source) throw new ContentNotPresentError(file.path);
  const throttle = (await throttleFor)(remote.name);
  await session.annex.store.withKeyLock(file.key, () => remote.store(file.key, source, options.progress, throttle, deltaHints(session, file)));
  await remote.recordPresence?.(file.key, true);
  await recordLocation(session, file.key, uuid, true);
  return { status: 'copied' };
}
