// fsck: verify content against keys, move corrupt objects aside, and make location logs tell the truth.

import { formatKey, type Key } from '../annex/key.js';
import { numCopies } from '../annex/logs/numcopies.js';
import { trustLevels } from '../annex/logs/trust.js';
import type { Remote } from '../remotes/remote.js';
import type { AnnexedFile } from './annexed-files.js';
import { connectRemote, locationsOf, recordLocation, type ContentSession } from './session.js';

/** One finding; `fixed` ones were repaired in the location log, `failed` ones need the user. */
export interface FsckFinding {
  readonly path: string;
  readonly key: string;
  readonly kind: 'corrupt' | 'log-said-absent' | 'log-said-present' | 'too-few-copies';
  readonly failed: boolean;
  readonly message: string;
}

/**
 * A remote's copy: re-hashed where the remote can do that (local remotes), else only checked for
 * presence (ssh: the P2P protocol has no "verify there"), never taken for absent.
 */
async function checkOnRemote(remote: Remote, key: Key): Promise<boolean | undefined> {
  if (remote.verifyContent) return remote.verifyContent(key);
  return (await remote.checkPresent(key)) ? true : undefined;
}

/** Totals of one fsck run. */
export interface FsckReport {
  readonly checked: number;
  readonly findings: readonly FsckFinding[];
}

/**
 * Checks `files` here (or on `remote`): present content is re-hashed; corrupt content is moved to
 * annex/bad/ and logged absent, so it is never propagated; log entries are corrected either way;
 * files with fewer verified-by-log copies than numcopies are reported. Commits the log changes.
 */
export async function fsck(session: ContentSession, files: readonly AnnexedFile[], options: { remote?: Remote; onFile?: (path: string, ok: boolean) => void } = {}): Promise<FsckReport> {
  const { annex } = session;
  const findings: FsckFinding[] = [];
  const need = await numCopies(annex.branch);
  const trust = await trustLevels(annex.branch);
  const remote = options.remote;
  const where = remote ? await connectRemote(session, remote) : annex.uuid;
  if (!where) return { checked: 0, findings: [] };
  for (const file of files) {
    const key = formatKey(file.key);
    const add = (kind: FsckFinding['kind'], failed: boolean, message: string): void => void findings.push({ path: file.path, key, kind, failed, message });
    const before = findings.length;
    const verified = remote ? await checkOnRemote(remote, file.key) : await annex.store.verify(file.key);
    const logged = (await locationsOf(session, file.key)).includes(where);
    if (verified === false) {
      if (!remote) await annex.store.quarantine(file.key);
      await recordLocation(session, file.key, where, false);
      if (remote) await remote.recordPresence?.(file.key, false);
      add('corrupt', true, `${file.path}: content${remote ? ` on ${remote.name}` : ''} does not match its checksum; moved to annex/bad/`);
    } else if (verified === true && !logged) {
      await recordLocation(session, file.key, where, true);
      add('log-said-absent', false, `${file.path}: location log fixed (content is present${remote ? ` on ${remote.name}` : ''})`);
    } else if (verified === undefined && logged) {
      await recordLocation(session, file.key, where, false);
      add('log-said-present', false, `${file.path}: location log fixed (content is not present${remote ? ` on ${remote.name}` : ''})`);
    }
    const copies = (await locationsOf(session, file.key)).filter((u) => trust.get(u) !== 'dead' && trust.get(u) !== 'untrusted').length;
    if (copies < need) add('too-few-copies', true, `${file.path}: only ${copies} cop${copies === 1 ? 'y' : 'ies'} of ${need} wanted (numcopies)`);
    options.onFile?.(file.path, !findings.slice(before).some((f) => f.failed));
  }
  await annex.branch.commit();
  return { checked: files.length, findings };
}
