// The content store: .git/annex/objects/<hash>/<keyfile>/<keyfile>, written atomically, kept read-only.

import { chmod, link, lstat, open, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ArborError, errnoCode } from '../util/errors.js';
import { fsyncDir } from '../util/atomic-write.js';
import { tryFcntlLock, type FcntlLock } from '../util/fcntl-lock.js';
import type { Key } from './key.js';
import { formatKey, keyToFileName } from './key.js';
import { createHasher, keyFromDigest, verifyKeyContent } from './backend.js';
import { copyChunks, forEachChunk } from './pipelined-io.js';
import type { SyncBatch } from './sync-batch.js';
import { objectPath, type HashLayout } from './locations.js';
import { mkdirUnder } from '../util/mkdir-under.js';
import { storeKeys } from './store-inventory.js';

/** Another process (arbor or git-annex) holds a conflicting lock on the content. */
export class ContentLockedError extends ArborError {
  constructor(key: string) {
    super('ECONTENTLOCKED', `${key}: content is locked by another process`, { data: { key } });
  }
}

/** The disk filled up while storing content; nothing partial was left behind. */
export class DiskFullError extends ArborError {
  constructor(path: string, cause: unknown) {
    super('ENOSPC', `disk full while writing ${path}; nothing was changed`, { data: { path }, cause });
  }
}

/** Content on disk does not match its key. */
export class CorruptObjectError extends ArborError {
  constructor(key: string, where: string) {
    super('ECORRUPT', `content of ${key} in ${where} does not match its checksum`, { data: { key, where } });
  }
}

/** Options for ObjectStore.ingest. */
export interface IngestOptions {
  readonly backend: string;
  /** The name that decides the key's extension. */
  readonly fileName: string;
  /** 'link': lockdown by hard link (locked add); 'copy': the source stays as it is. */
  readonly mode: 'copy' | 'link';
  /** Leave the fsyncs to this batch (the object is durable once it is flushed). */
  readonly syncs?: SyncBatch;
  /** The size seen when the file was chosen: sizes the read buffers without another stat. */
  readonly size?: number;
}

/** Files up to this size are stored by ObjectStore.ingestSmall, one system call after another. */
export const SMALL_OBJECT_BYTES = 64 * 1024;

/** Link errors after which content is copied instead (another filesystem, no hard links there). */
const NO_HARD_LINK = ['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP'];

/** Options for ObjectStore. */
export interface ObjectStoreOptions {
  /** The git dir (`.git` of a non-bare repository, the repository itself when bare). */
  readonly gitDir: string;
  readonly bare: boolean;
}

/**
 * Object files of one repository. Non-bare repositories use hashdirmixed, bare ones hashdirlower;
 * readers look in both (Annex/Locations.hs annexLocations). Content enters only through a temp
 * file in annex/tmp that is fsynced and renamed into place, so a crash or a full disk never leaves a
 * partial object at the final path. Objects and their directories are read-only, as git-annex
 * keeps them (doc/internals/lockdown.mdwn).
 */
export class ObjectStore {
  readonly #gitDir: string;
  /** Invariant: the layout new objects are written in; the other one is only read. */
  readonly #layouts: readonly HashLayout[];
  /** Directories this process made or found under annex/ (they are never removed while it runs, but by remove()). */
  readonly #knownDirs = new Set<string>();
  /** Temp names: this process's pid, a tag drawn once, and a counter (unique without drawing random bytes per file). */
  readonly #tmpTag = randomBytes(4).toString('hex');
  #tmpSeq = 0;

  constructor(options: ObjectStoreOptions) {
    this.#gitDir = options.gitDir;
    this.#layouts = options.bare ? ['lower', 'mixed'] : ['mixed', 'lower'];
  }

