// Copying content with resume and verification in one pass: the received bytes are hashed as they land.

import { open, rm, stat } from 'node:fs/promises';
import type { Key } from './key.js';
import { createHasher, getBackend } from './backend.js';
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
  let have = 0;
  try {
    have = (await stat(dest)).size;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  if (have > total) {
    await rm(dest, { force: true });
    have = 0;
  }
  const algorithm = getBackend(key.backend)?.algorithm;
  const hasher = algorithm ? createHasher(key.backend) : undefined;
  const out = await open(dest, have > 0 ? 'r+' : 'w', 0o644);
  let done = have;
  try {
    if (hasher && have > 0) await forEachChunk(out, { end: have }, (chunk) => hasher.update(chunk));
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
  if (!hasher) return true;
  return hasher.digestHex().toLowerCase() === keyDigest(key);
}
