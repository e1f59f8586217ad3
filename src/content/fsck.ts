// fsck: verify content against keys, move corrupt objects aside, and make location logs tell the truth.

import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatKey, type Key } from '../annex/key.js';
import { numCopies } from '../annex/logs/numcopies.js';
import { trustLevels } from '../annex/logs/trust.js';
import type { Remote } from '../remotes/remote.js';
import { describeError } from '../util/errors.js';
import type { AnnexedFile } from './annexed-files.js';
import { checkRemoteCopy, remoteCheckMethod, type RemoteCheckMethod, type RemoteCopyState } from './fsck-remote.js';
import { connectRemote, locationsOf, recordLocation, type ContentSession } from './session.js';
import { checkInventory, inventoryFailure, type InventoryReport } from './inventory-check.js';

/** One finding; `fixed` ones were repaired in the location log, `failed` ones need the user. */
export interface FsckFinding {
  readonly path: string;
  readonly key: string;
  readonly kind: 'corrupt' | 'log-said-absent' | 'log-said-present' | 'too-few-copies' | 'unverified';
  readonly failed: boolean;
  readonly message: string;
}

/** Options for fsck. */
export interface FsckOptions {
  /** Check the copies on this remote instead of here. */
  readonly remote?: Remote;
  /** Repair: quarantine or drop bad copies and fix the location log (false in a read-only repository). Default true. */
  readonly repair?: boolean;
  /** Skip checksums (git-annex --fast): here, sizes only; a remote, presence only. */
  readonly fast?: boolean;
  /**
   * With `remote` and `fast`: check the remote's whole inventory at once (set reconciliation over
   * `git arbor serve`, a listing for a path or drive) instead of asking about each file, and repair
   * every wrong entry, in the work tree or not. Remotes that cannot are asked file by file.
   */
  readonly inventory?: boolean;
  readonly onFile?: (path: string, ok: boolean) => void;
}

/** Totals of one fsck run. */
export interface FsckReport {
  readonly checked: number;
  readonly findings: readonly FsckFinding[];
  /** Remotes whose copies were only checked for presence, their content not verified. */
  readonly presenceOnly: readonly string[];
  /** Whether problems were repaired (false: reported only). */
  readonly repaired: boolean;
  /** The whole-inventory check, when one ran. */
  readonly inventory?: InventoryReport;
  /** Why the whole-inventory check could not be used (files were then checked one by one). */
  readonly inventoryFailed?: string;
}

/** The local copy: re-hashed, or with `fast` only its size compared; undefined when absent. */
async function checkHere(session: ContentSession, key: Key, fast: boolean): Promise<RemoteCopyState> {
  const { store } = session.annex;
  if (fast) {
    const p = await store.pathOf(key);
    if (!p) return { state: 'absent' };
    return key.size === undefined || (await stat(p)).size === key.size ? { state: 'present' } : { state: 'bad' };
  }
  const ok = await store.verify(key);
  return ok === true ? { state: 'good' } : ok === false ? { state: 'bad' } : { state: 'absent' };
}

/**
 * Checks `files` here (or on `remote`): present content is verified (re-hashed here or on a local
 * remote, downloaded to a temporary file and verified for any other remote); a bad copy is moved to
 * annex/bad/ here, or dropped from the remote, and logged absent, so it is never propagated; log
 * entries are corrected either way; files with fewer copies than numcopies are reported. Without
 * `repair`, everything is checked and reported and nothing is changed. Commits the log changes.
 */
