// The `directory` special remote's storage: a folder laid out exactly as git-annex's directory remote does (Remote/Directory.hs).
//
// An object lives at `<dir>/<hashdirlower><key>/<key>` (the same md5-based `xxx/yyy/` as a bare
// repository's objects, so chunks of one key share a directory). git-annex also reads the mixed
// `Xx/Yy/` layout of old remotes, so arbor does too. A store is written under `<dir>/tmp/<key>/`
// and renamed into place, so a half-written object is never taken for the content.

import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hashDirLower, hashDirMixed } from '../../annex/dir-hashes.js';
import type { Key } from '../../annex/key.js';
import { formatKey, keyToFileName } from '../../annex/key.js';
import { ArborError, errnoCode, readOnlyErrno, ReadOnlyError } from '../../util/errors.js';
import { writeDenied } from '../../util/writable.js';
import type { Progress } from '../remote.js';
import { RemoteUnavailableError } from '../remote.js';
import type { KeyStorage, SourceRange } from './key-storage.js';
import { copyRange } from './copy-range.js';

/** A folder used as a git-annex `directory` special remote. */
export class DirectoryStorage implements KeyStorage {
  readonly #dir: string;
  readonly #name: string;

  constructor(options: { dir: string; remoteName: string }) {
    this.#dir = options.dir;
    this.#name = options.remoteName;
  }

  /** Where git-annex stores `key` (the first candidate) and where else it may be found. */
  #candidates(key: Key): string[] {
    const file = keyToFileName(formatKey(key));
    return [hashDirLower(key), hashDirMixed(key)].map((h) => join(this.#dir, h, file, file));
  }

  async prepare(): Promise<void> {
    const ok = await stat(this.#dir).then((s) => s.isDirectory(), () => false);
    if (!ok) throw new RemoteUnavailableError(this.#name, `directory ${this.#dir} is not there`);
  }

  async store(key: Key, source: SourceRange, progress?: Progress): Promise<void> {
    try {
      await this.#store(key, source, progress);
    } catch (err) {
      // A read-only folder shows up as odd errnos (recursive mkdir reports ENOENT on a read-only mount): say what it is.
      const denied = readOnlyErrno(err, { anyDenial: true }) ?? (await writeDenied(this.#dir));
      if (denied) throw new ReadOnlyError(this.#dir, denied, { action: `store on remote ${this.#name}`, cause: err });
      throw err;
    }
  }

  async #store(key: Key, source: SourceRange, progress?: Progress): Promise<void> {
    await this.prepare();
    const file = keyToFileName(formatKey(key));
    const tmpDir = join(this.#dir, 'tmp', file);
    await rm(tmpDir, { recursive: true, force: true });
    await mkdir(tmpDir, { recursive: true });
    if (source.offset === 0 && source.length === (await stat(source.path)).size) {
      await copyFile(source.path, join(tmpDir, file));
      progress?.(source.length, source.length);
    } else {
      await copyRange(source, join(tmpDir, file), { durable: true, ...(progress ? { progress } : {}) });
    }
    const final = dirname(this.#candidates(key)[0] ?? '');
    await mkdir(dirname(final), { recursive: true });
    await rm(final, { recursive: true, force: true });
    await rename(tmpDir, final);
  }

  async #find(key: Key): Promise<string | undefined> {
    for (const p of this.#candidates(key)) if (await stat(p).then((s) => s.isFile(), () => false)) return p;
    return undefined;
  }

  async retrieve(key: Key, dest: string, progress?: Progress): Promise<void> {
    const p = await this.#find(key);
    if (!p) {
      await this.prepare();
      throw new ArborError('ENOTPRESENT', `remote ${this.#name} does not have ${formatKey(key)}`);
    }
    const size = (await stat(p)).size;
    await copyRange({ path: p, offset: 0, length: size }, dest, { durable: true, ...(progress ? { progress } : {}) });
  }

  async checkPresent(key: Key): Promise<boolean> {
    if (await this.#find(key)) return true;
    await this.prepare();
    return false;
  }

  async remove(key: Key): Promise<void> {
    await this.prepare();
    for (const p of this.#candidates(key)) {
      try {
        await rm(dirname(p), { recursive: true, force: true });
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
    }
  }

  async close(): Promise<void> {}
}
