// The block signature of an object: its content-defined chunks (length and a short strong hash each), grouped into content-defined runs.

import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { forEachChunk } from '../pipelined-io.js';
import { Chunker, DELTA_CHUNK_SIZES, type ChunkSizes } from './chunker.js';

/**
 * Bytes of a chunk id: the first 8 bytes of the chunk's SHA-256. Short ids are safe because
 * nothing is trusted on their word: a rebuilt object is hashed against its key before it is placed,
 * so a collision (about 2^-40 for a million chunks) or a lying list only costs a whole transfer.
 */
export const BLOCK_ID_BYTES = 8;

/** A run ends after a chunk whose id's first byte has these bits clear (one in 64: runs average 64 chunks, 512 KiB). */
const RUN_END_MASK = 63;

/** No run holds more chunks than this (bounds the list a changed run costs). */
const MAX_RUN_CHUNKS = 256;

/** A run of consecutive chunks, named by the hash of their ids. */
export interface BlockRun {
  /** Index of its first chunk. */
  readonly first: number;
  readonly count: number;
  /** Byte offset of its first chunk in the object. */
  readonly offset: number;
  readonly length: number;
  /** Hex of its id (BLOCK_ID_BYTES bytes). */
  readonly id: string;
}

/** Chunk boundaries and ids of one object. */
export interface BlockSignature {
  readonly size: number;
  /** Length of each chunk, in order. */
  readonly lengths: readonly number[];
  /** Offset of each chunk. */
  readonly offsets: readonly number[];
  /** BLOCK_ID_BYTES bytes per chunk, in order. */
  readonly ids: Buffer;
  readonly runs: readonly BlockRun[];
}

/** The hex id of chunk `i`. */
export function chunkId(sig: BlockSignature, i: number): string {
  return sig.ids.toString('hex', i * BLOCK_ID_BYTES, (i + 1) * BLOCK_ID_BYTES);
}

/** Builds a signature from the object's bytes fed in order (streaming: memory grows with the chunk count, never with the data). */
export class SignatureBuilder {
  readonly #chunker: Chunker;
  readonly #lengths: number[] = [];
  readonly #ids: Buffer[] = [];
  #hash: Hash = createHash('sha256');
  /** Bytes of the open chunk already hashed. */
  #open = 0;

  constructor(sizes: ChunkSizes = DELTA_CHUNK_SIZES) {
    this.#chunker = new Chunker(sizes);
  }

  push(buf: Uint8Array): void {
    let pos = 0;
    for (const len of this.#chunker.push(buf)) {
      // The first cut may close a chunk begun in earlier buffers: only its tail is in `buf`.
      const take = len - this.#open;
      this.#hash.update(buf.subarray(pos, pos + take));
      pos += take;
      this.#close(len);
    }
    this.#hash.update(buf.subarray(pos));
    this.#open += buf.length - pos;
  }

  #close(len: number): void {
    this.#ids.push(this.#hash.digest().subarray(0, BLOCK_ID_BYTES));
    this.#lengths.push(len);
    this.#hash = createHash('sha256');
    this.#open = 0;
  }

  finish(): BlockSignature {
    const last = this.#chunker.finish();
    if (last > 0) this.#close(last);
    return assemble(this.#lengths, Buffer.concat(this.#ids));
  }
}

/** Groups chunks into runs and computes offsets (pure). */
export function assemble(lengths: readonly number[], ids: Buffer): BlockSignature {
  const offsets: number[] = [];
  const runs: BlockRun[] = [];
  let offset = 0;
  let first = 0;
  let runOffset = 0;
  for (let i = 0; i < lengths.length; i++) {
    offsets.push(offset);
    offset += lengths[i] as number;
    const count = i + 1 - first;
    if (((ids[i * BLOCK_ID_BYTES] as number) & RUN_END_MASK) === 0 || count >= MAX_RUN_CHUNKS || i === lengths.length - 1) {
      const id = createHash('sha256')
        .update(ids.subarray(first * BLOCK_ID_BYTES, (i + 1) * BLOCK_ID_BYTES))
        .digest()
        .toString('hex', 0, BLOCK_ID_BYTES);
      runs.push({ first, count, offset: runOffset, length: offset - runOffset, id });
      first = i + 1;
      runOffset = offset;
    }
  }
  return { size: offset, lengths, offsets, ids, runs };
}

/** The signature of a whole buffer (tests, small data). */
export function signatureOf(data: Uint8Array, sizes: ChunkSizes = DELTA_CHUNK_SIZES): BlockSignature {
  const b = new SignatureBuilder(sizes);
  b.push(data);
  return b.finish();
}

/** The signature of a file, read once (the next piece is read while this one is chunked and hashed). */
export async function signatureOfFile(path: string, sizes: ChunkSizes = DELTA_CHUNK_SIZES): Promise<BlockSignature> {
  const b = new SignatureBuilder(sizes);
  const h = await open(path, 'r');
  try {
    await forEachChunk(h, {}, (chunk) => b.push(chunk));
  } finally {
    await h.close();
  }
  return b.finish();
}