  /** annex/tmp: partial content, resumable transfers. */
  get tmpDir(): string {
    return join(this.#gitDir, 'annex', 'tmp');
  }

  /** annex/objects: every object lives under it (a filesystem of its own where a user moved it). */
  get objectsDir(): string {
    return join(this.#gitDir, 'annex', 'objects');
  }

  /** Where a new object for `key` is written (absolute). */
  preferredPath(key: Key): string {
    return join(this.#gitDir, objectPath(key, this.#layouts[0] ?? 'mixed'));
  }

  /** The absolute path of the object if this repository has it. */
  async pathOf(key: Key): Promise<string | undefined> {
    for (const layout of this.#layouts) {
      const p = join(this.#gitDir, objectPath(key, layout));
      try {
        const s = await stat(p);
        if (s.isFile()) return p;
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') throw err;
      }
    }
    return undefined;
  }

  /** Every key whose object is here, formatted (a walk of annex/objects: O(objects)). */
  keys(): AsyncGenerator<string> {
    return storeKeys(this.#gitDir);
  }

  /** Whether the content of `key` is here. */
  async has(key: Key): Promise<boolean> {
    return (await this.pathOf(key)) !== undefined;
  }

  /** A temp path in annex/tmp for content of `key` on its way in (stable per key, so transfers resume). */
  tmpPathFor(key: Key): string {
    return join(this.tmpDir, keyToFileName(formatKey(key)));
  }

  /**
   * Makes annex/tmp if it is missing. Never the repository itself: one that went away (a drive
   * pulled out, a directory moved) fails with ENOENT instead of being made afresh at its old path.
   */
  async ensureTmpDir(): Promise<void> {
    await mkdirUnder(this.#gitDir, this.tmpDir);
  }

  /** A fresh unique temp path in annex/tmp. */
  async uniqueTmpPath(): Promise<string> {
    await this.ensureTmpDir();
    return this.#nextTmpName();
  }

  #nextTmpName(): string {
    return join(this.tmpDir, `ingest-${process.pid}-${this.#tmpTag}-${this.#tmpSeq++}`);
  }

  /** mkdirUnder without waiting on the thread pool, remembering what exists: for the small-file path, which makes a directory per object. */
  #mkdirUnderSync(dir: string): void {
    if (this.#knownDirs.has(dir)) return;
    try {
      mkdirSync(dir);
    } catch (err) {
      const code = errnoCode(err);
      // Directly under the git dir and ENOENT: the repository is gone, and is not made afresh.
      if (code === 'ENOENT' && dirname(dir) !== this.#gitDir && dir.startsWith(this.#gitDir)) {
        this.#mkdirUnderSync(dirname(dir));
        try {
          mkdirSync(dir);
        } catch (again) {
          if (errnoCode(again) !== 'EEXIST') throw again;
        }
      } else if (code !== 'EEXIST') throw err;
    }
    this.#knownDirs.add(dir);
  }

  /**
   * Moves a complete, verified temp file into place as the object for `key`. If the object is
   * already present the temp file is removed instead. The final path only ever holds whole content.
   * With `syncs`, the directory's fsync (and the object's, which the caller owes otherwise) is left
   * to that batch instead of being waited for here. `readOnly` says the temp file is mode 0444 already.
   */
  async commitTemp(key: Key, tmpPath: string, options: { syncs?: SyncBatch; readOnly?: boolean } = {}): Promise<string> {
    const existing = await this.pathOf(key);
    if (existing) {
      await rm(tmpPath, { force: true });
      return existing;
    }
    const dest = this.preferredPath(key);
    const dir = dirname(dest);
    // A directory mkdir just made is writable already; an existing one may have been left read-only.
    if ((await mkdirUnder(this.#gitDir, dir)) === undefined) await chmod(dir, 0o755);
    if (!options.readOnly) await chmod(tmpPath, 0o444);
    await rename(tmpPath, dest);
    if (options.syncs) {
      options.syncs.add(dest);
      options.syncs.add(dir);
    } else {
      await fsyncDir(dir);
    }
    await chmod(dir, 0o555);
    return dest;
  }

  /**
   * Stores the file at `source` as content and returns its key. `mode: 'link'` is git-annex's
   * lockdown for locked adds: the file is hard-linked into annex/tmp (copied where links are not
   * possible) and made read-only, and the link is what gets hashed, so the work-tree path keeps
   * the file until the caller atomically replaces it with a symlink: a crash at any point loses
   * nothing. `'copy'` copies while hashing (unlocked files keep their work-tree copy).
   *
   * Without `syncs` the object is durable when this resolves. With `syncs` its fsyncs are added
   * to that batch: the object is in place but durable only once the batch is flushed, so a bulk
   * add waits for many fsyncs at once (the work-tree file must not be replaced before the flush).
   */
  async ingest(source: string, options: IngestOptions): Promise<Key> {
    const tmp = await this.uniqueTmpPath();
    const sync = !options.syncs;
    try {
      let key: Key;
      let linked = false;
      if (options.mode === 'link') {
        try {
          await link(source, tmp);
          await chmod(tmp, 0o444);
          linked = true;
          key = await hashLink(tmp, { ...options, sync });
        } catch (err) {
          if (!NO_HARD_LINK.includes(errnoCode(err) ?? '')) throw err;
          await rm(tmp, { force: true });
          linked = false;
          key = await copyHashing(source, tmp, { ...options, sync });
        }
      } else {
        key = await copyHashing(source, tmp, { ...options, sync });
      }
      await this.commitTemp(key, tmp, { ...(options.syncs ? { syncs: options.syncs } : {}), readOnly: linked });
      return key;
    } catch (err) {
      await rm(tmp, { force: true });
      if (errnoCode(err) === 'ENOSPC') throw new DiskFullError(source, err);
      throw err;
    }
  }

  /**
   * ingest in `mode: 'link'` with `syncs`, for a file of at most SMALL_OBJECT_BYTES: the same steps
   * (hard link into annex/tmp, read-only, hashed, renamed into place, fsyncs owed to the batch), as
   * one system call after another instead of a trip through the thread pool each: for a small file
   * those trips cost more than the calls. Undefined when the file cannot be hard-linked here (the
   * caller then ingests it the usual way, which copies).
   */
  ingestSmall(source: string, options: { readonly backend: string; readonly fileName: string; readonly syncs: SyncBatch }): Key | undefined {
    const hasher = createHasher(options.backend);
    const tmp = this.#nextTmpName();
    let dest: string | undefined;
    try {
      this.#mkdirUnderSync(this.tmpDir);
      try {
        this.#again(this.tmpDir, () => linkSync(source, tmp));
      } catch (err) {
        if (NO_HARD_LINK.includes(errnoCode(err) ?? '')) return undefined;
        throw err;
      }
      chmodSync(tmp, 0o444);
      const bytes = readFileSync(tmp);
      hasher.update(bytes);
      const key = keyFromDigest({ backend: options.backend, digestHex: hasher.digestHex(), size: bytes.length, fileName: options.fileName });
      if (this.#pathOfSync(key) !== undefined) return key;
      const target = this.preferredPath(key);
      const dir = dirname(target);
      // A directory mkdir just made is writable already; an existing one may have been left read-only.
      if (!this.#again(dirname(dir), () => this.#mkdirKeyDirSync(dir))) chmodSync(dir, 0o755);
      renameSync(tmp, target);
      dest = target;
      options.syncs.add(target);
      options.syncs.add(dir);
      chmodSync(dir, 0o555);
      return key;
    } catch (err) {
      if (errnoCode(err) === 'ENOSPC') throw new DiskFullError(source, err);
      throw err;
    } finally {
      if (dest === undefined) rmSync(tmp, { force: true });
    }
  }

  /**
   * Runs `fn`, which works inside directory `dir`, making `dir` first if this process has not seen
   * it. When `fn` fails with ENOENT although `dir` was known (another process, git-annex's drop,
   * removed it), `dir` is made again and `fn` tried once more; an ENOENT then is `fn`'s own.
   */
  #again<T>(dir: string, fn: () => T): T {
    const known = this.#knownDirs.has(dir);
    this.#mkdirUnderSync(dir);
    try {
      return fn();
    } catch (err) {
      if (!known || errnoCode(err) !== 'ENOENT') throw err;
      this.#forget(dir);
      this.#mkdirUnderSync(dir);
      return fn();
    }
  }

  /** Forgets that `dir` and its parents up to the git dir exist. */
  #forget(dir: string): void {
    for (let d = dir; d.length > this.#gitDir.length; d = dirname(d)) this.#knownDirs.delete(d);
  }

  /** Makes an object's own directory; false when it was there already. */
  #mkdirKeyDirSync(dir: string): boolean {
    try {
      mkdirSync(dir);
      return true;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') return false;
      throw err;
    }
  }

  #pathOfSync(key: Key): string | undefined {
    for (const layout of this.#layouts) {
      const p = join(this.#gitDir, objectPath(key, layout));
      const s = statSync(p, { throwIfNoEntry: false });
      if (s?.isFile()) return p;
    }
    return undefined;
  }

  /** Checks the object's content against its key; undefined when the object is absent. */
  async verify(key: Key): Promise<boolean | undefined> {
    const p = await this.pathOf(key);
    if (!p) return undefined;
    return verifyKeyContent(key, p);
  }

  /** Moves a bad object out of the way into annex/bad/ (as git-annex fsck does). */
  async quarantine(key: Key): Promise<string | undefined> {
    const p = await this.pathOf(key);
    if (!p) return undefined;
    const bad = join(this.#gitDir, 'annex', 'bad');
    await mkdirUnder(this.#gitDir, bad);
    const dest = join(bad, keyToFileName(formatKey(key)));
    await chmod(dirname(p), 0o755);
    await rename(p, dest);
    await rmdir(dirname(p)).catch(() => undefined);
    return dest;
  }

  /**
   * Takes git-annex's (v10) content lock on `key`: an fcntl lock on `<object>.lck`, beside the
   * object. 'shared' keeps the content from being dropped (git-annex's lockContentShared, taken on
   * a copy a drop elsewhere counts, and while content is sent); 'exclusive' is taken to remove it
   * (lockContentForRemoval). Never waits, as git-annex does not: undefined when a conflicting
   * lock is held (by arbor or git-annex) or the content is not here.
   */
  async tryContentLock(key: Key, mode: 'shared' | 'exclusive'): Promise<FcntlLock | undefined> {
    const object = await this.pathOf(key);
    if (!object) return undefined;
    const lockFile = `${object}.lck`;
    const dir = dirname(object);
    // The object's directory is kept read-only: opened just long enough to create the lock file
    // (twice, should another process close it again in between).
    for (let attempt = 0; ; attempt++) {
      const exists = await stat(lockFile).then(() => true, (err: unknown) => {
        if (errnoCode(err) === 'ENOENT') return false;
        throw err;
      });
      if (exists) break;
      try {
        await chmod(dir, 0o755);
        await (await open(lockFile, 'a', 0o644)).close();
        await chmod(dir, 0o555);
        break;
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') return undefined; // the object went away
        if (attempt > 0 || errnoCode(err) !== 'EACCES') throw err;
      }
    }
    return tryFcntlLock(lockFile, mode);
  }

  /**
   * Runs `fn` holding git-annex's content lock on `key` (see tryContentLock); throws
   * ContentLockedError when the content is not here or another process holds a conflicting lock.
   * The exclusive holder removes the lock file with the object (remove), as git-annex does.
   */
  async withKeyLock<T>(key: Key, fn: () => Promise<T>, mode: 'shared' | 'exclusive' = 'shared'): Promise<T> {
    const lock = await this.tryContentLock(key, mode);
    if (!lock) {
      if (!(await this.has(key))) throw new ArborError('ENOTPRESENT', `${formatKey(key)} is not present here`);
      throw new ContentLockedError(formatKey(key));
    }
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  /** Deletes the object (callers have checked numcopies). Returns whether anything was removed. */
  async remove(key: Key): Promise<boolean> {
    let removed = false;
    for (const layout of this.#layouts) {
      const p = join(this.#gitDir, objectPath(key, layout));
      const dir = dirname(p);
      try {
        await lstat(p);
      } catch {
        continue;
      }
      await chmod(dir, 0o755);
      await unlink(p);
      await rm(`${p}.lck`, { force: true });
      await rmdir(dir).catch(() => undefined);
      await rmdir(dirname(dir)).catch(() => undefined);
      await rmdir(dirname(dirname(dir))).catch(() => undefined);
      this.#forget(dir);
      removed = true;
    }
    return removed;
  }
}

/**
 * Hashes the (read-only) link at `path` into its key; with `sync` it is also fsynced, both at
 * once: the fsync runs in the thread pool while the file is read and hashed here (fsync through a
 * read-only descriptor works on Linux and keeps the object read-only).
 */
async function hashLink(path: string, options: { backend: string; fileName: string; sync: boolean; size?: number }): Promise<Key> {
  const hasher = createHasher(options.backend);
  const h = await open(path, 'r');
  try {
    const synced = options.sync ? h.sync() : undefined;
    const size = await forEachChunk(h, options.size === undefined ? {} : { expectedBytes: options.size }, (chunk) => hasher.update(chunk)).catch(async (err: unknown) => {
      await synced?.catch(() => undefined);
      throw err;
    });
    await synced;
    return keyFromDigest({ backend: options.backend, digestHex: hasher.digestHex(), size, fileName: options.fileName });
  } finally {
    await h.close();
  }
}

/** Copies source → dest while hashing, one read of the data; fsynced at the end when `sync`. */
async function copyHashing(source: string, dest: string, options: { backend: string; fileName: string; sync: boolean }): Promise<Key> {
  const hasher = createHasher(options.backend);
  const from = await open(source, 'r');
  try {
    const to = await open(dest, 'wx', 0o644);
    try {
      const size = await copyChunks({ from, to, hasher });
      if (options.sync) await to.sync();
      return keyFromDigest({ backend: options.backend, digestHex: hasher.digestHex(), size, fileName: options.fileName });
    } finally {
      await to.close();
    }
  } finally {
    await from.close();
  }
}
