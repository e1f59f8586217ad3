// Pipelined file IO for hashing and copying: the next chunk is read while the current one is hashed and written.

import type { FileHandle } from 'node:fs/promises';

/**
 * Chunk size for unthrottled hashing and copying. With the read of the next chunk overlapping
 * the hashing of this one, 2 MiB chunks let Node's SHA-256 run at ~1.5 GB/s (1 MiB: ~1.35 GB/s);
 * larger chunks gain nothing and fall out of the CPU caches.
 */
export const PIPELINE_CHUNK_BYTES = 2 << 20;

/**
 * While a copy runs, its destination is fdatasynced in the background every this many bytes, so
 * the disk writes while the CPU hashes instead of all at the final fsync (which still follows).
 */
export const BACKGROUND_SYNC_BYTES = 32 << 20;

/** Options for forEachChunk. */
export interface ChunkReadOptions {
  /** First byte to read (default 0). */
  readonly start?: number;
  /** Stop before this byte (default: end of file). */
  readonly end?: number;
  /** Chunk size (default PIPELINE_CHUNK_BYTES). */
  readonly chunkBytes?: number;
  /** How many bytes the caller expects (sizes the buffers without an fstat); reading still goes on to the end. */
  readonly expectedBytes?: number;
}

/**
 * Full-size buffers kept for reuse between calls, so big reads do not churn the garbage collector;
 * one pair (4 MiB), since a long-running daemon keeps them for good.
 */
const spare: Buffer[] = [];
const MAX_SPARE = 2;

/** Below this a file's buffers are sized to the file (a small file needs no 2 MiB buffers). */
const SMALL_READ_BYTES = 64 << 10;

function takeBuffer(size: number): Buffer {
  const i = spare.findIndex((b) => b.length === size);
  if (i >= 0) return spare.splice(i, 1)[0] ?? Buffer.allocUnsafe(size);
  return Buffer.allocUnsafe(size);
}

function giveBack(buf: Buffer): void {
  if (buf.length >= SMALL_READ_BYTES && spare.length < MAX_SPARE) spare.push(buf);
}

/** The chunk size for reading `handle` from `start` to `end`: no larger than what is there to read (plus one byte to see the end). */
async function chunkSizeFor(handle: FileHandle, options: { start: number; end: number; chunkBytes: number; expectedBytes: number | undefined }): Promise<number> {
  const { start, end, chunkBytes } = options;
  const expected = end !== Infinity ? end - start : (options.expectedBytes ?? (await handle.stat()).size - start);
  return expected + 1 < chunkBytes ? Math.max(expected + 1, 4096) : chunkBytes;
}

/**
 * Reads `handle` from `start` to `end` (or to the end of the file) in chunks and hands each one,
 * in order, to `consume` with its file offset. The read of the next chunk is already under way
 * while `consume` runs. A chunk is a view of a reused buffer: `consume` must be done with it by
 * the time it returns (or its promise settles). Returns the number of bytes read.
 */
export async function forEachChunk(
  handle: FileHandle,
  options: ChunkReadOptions,
  consume: (chunk: Buffer, offset: number) => void | Promise<void>,
): Promise<number> {
  const start = options.start ?? 0;
  const end = options.end ?? Infinity;
  const size = await chunkSizeFor(handle, { start, end, chunkBytes: options.chunkBytes ?? PIPELINE_CHUNK_BYTES, expectedBytes: options.expectedBytes });
  const first = takeBuffer(size);
  const second = takeBuffer(size);
  const readAt = (buf: Buffer, pos: number): Promise<number> | undefined =>
    pos >= end ? undefined : handle.read(buf, 0, Math.min(size, end - pos), pos).then((r) => r.bytesRead);
  let pos = start;
  let current = first;
  let next = second;
  let pending = readAt(current, pos);
  try {
    while (pending) {
      const n = await pending;
      pending = undefined;
      if (n === 0) break;
      const offset = pos;
      pos += n;
      pending = readAt(next, pos);
      await consume(current.subarray(0, n), offset);
      [current, next] = [next, current];
    }
  } finally {
    // Never leave a read running into a buffer that goes back to the pool.
    if (pending) await pending.catch(() => undefined);
    giveBack(first);
    giveBack(second);
  }
  return pos - start;
}

