// Block lists kept in a repository: the chunk boundaries and ids of an object, written once so later deltas need not read the whole object to sign it.

import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hashDirLower } from '../annex/dir-hashes.js';
import { assemble, BLOCK_ID_BYTES, chunkId, signatureOfFile, type BlockSignature } from '../annex/delta/signature.js';
import { formatKey, type Key } from '../annex/key.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { decodeBlocks, DeltaFrameError, encodeBlocks } from './delta-wire.js';

/**
 * Objects smaller than this get no block list, and are copied whole from a local remote: signing
 * them costs about as little as reading them.
 */
export const BLOCK_LIST_MIN_BYTES = 4 << 20;

/** First line of a block list file. */
const MAGIC = 'ARBOR-BLOCKS 1\n';

/**
 * Where a repository keeps the block list of `key`'s object: under annex/arbor/blocks, outside
 * annex/objects (git-annex never looks there). A key pins its content, so a block list is true for
 * as long as it exists; one left behind by a drop that git-annex made is only a few bytes per MiB.
 */
export function blockListPath(gitDir: string, key: Key): string {
  return join(gitDir, 'annex', 'arbor', 'blocks', hashDirLower(key), formatKey(key));
}

/** The file form of a block list: the magic line, the key, then the chunks (count, then length and id of each). */
export function formatBlockList(key: Key, sig: BlockSignature): Buffer {
  const chunks = sig.lengths.map((length, i) => ({ length, id: chunkId(sig, i) }));
  return Buffer.concat([Buffer.from(`${MAGIC}${formatKey(key)}\n`), encodeBlocks(chunks)]);
}

/** Parses a block list file written for `key`; undefined when it is for another key, damaged, or does not add up to the key's size. */
export function parseBlockList(key: Key, data: Buffer): BlockSignature | undefined {
  const head = `${MAGIC}${formatKey(key)}\n`;
  if (data.length < head.length || data.toString('latin1', 0, head.length) !== head) return undefined;
  let chunks;
  try {
    chunks = decodeBlocks(data.subarray(head.length));
  } catch (err) {
    if (err instanceof DeltaFrameError) return undefined;
    throw err;
  }
  const ids = Buffer.alloc(chunks.length * BLOCK_ID_BYTES);
  chunks.forEach((c, i) => ids.write(c.id, i * BLOCK_ID_BYTES, 'hex'));
  const sig = assemble(
    chunks.map((c) => c.length),
    ids,
  );
  return key.size === undefined || sig.size === key.size ? sig : undefined;
}

/** Whether `key` is big enough to keep a block list for. */
export function wantsBlockList(key: Key): boolean {
  return (key.size ?? 0) >= BLOCK_LIST_MIN_BYTES;
}

/** Keeps `sig` as the block list of `key` in the repository at `gitDir`. */
async function keepBlockList(gitDir: string, key: Key, sig: BlockSignature): Promise<void> {
  const path = blockListPath(gitDir, key);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, formatBlockList(key, sig));
}

/** Signs the object at `objectPath` and keeps the result as `key`'s block list. */
export async function writeBlockList(gitDir: string, key: Key, objectPath: string): Promise<void> {
  await keepBlockList(gitDir, key, await signatureOfFile(objectPath));
}

/** The block list of `key` kept in the repository at `gitDir`, or undefined (none, or unusable). */
export async function readBlockList(gitDir: string, key: Key): Promise<BlockSignature | undefined> {
  const data = await readFile(blockListPath(gitDir, key)).catch(() => undefined);
  return data ? parseBlockList(key, data) : undefined;
}

/** Removes the block list of `key`, if there is one. */
export async function removeBlockList(gitDir: string, key: Key): Promise<void> {
  await rm(blockListPath(gitDir, key), { force: true });
}
