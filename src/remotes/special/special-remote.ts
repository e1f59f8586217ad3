// A special remote: storage that is not a git repository (a folder, a cloud through a program), in git-annex's formats.
//
// One class serves every kind: the kind supplies a KeyStorage that moves single objects, and this
// layer adds what git-annex adds around every special remote (Remote/Helper/Special.hs,
// Remote/Helper/Chunked.hs): chunking with `chunk=`, the chunk log in the git-annex branch,
// resuming an interrupted chunked upload from the first chunk that is not there yet, and
// reading back whichever layout (chunked or not) the content was stored with.

import { mkdir, open, rename, rm, stat, truncate } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Annex } from '../../annex/annex.js';
import type { Key } from '../../annex/key.js';
import { formatKey } from '../../annex/key.js';
import { chunkCounts, logChunkCount, type ChunkCount } from '../../annex/logs/chunk.js';
import { ArborError } from '../../util/errors.js';
import type { Progress, Remote, RemoteConfig } from '../remote.js';
import { chunkCount, chunkKey, chunkRange } from './chunks.js';
import type { KeyStorage } from './key-storage.js';

/** What a special remote is built from. */
export interface SpecialRemoteOptions {
  readonly config: RemoteConfig;
  readonly uuid: string;
  readonly typeName: string;
  readonly cost: number;
  /** `chunk=` in bytes; undefined stores whole objects. */
  readonly chunkSize?: number;
  readonly storage: KeyStorage;
  /** The local repository: its git-annex branch holds the chunk logs, its annex/tmp the pieces. */
  readonly annex: Annex;
}

/** A special remote behind the Remote interface (the content commands need nothing else). */
export class SpecialRemote implements Remote {
  readonly name: string;
  readonly uuid: string;
  readonly cost: number;
  readonly typeName: string;
  readonly config: RemoteConfig;
  readonly #chunkSize: number | undefined;
  readonly #storage: KeyStorage;
  readonly #annex: Annex;
  /** Invariant: prepare() ran (successfully) at most once; reset when it failed. */
  #prepared: Promise<void> | undefined;

  constructor(options: SpecialRemoteOptions) {
    this.config = options.config;
    this.name = options.config.name;
    this.uuid = options.uuid;
    this.cost = options.cost;
    this.typeName = options.typeName;
    this.#chunkSize = options.chunkSize;
    this.#storage = options.storage;
    this.#annex = options.annex;
  }