/** Something that digests bytes incrementally (a Hasher or a node:crypto Hash). */
export interface ChunkSink {
  update(chunk: Uint8Array): unknown;
}

/** Options for copyChunks. */
export interface CopyChunksOptions {
  readonly from: FileHandle;
  readonly to: FileHandle;
  /** Offset to start at, in both files (a resumed copy continues where the destination ends). */
  readonly start?: number;
  /** Receives every byte written, in order, after `throttle` has seen it. */
  readonly hasher?: ChunkSink;
  /** Awaited before each chunk is hashed and written (rate limits, pause, stop). May change the chunk. */
  readonly throttle?: (chunk: Buffer) => Promise<void>;
  /** Called after each chunk is written with the offset reached. */
  readonly written?: (end: number) => void;
  readonly chunkBytes?: number;
}

/**
 * Copies `from` to `to` from `start` to the end of `from`, hashing exactly the bytes that are
 * written. Per chunk, the write and the hashing run side by side (the write in the thread pool,
 * the hash here) while the next chunk is being read; writes stay in order, so an interrupted
 * copy leaves a clean prefix. The destination is fdatasynced in the background as it grows; the
 * caller still fsyncs at the end. Returns the offset reached.
 */
export async function copyChunks(options: CopyChunksOptions): Promise<number> {
  const { throttle, written } = options;
  const writer = hashingWriter(options.to, options.hasher, options.start ?? 0);
  try {
    await forEachChunk(
      options.from,
      { start: writer.position, ...(options.chunkBytes === undefined ? {} : { chunkBytes: options.chunkBytes }) },
      async (chunk) => {
        if (throttle) await throttle(chunk);
        await writer.write(chunk);
        written?.(writer.position);
      },
    );
  } finally {
    await writer.finish().catch(() => undefined);
  }
  await writer.finish();
  return writer.position;
}

/** Writes all of `chunk` at `offset` (a positional write may write less than asked). */
export async function writeAll(to: FileHandle, chunk: Buffer, offset: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await to.write(chunk, done, chunk.length - done, offset + done);
    done += bytesWritten;
  }
}

/** Writes pieces in order at increasing offsets, hashing each while it is written; see hashingWriter. */
export interface HashingWriter {
  /** Writes and hashes `chunk` at the current position; the chunk may be reused once this resolves. */
  write(chunk: Buffer): Promise<void>;
  /** The offset reached. */
  readonly position: number;
  /** Waits for the background sync; the caller still fsyncs. */
  finish(): Promise<void>;
}

/**
 * A writer for objects built piece by piece (a delta rebuild): each piece is written (thread pool)
 * and hashed (here) side by side, and the file is fdatasynced in the background as it grows, as
 * copyChunks does, so the final fsync finds little left to write.
 */
export function hashingWriter(to: FileHandle, hasher: ChunkSink | undefined, start = 0): HashingWriter {
  let position = start;
  let syncedTo = start;
  let background: Promise<void> | undefined;
  let failed: unknown;
  return {
    get position() {
      return position;
    },
    async write(chunk) {
      if (failed !== undefined) throw failed;
      const write = writeAll(to, chunk, position);
      hasher?.update(chunk);
      await write;
      position += chunk.length;
      if (!background && position - syncedTo >= BACKGROUND_SYNC_BYTES) {
        syncedTo = position;
        background = to.datasync().then(
          () => {
            background = undefined;
          },
          (err: unknown) => {
            failed ??= err;
            background = undefined;
          },
        );
      }
    },
    async finish() {
      if (background) await background;
      if (failed !== undefined) throw failed;
    },
  };
}
