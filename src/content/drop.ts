// drop: remove content only when enough other copies are verified to exist (numcopies), never the last one.

import type { Key } from '../annex/key.js';
import { numCopies } from '../annex/logs/numcopies.js';
import { trustLevels } from '../annex/logs/trust.js';
import type { Remote } from '../remotes/remote.js';
import { ArborError } from '../util/errors.js';
import type { AnnexedFile } from './annexed-files.js';
import { connectRemote, locationsOf, recordLocation, type ContentSession } from './session.js';
import { depopulateUnlocked } from './worktree.js';

/** Not enough verified copies elsewhere: the content stays. */
export class NotEnoughCopiesError extends ArborError {
  constructor(path: string, have: number, need: number, where: string) {
    super(
      'ENUMCOPIES',
      `${path}: not dropping from ${where}: only ${have} of ${need} required other copies verified (numcopies; --force overrides)`,
      { data: { path, have, need } },
    );
  }
}

/** One place a verified copy may be: a remote, or this repository itself (for drop --from). */
interface CopyHolder {
  readonly name: string;
  lock<T>(key: Key, fn: () => Promise<T>): Promise<T>;
}

/**
 * Runs `action` while `need` holders are locked with the content verified present. Returns
 * false (action not run) when fewer than `need` can be verified.
 */
async function withVerifiedCopies(holders: readonly CopyHolder[], key: Key, need: number, action: () => Promise<void>, counted: { n: number }): Promise<boolean> {
  if (need <= 0) {
    await action();
    return true;
  }
  for (let i = 0; i < holders.length; i++) {
    const holder = holders[i];
    if (!holder) continue;
    let ok: boolean | undefined;
    try {
      ok = await holder.lock(key, async () => {
        counted.n++;
        return withVerifiedCopies(holders.slice(i + 1), key, need - 1, action, counted);
      });
    } catch {
      continue; // not there, or unreachable: try the next holder
    }
    return ok;
  }
  return false;
}

function remoteHolder(remote: Remote): CopyHolder {
  return {
    name: remote.name,
    lock: (key, fn) =>
      remote.lockContent
        ? remote.lockContent(key, fn)
        : remote.checkPresent(key).then((present) => {
            if (!present) throw new ArborError('ENOTPRESENT', `${remote.name} lacks the content`);
            return fn();
          }),
  };
}

/** Remotes (other than `except`) the location log says have the key, not dead, cheapest first. */
async function candidateHolders(session: ContentSession, key: Key, except?: Remote): Promise<CopyHolder[]> {
  const locations = new Set(await locationsOf(session, key));
  const trust = await trustLevels(session.annex.branch);
  const out: CopyHolder[] = [];
  for (const r of session.remotes) {
    if (r === except) continue;
    const uuid = r.uuid || (await connectRemote(session, r));
    if (!uuid || !locations.has(uuid) || trust.get(uuid) === 'dead') continue;
    out.push(remoteHolder(r));
  }
  return out;
}

/** Result of dropping one file. */
export type DropResult = { readonly status: 'not-present' } | { readonly status: 'dropped' };

/**
 * Drops the local content of `file` after locking numcopies verified copies elsewhere (each
 * remote is checked, not just its log entry). `force` skips the check.
 */
export async function dropLocal(session: ContentSession, file: AnnexedFile, options: { force?: boolean } = {}): Promise<DropResult> {
  const { annex } = session;
  if (!(await annex.store.has(file.key))) {
    await recordLocation(session, file.key, annex.uuid, false);
    return { status: 'not-present' };
  }
  const need = await numCopies(annex.branch);
  const drop = async (): Promise<void> => {
    await annex.store.withKeyLock(file.key, async () => {
      const wrote = await depopulateUnlocked(annex, file);
      await annex.store.remove(file.key);
      await recordLocation(session, file.key, annex.uuid, false);
      if (wrote) session.restage.add(file.path);
    });
  };
  if (options.force) {
    await drop();
    return { status: 'dropped' };
  }
  const counted = { n: 0 };
  const holders = await candidateHolders(session, file.key);
  if (!(await withVerifiedCopies(holders, file.key, need, drop, counted))) {
    throw new NotEnoughCopiesError(file.path, Math.min(counted.n, holders.length), need, 'here');
  }
  return { status: 'dropped' };
}

/** Drops the content from `remote`, after verifying numcopies copies elsewhere (here included). */
export async function dropFromRemote(session: ContentSession, file: AnnexedFile, remote: Remote, options: { force?: boolean } = {}): Promise<DropResult> {
  const { annex } = session;
  const uuid = await connectRemote(session, remote);
  if (!uuid) throw new ArborError('EREMOTEUNAVAILABLE', `remote ${remote.name} is not available`);
  if (!(await remote.checkPresent(file.key))) {
    await recordLocation(session, file.key, uuid, false);
    return { status: 'not-present' };
  }
  const drop = async (): Promise<void> => {
    await remote.remove(file.key);
    await remote.recordPresence?.(file.key, false);
    await recordLocation(session, file.key, uuid, false);
  };
  if (options.force) {
    await drop();
    return { status: 'dropped' };
  }
  const here: CopyHolder = {
    name: 'here',
    lock: (key, fn) =>
      annex.store.withKeyLock(key, async () => {
        if (!(await annex.store.has(key))) throw new ArborError('ENOTPRESENT', 'not here');
        return fn();
      }),
  };
  const need = await numCopies(annex.branch);
  const holders = [here, ...(await candidateHolders(session, file.key, remote))];
  const counted = { n: 0 };
  if (!(await withVerifiedCopies(holders, file.key, need, drop, counted))) {
    throw new NotEnoughCopiesError(file.path, Math.min(counted.n, holders.length), need, remote.name);
  }
  return { status: 'dropped' };
}
