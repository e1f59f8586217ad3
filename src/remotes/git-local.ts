// Git remotes on a local path (bare or not): content goes straight into their object store.

import { readFile, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openAnnex, type Annex } from '../annex/annex.js';
import type { Key } from '../annex/key.js';
import { formatKey } from '../annex/key.js';
import { logKeyPresence } from '../annex/logs/location.js';
import { copyVerified } from '../annex/verified-copy.js';
import { findRepository } from '../git/repo.js';
import { openGit } from '../git/git.js';
import { ArborError, describeError, errnoCode } from '../util/errors.js';
import { blockListPath, readBlockList, removeBlockList, wantsBlockList, writeBlockList } from './block-lists.js';
import { onOtherDevice, rebuildFromLocal } from './delta-local.js';
import { deltaCapable } from './delta-server.js';
import { stopAware } from './stop-aware.js';
import { differenceByListing, type InventoryDifference } from './inventory.js';
import type { KeySummary } from '../reconcile/summary.js';
import type { DeltaHints, Progress, Remote, RemoteConfig, RemoteDeps, RemoteType, RetrieveInfo, Throttle } from './remote.js';
import { RemoteUnavailableError, VerificationError } from './remote.js';

/** git-annex's default cost of a remote on a local path (Config/Cost.hs: cheapRemoteCost). */
export const LOCAL_REMOTE_COST = 100;

/** The filesystem path a remote URL names, or undefined when it is not local. */
export function localPathOf(url: string, base: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return undefined;
  // scp-like "host:path" is ssh unless the part before ':' contains a '/'.
  const colon = url.indexOf(':');
  if (colon > 0 && !url.slice(0, colon).includes('/')) return undefined;
  return isAbsolute(url) ? url : resolve(base, url);
}

/**
 * The annex uuid of the repository at a local path (bare or not), read from its config file
 * without opening it; undefined when there is none or the path is not a repository.
 */