  async #ready(): Promise<void> {
    this.#prepared ??= this.#storage.prepare().catch((err: unknown) => {
      this.#prepared = undefined;
      throw err;
    });
    return this.#prepared;
  }

  async connect(): Promise<string> {
    await this.#ready();
    return this.uuid;
  }

  /**
   * The chunkings to look for, as git-annex does: those the chunk log records for this remote, then
   * the configured `chunk=` (its count follows from the key's size, so a log not yet merged here does
   * not hide content).
   */
  async #chunkings(key: Key): Promise<ChunkCount[]> {
    const logged = await chunkCounts(this.#annex.branch, key, this.uuid);
    const out = [...logged];
    if (this.#chunkSize !== undefined && key.size !== undefined && !out.some((c) => c.chunkSize === this.#chunkSize)) {
      out.push({ chunkSize: this.#chunkSize, count: chunkCount(key.size, this.#chunkSize) });
    }
    return out;
  }

  async #allPresent(key: Key, c: ChunkCount): Promise<boolean> {
    for (let n = 1; n <= c.count; n++) if (!(await this.#storage.checkPresent(chunkKey(key, c.chunkSize, n)))) return false;
    return true;
  }

  async checkPresent(key: Key): Promise<boolean> {
    await this.#ready();
    for (const c of await this.#chunkings(key)) if (await this.#allPresent(key, c)) return true;
    return this.#storage.checkPresent(key);
  }

  async store(key: Key, source: string, progress?: Progress): Promise<void> {
    await this.#ready();
    const size = key.size ?? (await stat(source)).size;
    const chunkSize = this.#chunkSize;
    if (chunkSize === undefined) {
      await this.#storage.store(key, { path: source, offset: 0, length: size }, progress);
      return;
    }
    const count = chunkCount(size, chunkSize);
    // Resume: chunks already there (an interrupted upload) are not sent again.
    let n = 1;
    while (n <= count && (await this.#storage.checkPresent(chunkKey(key, chunkSize, n)))) n++;
    for (; n <= count; n++) {
      const range = chunkRange(size, chunkSize, n);
      await this.#storage.store(chunkKey(key, chunkSize, n), { path: source, ...range }, progress ? (done) => progress(range.offset + done, size) : undefined);
    }
    progress?.(size, size);
    await logChunkCount(this.#annex.branch, { key, uuid: this.uuid, chunkSize, count, now: this.#annex.now() });
  }

  async retrieve(key: Key, dest: string, progress?: Progress): Promise<void> {
    await this.#ready();
    await mkdir(dirname(dest), { recursive: true });
    for (const c of await this.#chunkings(key)) {
      if (!(await this.#storage.checkPresent(chunkKey(key, c.chunkSize, c.count)))) continue;
      await this.#retrieveChunks(key, c, dest, progress);
      return;
    }
    const piece = this.#pieceFile(dest);
    try {
      await this.#storage.retrieve(key, piece, progress);
      await rename(piece, dest);
    } finally {
      await rm(piece, { force: true });
    }
  }

  /** A temporary file next to `dest` for one downloaded object. */
  #pieceFile(dest: string): string {
    return join(dirname(dest), `.piece-${randomBytes(6).toString('hex')}`);
  }

  /** Appends the chunks to `dest`, keeping the whole chunks a previous attempt already wrote there. */
  async #retrieveChunks(key: Key, c: ChunkCount, dest: string, progress?: Progress): Promise<void> {
    const have = await stat(dest).then((s) => s.size, () => 0);
    let n = Math.floor(have / c.chunkSize) + 1;
    if (key.size !== undefined && have >= key.size) n = c.count + 1;
    else await truncate(dest, (n - 1) * c.chunkSize).catch(() => undefined);
    const total = key.size;
    for (; n <= c.count; n++) {
      const piece = this.#pieceFile(dest);
      const base = (n - 1) * c.chunkSize;
      try {
        await this.#storage.retrieve(chunkKey(key, c.chunkSize, n), piece, progress ? (done) => progress(base + done, total) : undefined);
        await appendFile(piece, dest);
      } finally {
        await rm(piece, { force: true });
      }
    }
  }

  async remove(key: Key): Promise<void> {
    await this.#ready();
    const logged = await chunkCounts(this.#annex.branch, key, this.uuid);
    for (const c of await this.#chunkings(key)) {
      for (let n = 1; n <= c.count; n++) await this.#storage.remove(chunkKey(key, c.chunkSize, n));
    }
    await this.#storage.remove(key);
    for (const c of logged) await logChunkCount(this.#annex.branch, { key, uuid: this.uuid, chunkSize: c.chunkSize, count: 0, now: this.#annex.now() });
    if (await this.checkPresent(key)) throw new ArborError('EREMOVE', `remote ${this.name} still has ${formatKey(key)} after removing it`);
  }

  async close(): Promise<void> {
    this.#prepared = undefined;
    await this.#storage.close();
  }
}

/** Appends the whole of `piece` to `dest`. */
async function appendFile(piece: string, dest: string): Promise<void> {
  const from = await open(piece, 'r');
  const to = await open(dest, 'a');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const { bytesRead } = await from.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      for (let at = 0; at < bytesRead; ) {
        const { bytesWritten } = await to.write(buf, at, bytesRead - at);
        if (bytesWritten === 0) throw new ArborError('EWRITE', `could not write to ${dest}`);
        at += bytesWritten;
      }
    }
    await to.sync();
  } finally {
    await from.close();
    await to.close();
  }
}
