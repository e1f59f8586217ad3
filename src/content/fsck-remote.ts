// How fsck checks a remote's copy of a key: re-hashed in place where the remote can, else
// downloaded to a temporary file and verified (as git-annex's fsck --from does), else only asked
// whether it is there.

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyKeyContent } from '../annex/backend.js';
import type { Key } from '../annex/key.js';
import type { Remote } from '../remotes/remote.js';
import { ArborError, describeError } from '../util/errors.js';

/** How a remote's copies are checked: re-hash there, download and hash here, or presence only. */
export type RemoteCheckMethod = 'rehash' | 'download' | 'presence';

/** What a check found about one copy. */
export type RemoteCopyState =
  | { readonly state: 'good' }
  | { readonly state: 'bad' }
  | { readonly state: 'absent' }
  /** There, content not verified (presence-only checks). */
  | { readonly state: 'present' }
  /** Neither verified nor disproved (the connection failed mid-way, …): the log is left alone. */
  | { readonly state: 'unknown'; readonly reason: string };

/**
 * The method fsck uses for `remote`: a remote that re-hashes its own copies (a local path) does so
 * without moving the bytes; any other is downloaded and verified here; `fast` (fsck --fast) asks
 * only for presence, as git-annex's --fast skips checksums.
 */
export function remoteCheckMethod(remote: Remote, options: { fast?: boolean } = {}): RemoteCheckMethod {
  if (options.fast === true) return 'presence';
  if (remote.verifyContent) return 'rehash';
  return 'download';
}

/** Options for checkRemoteCopy. */
export interface RemoteCheckOptions {
  readonly method: RemoteCheckMethod;
  /** Where downloads go (removed afterwards); annex/tmp normally. */
  readonly tmpDir: string;
  /** Whether a bad copy re-hashed in place may be moved aside there. */
  readonly quarantine: boolean;
}

/** Checks `remote`'s copy of `key` with `method`; never changes the location log. */
export async function checkRemoteCopy(remote: Remote, key: Key, options: RemoteCheckOptions): Promise<RemoteCopyState> {
  try {
    switch (options.method) {
      case 'rehash': {
        const ok = await remote.verifyContent?.(key, { quarantine: options.quarantine });
        return ok === true ? { state: 'good' } : ok === false ? { state: 'bad' } : { state: 'absent' };
      }
      case 'presence':
        return (await remote.checkPresent(key)) ? { state: 'present' } : { state: 'absent' };
      case 'download':
        return await downloadAndVerify(remote, key, options.tmpDir);
    }
  } catch (err) {
    return { state: 'unknown', reason: describeError(err) };
  }
}

/** Gets the copy into a fresh temporary file, verifies it against the key, and removes the file. */
async function downloadAndVerify(remote: Remote, key: Key, tmpDir: string): Promise<RemoteCopyState> {
  const tmp = join(tmpDir, `fsck-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await remote.retrieve(key, tmp);
    return (await verifyKeyContent(key, tmp)) ? { state: 'good' } : { state: 'bad' };
  } catch (err) {
    // An encrypted object that does not decrypt (gpg's integrity check) is as bad as one that does not hash.
    if (err instanceof ArborError && (err.code === 'EVERIFY' || err.code === 'EDECRYPT')) return { state: 'bad' };
    if (err instanceof ArborError && err.code === 'ENOTPRESENT') return { state: 'absent' };
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}
