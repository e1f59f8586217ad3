// drop: remove content only when enough other copies are verified to exist (numcopies), never the last one.

import type { Key } from '../annex/key.js';
import type { Remote } from '../remotes/remote.js';
import { ArborError } from '../util/errors.js';
import type { AnnexedFile } from './annexed-files.js';
import { copiesNeededFor, copyCounts, effectiveTrust } from './copy-rules.js';
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
  // A failure of the drop itself is the caller's to see; only a holder that cannot be locked
  // (not there, unreachable) makes the search move on to the next one.
  const failure: { err?: unknown } = {};
  const run = async (): Promise<void> => {
    try {
      await action();
    } catch (err) {
      failure.err = err;
      throw err;
    }
  };
  const ok = await search(holders, key, need, run, counted, failure);
  // Even a holder whose lock swallowed the error does not turn a failed drop into "too few copies".
  if ('err' in failure) throw failure.err;
  return ok;
}

async function search(holders: readonly CopyHolder[], key: Key, need: number, action: () => Promise<void>, counted: { n: number }, failure: { err?: unknown }): Promise<boolean> {
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
        return search(holders.slice(i + 1), key, need - 1, action, counted, failure);
      });
    } catch (err) {
      if ('err' in failure) throw err;
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

/**
 * Remotes the location log says have the key, cheapest first, one per repository: never the
 * repository being dropped from (`exceptUuid`, reached under any remote name) nor this one, and
 * never an untrusted or dead one (their copies do not count, as in git-annex).
 */
async function candidateHolders(session: ContentSession, key: Key, exceptUuid: string): Promise<CopyHolder[]> {
  const locations = new Set(await locationsOf(session, key));
  const trust = await effectiveTrust(session.annex, session.remotes);
  const out: CopyHolder[] = [];
  const seen = new Set<string>([exceptUuid, session.annex.uuid]);
  for (const r of session.remotes) {
    const uuid = r.uuid || (await connectRemote(session, r));
    if (!uuid || seen.has(uuid) || !locations.has(uuid)) continue;
    if (!copyCounts(trust.get(uuid))) continue;
    seen.add(uuid);
    out.push(remoteHolder(r));
  }
  return out;
}

/** Result of dropping one file. */
export type DropResult = { readonly status: 'not-present' } | { readonly status: 'dropped' };

/** What a drop may be told besides the file. */
export interface DropOptions {
  /** Drop without checking other copies. */
  readonly force?: boolean;
  /**
   * Every path that uses the key (default: the file's own). The key needs the largest numcopies
   * of them (per-file `annex.numcopies` / `annex.mincopies` in .gitattributes).
   */
  readonly paths?: readonly string[];
}

/**
 * Drops the local content of `file` after locking numcopies verified copies elsewhere (each
 * remote is checked, not just its log entry). As git-annex does, the content is first locked for
 * removal here (an exclusive fcntl lock on its `.lck` file), so a git-annex or arbor process
 * counting this copy for its own drop (a shared lock) and this drop exclude each other. `force`
 * skips the check.
 */
export async function dropLocal(session: ContentSession, file: AnnexedFile, options: DropOptions = {}): Promise<DropResult> {
  const { annex } = session;
  if (!(await annex.store.has(file.key))) {
    await recordLocation(session, file.key, annex.uuid, false);
    return { status: 'not-present' };
  }
  const remove = async (): Promise<void> => {
    const wrote = await depopulateUnlocked(annex, file);
    await annex.store.remove(file.key);
    await recordLocation(session, file.key, annex.uuid, false);
    if (wrote) session.restage.add(file.path);
  };
  if (options.force) {
    await annex.store.withKeyLock(file.key, remove, 'exclusive');
    return { status: 'dropped' };
  }
  const need = await copiesNeededFor(annex, options.paths ?? [file.path]);
  const holders = await candidateHolders(session, file.key, annex.uuid);
  await annex.store.withKeyLock(
    file.key,
    async () => {
      const counted = { n: 0 };
      if (!(await withVerifiedCopies(holders, file.key, need, remove, counted))) {
        throw new NotEnoughCopiesError(file.path, Math.min(counted.n, holders.length), need, 'here');
      }
    },
    'exclusive',
  );
  return { status: 'dropped' };
}

/** Drops the content from `remote`, after verifying numcopies copies elsewhere (here included, under a shared content lock). */
export async function dropFromRemote(session: ContentSession, file: AnnexedFile, remote: Remote, options: DropOptions = {}): Promise<DropResult> {
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
    lock: (key, fn) => annex.store.withKeyLock(key, fn, 'shared'),
  };
  const need = await copiesNeededFor(annex, options.paths ?? [file.path]);
  const trust = (await effectiveTrust(annex, session.remotes)).get(annex.uuid);
  // This repository counts unless it is untrusted (or dead) itself.
  const holders = [...(copyCounts(trust) ? [here] : []), ...(await candidateHolders(session, file.key, uuid))];
  const counted = { n: 0 };
  if (!(await withVerifiedCopies(holders, file.key, need, drop, counted))) {
    throw new NotEnoughCopiesError(file.path, Math.min(counted.n, holders.length), need, remote.name);
  }
  return { status: 'dropped' };
}
