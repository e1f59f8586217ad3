// Copying content with resume and verification in one pass: the received bytes are hashed as they land.

import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import type { Key } from './key.js';
import { createHasher, getBackend, type Hasher } from './backend.js';
import { errnoCode } from '../util/errors.js';
import { copyChunks, forEachChunk } from './pipelined-io.js';

/** Chunk size when a throttle watches the copy: rate limits, pauses and stops act per chunk. */
const THROTTLED_CHUNK_BYTES = 1 << 20;

/** Bytes done so far and the total. */
export type CopyProgress = (done: number, total: number | undefined) => void;

/** The hex digest a key names, without any extension; undefined for WORM-like keys. */
export function keyDigest(key: Key): string | undefined {
  const backend = getBackend(key.backend);
  if (!backend?.algorithm) return undefined;
  const dot = key.name.indexOf('.');
  return (dot === -1 ? key.name : key.name.slice(0, dot)).toLowerCase();
}

/** A destination file opened to continue: its handle, how many bytes it already holds, and a hasher that has seen them. */
export interface PartialFile {
  readonly handle: FileHandle;
  readonly have: number;
  readonly hasher: Hasher | undefined;
}

/**
 * Opens `dest` to receive `key`'s content, continuing what an interrupted transfer left there:
 * a file longer than `total` (default: the key's size) is discarded first, the bytes kept are hashed (undefined
 * hasher for keys without a checksum). The caller closes the handle.
 */
export async function openPartial(key: Key, dest: string, total: number | undefined = key.size): Promise<PartialFile> {
  let have = 0;
  try {
    have = (await stat(dest)).size;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  if (total !== undefined && have > total) {
    await rm(dest, { force: true });
    have = 0;
  }
  const hasher = getBackend(key.backend)?.algorithm ? createHasher(key.backend) : undefined;
  const handle = await open(dest, have > 0 ? 'r+' : 'w', 0o644);
  try {
    if (hasher && have > 0) await forEachChunk(handle, { end: have }, (chunk) => hasher.update(chunk));
  } catch (err) {
    await handle.close();
    throw err;
  }
  return { handle, have, hasher };
}

/** Whether what a hasher saw is `key`'s content (size checked by the caller); true for keys without a checksum. */
export function digestMatches(key: Key, hasher: Hasher | undefined): boolean {
  return hasher ? hasher.digestHex().toLowerCase() === keyDigest(key) : true;
}

/**
 * Copies `source` to `dest`, continuing a partial `dest` left by an interrupted copy (its bytes
 * are hashed, not re-sent), fsyncs, and returns whether the whole of `dest` matches `key`.
 * A partial file that is longer than the key's size is discarded first.
 */
export async function copyVerified(options: {
  key: Key;
  source: string;
  dest: string;
  progress?: CopyProgress;
  /** Wraps the source stream (e.g. a rate limiter). */
  throttle?: (chunk: Buffer) => Promise<void>;
}): Promise<boolean> {
  const { key, source, dest } = options;
  const total = key.size ?? (await stat(source)).size;
  const { handle: out, have, hasher } = await openPartial(key, dest, total);
  let done = have;
  try {
    options.progress?.(done, total);
    if (have < total || key.size === undefined) {
      const from = await open(source, 'r');
      try {
        done = await copyChunks({
          from,
          to: out,
          start: have,
          ...(hasher ? { hasher } : {}),
          ...(options.throttle ? { throttle: options.throttle, chunkBytes: THROTTLED_CHUNK_BYTES } : {}),
          written: (end) => options.progress?.(end, total),
        });
      } finally {
        await from.close();
      }
    }
    await out.sync();
  } finally {
    await out.close();
  }
  if (key.size !== undefined && done !== key.size) return false;
  return digestMatches(key, hasher);
}