export async function uuidAtPath(path: string): Promise<string | undefined> {
  for (const config of [join(path, '.git', 'config'), join(path, 'config')]) {
    const text = await readFile(config, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const section = /^\s*\[annex\]\s*$([\s\S]*?)(?=^\s*\[|$(?![\s\S]))/m.exec(text)?.[1] ?? '';
    return /^\s*uuid\s*=\s*(\S+)\s*$/m.exec(section)?.[1];
  }
  return undefined;
}

/** The remote is a git repository without an annex (no git-annex branch, no annex.uuid). */
export class NotAnnexRemoteError extends ArborError {
  constructor(name: string) {
    super('ENOTANNEXREMOTE', `remote ${name} has no annex (sync with it first, or run git arbor init there)`, { data: { remote: name } });
  }
}

/**
 * A local git remote. Its repository is opened on first use (so an unplugged drive only fails
 * when used, with RemoteUnavailableError). A repository with a git-annex branch but no uuid is
 * initialised on first use, as git-annex auto-initialises local remotes.
 */
class LocalGitRemote implements Remote {
  readonly typeName = 'git';
  readonly name: string;
  readonly cost: number;
  readonly config: RemoteConfig;
  readonly #path: string;
  readonly #deps: RemoteDeps;
  /** Invariant: opened at most once; undefined until first use. */
  #annex: Promise<Annex> | undefined;
  /** Location log entries written to the remote's journal since the last commit there. */
  #recorded = false;
  #uuid: string;

  constructor(config: RemoteConfig, path: string, deps: RemoteDeps) {
    this.config = config;
    this.name = config.name;
    this.cost = config.cost ?? LOCAL_REMOTE_COST;
    this.#path = path;
    this.#deps = deps;
    this.#uuid = config.uuid ?? '';
  }

  get uuid(): string {
    return this.#uuid;
  }

  /** The remote repository, opened (and auto-initialised if it has a git-annex branch). */
  async annex(): Promise<Annex> {
    this.#annex ??= this.#open();
    return this.#annex;
  }

  async #open(): Promise<Annex> {
    try {
      await stat(this.#path);
    } catch (err) {
      throw new RemoteUnavailableError(this.name, errnoCode(err) === 'ENOENT' ? `${this.#path} does not exist` : String(err));
    }
    let repo;
    try {
      repo = await findRepository(this.#path);
    } catch {
      throw new RemoteUnavailableError(this.name, `${this.#path} is not a git repository`);
    }
    try {
      const annex = await openAnnex(this.#path, { clock: this.#deps.clock });
      if (this.config.uuid && annex.uuid !== this.config.uuid) {
        // Another drive mounted at the same path, or the remote was replaced (git-annex: annex-checkuuid).
        await annex.close();
        throw new RemoteUnavailableError(this.name, `${this.#path} holds a different repository (uuid ${annex.uuid}, expected ${this.config.uuid})`);
      }
      this.#uuid = annex.uuid;
      return annex;
    } catch (err) {
      if (!(err instanceof ArborError) || err.code !== 'ENOTANNEX') throw err;
    }
    const git = await openGit(repo.workTree ?? repo.gitDir);
    const hasBranch = (await git.revParse('refs/heads/git-annex')) !== undefined;
    await git.close();
    if (!hasBranch) throw new NotAnnexRemoteError(this.name);
    // Loaded here only: initialising a remote is rare, and start-up pays for every module loaded.
    const { initAnnex } = await import('../annex/init.js');
    await initAnnex(this.#path, { deps: { clock: this.#deps.clock } });
    const annex = await openAnnex(this.#path, { clock: this.#deps.clock });
    this.#uuid = annex.uuid;
    return annex;
  }

  async connect(): Promise<string> {
    return (await this.annex()).uuid;
  }

  async checkPresent(key: Key): Promise<boolean> {
    const annex = await this.annex();
    const p = await annex.store.pathOf(key);
    if (!p) return false;
    return key.size === undefined || (await stat(p)).size === key.size;
  }

  /** Lists the remote's store here and compares (no reconciliation needed: the listing is local). */
  async inventoryDifference(expected: KeySummary): Promise<InventoryDifference> {
    const annex = await this.#stillThere();
    return differenceByListing(expected, annex.store.keys());
  }

  async verifyContent(key: Key, options: { quarantine?: boolean } = {}): Promise<boolean | undefined> {
    const annex = await this.annex();
    const ok = await annex.store.verify(key);
    if (ok === false && options.quarantine !== false) await annex.store.quarantine(key);
    return ok;
  }

  /**
   * The opened repository, checked to be still there. A repository opened earlier in a long
   * session (the assistant's) may have gone since: a drive unmounted, a directory moved. Writing
   * then would make its directories afresh at the empty path (on the root filesystem, under an
   * unmounted drive's mount point), so it is reported unavailable instead, and opened anew next time.
   */
  async #stillThere(): Promise<Annex> {
    const annex = await this.annex();
    if (!(await stat(join(annex.git.repo.gitDir, 'HEAD')).then(() => true, () => false))) {
      this.#annex = undefined;
      void annex.close().catch(() => undefined);
      throw new RemoteUnavailableError(this.name, `${this.#path} is gone`);
    }
    return annex;
  }

  async store(key: Key, source: string, progress?: Progress, throttle?: Throttle, delta?: DeltaHints): Promise<void> {
    const annex = await this.#stillThere();
    if (await annex.store.has(key)) return;
    await annex.store.ensureTmpDir();
    const tmp = annex.store.tmpPathFor(key);
    const ok = await copyVerified({ key, source, dest: tmp, ...(progress ? { progress } : {}), ...(throttle ? { throttle } : {}) });
    if (!ok) {
      await rm(tmp, { force: true });
      throw new VerificationError(formatKey(key), this.name);
    }
    await annex.store.commitTemp(key, tmp);
    if (delta && (await this.#deltaWorthIt(key, source, annex, delta))) {
      // A later version of a file that changes: a copy that holds an earlier one can then get it
      // by reading only the blocks it lacks from here (docs/design/delta.md).
      await writeBlockList(annex.git.repo.gitDir, key, source).catch((err: unknown) => delta.note(`could not keep the block list of ${formatKey(key)} on ${this.name} (${describeError(err)}); a later get of it from there reads it whole`));
    }
  }

  /** Whether a later get of `key` from here could be a delta: large enough, named by a hash, here on another device than `source`, and a file that had earlier versions. */
  async #deltaWorthIt(key: Key, source: string, annex: Annex, delta: DeltaHints): Promise<boolean> {
    return deltaCapable(key) && wantsBlockList(key) && (await onOtherDevice(source, annex.git.repo.gitDir)) && (await delta.earlierKeys()).length > 0;
  }

  /**
   * Tries to rebuild `key` in `dest` from an earlier version held here plus the blocks it lacks,
   * read from this remote's object by the block list kept beside it. What it read when `dest`
   * holds verified content; undefined when the object is to be copied whole (no block list, no
   * earlier version here, both on one device, or the rebuild failed: said once through
   * `delta.note`). A throttle that rejects (the transfer was stopped) is passed on.
   */
  async #deltaRetrieve(annex: Annex, key: Key, src: string, dest: string, delta: DeltaHints, progress?: Progress, throttle?: Throttle): Promise<RetrieveInfo | undefined> {
    if (!deltaCapable(key) || !wantsBlockList(key)) return undefined;
    // A partial file from an interrupted copy is resumed instead.
    if ((await stat(dest).catch(() => undefined))?.size) return undefined;
    const sig = await readBlockList(annex.git.repo.gitDir, key);
    if (!sig) return undefined;
    let basisPath: string | undefined;
    for (const k of await delta.earlierKeys()) if ((basisPath = await delta.localPath(k))) break;
    if (!basisPath || !(await onOtherDevice(src, basisPath))) return undefined;
    const stop = stopAware(throttle);
    try {
      const r = await rebuildFromLocal({ key, sig, sourcePath: src, basisPath, dest, ...(progress ? { progress } : {}), ...stop.throttle });
      if (r.ok) return { delta: { bytes: r.sourceBytes, total: sig.size } };
      await rm(dest, { force: true });
      delta.note(`delta of ${formatKey(key)} from ${this.name} did not verify (is ${blockListPath(annex.git.repo.gitDir, key)} stale, or an object corrupt?); getting it whole`);
      return undefined;
    } catch (err) {
      await rm(dest, { force: true });
      if (stop.stopped) throw err;
      delta.note(`delta of ${formatKey(key)} from ${this.name} failed (${describeError(err)}); getting it whole`);
      return undefined;
    }
  }

  async retrieve(key: Key, dest: string, progress?: Progress, throttle?: Throttle, delta?: DeltaHints): Promise<RetrieveInfo | void> {
    const annex = await this.annex();
    const src = await annex.store.pathOf(key);
    if (!src) throw new ArborError('ENOTPRESENT', `remote ${this.name} does not have ${formatKey(key)}`);
    if (delta) {
      const info = await this.#deltaRetrieve(annex, key, src, dest, delta, progress, throttle);
      if (info) return info;
    }
    const ok = await copyVerified({ key, source: src, dest, ...(progress ? { progress } : {}), ...(throttle ? { throttle } : {}) });
    if (!ok) {
      await rm(dest, { force: true });
      throw new VerificationError(formatKey(key), this.name);
    }
  }

  async remove(key: Key): Promise<void> {
    const annex = await this.#stillThere();
    await annex.store.withKeyLock(key, () => annex.store.remove(key), 'exclusive');
    await removeBlockList(annex.git.repo.gitDir, key);
  }

  async lockContent<T>(key: Key, fn: () => Promise<T>): Promise<T> {
    const annex = await this.#stillThere();
    return annex.store.withKeyLock(key, async () => {
      if (!(await this.checkPresent(key))) throw new ArborError('ENOTPRESENT', `remote ${this.name} does not have ${formatKey(key)}`);
      return fn();
    });
  }

  async recordPresence(key: Key, present: boolean): Promise<void> {
    const annex = await this.#stillThere();
    await logKeyPresence(annex.branch, { key, uuid: annex.uuid, status: present ? '1' : '0', now: annex.now() });
    this.#recorded = true;
  }

  /**
   * Commits the location log entries of this session to the remote's git-annex branch once (a
   * batch of a thousand copies makes one commit there, not a thousand); until then they sit in the
   * remote's journal, which git-annex and arbor both read as part of the branch.
   */
  async close(): Promise<void> {
    if (!this.#annex) return;
    const annex = await this.#annex.catch(() => undefined);
    if (!annex) return;
    try {
      if (this.#recorded) await annex.branch.commit();
    } finally {
      this.#recorded = false;
      await annex.close();
    }
  }
}

/** Remotes whose URL is a local path or file:// URL. */
export const localGitRemoteType: RemoteType = {
  typeName: 'git',
  handles: (config) => localPathOf(config.url, '/') !== undefined,
  open: async (config, deps) => new LocalGitRemote(config, localPathOf(config.url, deps.localPath) ?? config.url, deps),
};