export async function fsck(session: ContentSession, files: readonly AnnexedFile[], options: FsckOptions = {}): Promise<FsckReport> {
  const { annex } = session;
  const repair = options.repair !== false;
  const fast = options.fast === true;
  const findings: FsckFinding[] = [];
  const need = await numCopies(annex.branch);
  const trust = await trustLevels(annex.branch);
  const remote = options.remote;
  const method: RemoteCheckMethod | undefined = remote ? remoteCheckMethod(remote, { fast }) : undefined;
  const where = remote ? await connectRemote(session, remote) : annex.uuid;
  let inventory: InventoryReport | undefined;
  let inventoryFailed: string | undefined;
  const report = (checked: number): FsckReport => ({
    checked,
    findings,
    presenceOnly: remote && method === 'presence' ? [remote.name] : [],
    repaired: repair,
    ...(inventory ? { inventory } : {}),
    ...(inventoryFailed ? { inventoryFailed } : {}),
  });
  if (!where) return report(0);
  if (remote && method === 'presence' && options.inventory === true) {
    try {
      inventory = await checkInventory(session, remote, where, { repair });
    } catch (err) {
      inventoryFailed = inventoryFailure(remote, err);
    }
    const pathOf = new Map(files.map((f) => [formatKey(f.key), f.path]));
    for (const fix of inventory?.fixes ?? []) {
      const path = pathOf.get(fix.key) ?? fix.key;
      const said = fix.present ? 'present' : 'not present';
      findings.push({ path, key: fix.key, kind: fix.present ? 'log-said-absent' : 'log-said-present', failed: false, message: `${path}: location log ${fix.fixed ? 'fixed' : 'wrong'} (content is ${said} on ${remote.name})${fix.fixed ? '' : ' (not fixed: this repository is read-only)'}` });
    }
  }
  // Downloads go to annex/tmp (the repository's own disk); a read-only repository uses the system's.
  const tmpDir = repair ? annex.store.tmpDir : await mkdtemp(join(tmpdir(), 'arbor-fsck-'));
  if (repair && method === 'download') await annex.store.ensureTmpDir();
  const on = remote ? ` on ${remote.name}` : '';
  const notFixed = ' (not fixed: this repository is read-only)';
  try {
    for (const file of files) {
      const key = formatKey(file.key);
      const add = (kind: FsckFinding['kind'], failed: boolean, message: string): void => void findings.push({ path: file.path, key, kind, failed, message });
      const before = findings.length;
      // After a whole-inventory check the log tells the truth about the remote: nothing to ask per file.
      const copy = inventory ? { state: 'unchanged' as const } : remote && method ? await checkRemoteCopy(remote, file.key, { method, tmpDir, quarantine: repair }) : await checkHere(session, file.key, fast);
      const logged = (await locationsOf(session, file.key)).includes(where);
      if (copy.state === 'bad') {
        add('corrupt', true, await removeBadCopy(session, file, where, { remote, method, repair }));
      } else if ((copy.state === 'good' || copy.state === 'present') && !logged) {
        if (repair) await recordLocation(session, file.key, where, true);
        add('log-said-absent', false, `${file.path}: location log ${repair ? 'fixed' : 'wrong'} (content is present${on})${repair ? '' : notFixed}`);
      } else if (copy.state === 'absent' && logged) {
        if (repair) await recordLocation(session, file.key, where, false);
        add('log-said-present', false, `${file.path}: location log ${repair ? 'fixed' : 'wrong'} (content is not present${on})${repair ? '' : notFixed}`);
      } else if (copy.state === 'unknown') {
        add('unverified', true, `${file.path}: could not verify the copy${on}: ${copy.reason}`);
      }
      const copies = (await locationsOf(session, file.key)).filter((u) => trust.get(u) !== 'dead' && trust.get(u) !== 'untrusted').length;
      if (copies < need) add('too-few-copies', true, `${file.path}: only ${copies} cop${copies === 1 ? 'y' : 'ies'} of ${need} wanted (numcopies)`);
      options.onFile?.(file.path, !findings.slice(before).some((f) => f.failed));
    }
  } finally {
    if (!repair) await rm(tmpDir, { recursive: true, force: true });
  }
  if (repair) await annex.branch.commit();
  return report(files.length);
}

/**
 * Takes a bad copy out of circulation and says what happened, in git-annex's words where it has
 * them: here it goes to annex/bad/; on a local remote the re-hash moved it to the remote's
 * annex/bad/; a downloaded remote copy is dropped from the remote. Either way it is logged absent.
 */
async function removeBadCopy(
  session: ContentSession,
  file: AnnexedFile,
  where: string,
  options: { remote: Remote | undefined; method: RemoteCheckMethod | undefined; repair: boolean },
): Promise<string> {
  const { remote, method, repair } = options;
  if (!remote) {
    if (!repair) return `${file.path}: content does not match its checksum (not moved to annex/bad/: this repository is read-only)`;
    await session.annex.store.quarantine(file.key);
    await recordLocation(session, file.key, where, false);
    return `${file.path}: content does not match its checksum; moved to annex/bad/`;
  }
  if (!repair) return `${file.path}: Bad file content on ${remote.name} (not dropped: this repository is read-only)`;
  // A bad copy is no copy: logged absent whether or not the remote lets it be dropped.
  await recordLocation(session, file.key, where, false);
  await remote.recordPresence?.(file.key, false);
  if (method === 'download') {
    try {
      await remote.remove(file.key);
    } catch (err) {
      return `${file.path}: Bad file content on ${remote.name}; could not drop it: ${describeError(err)}`;
    }
  }
  return method === 'download'
    ? `${file.path}: Bad file content; dropped from ${remote.name}`
    : `${file.path}: Bad file content on ${remote.name}; moved to its annex/bad/`;
}
