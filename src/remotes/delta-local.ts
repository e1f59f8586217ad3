// Deltas from a remote on a local path (a drive, a NAS mount): the new object's block list is kept beside it, so a get reads only the blocks the local old version lacks.

import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createHasher, getBackend } from '../annex/backend.js';
import { hashDirLower } from '../annex/dir-hashes.js';
import { assemble, BLOCK_ID_BYTES, chunkId, signatureOfFile, type BlockSignature } from '../annex/delta/signature.js';
import { formatKey, type Key } from '../annex/key.js';
import { digestMatches } from '../annex/verified-copy.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { decodeBlocks, DeltaFrameError, encodeBlocks } from './delta-wire.js';
import type { Progress, Throttle } from './remote.js';

/**
 * Objects smaller than this are copied whole: their block list would cost about as much to
 * write and read as the object itself saves.
 */
export const LOCAL_DELTA_MIN_BYTES = 4 << 20;

/**
 * Whether two paths are on different devices. A delta from a local remote only pays when the
 * remote's object sits on another, slower device (a drive, a network mount): on the same device,
 * signing the old version reads as many bytes as copying the new object would.
 */
export async function onOtherDevice(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a), stat(b)]);
  return x.dev !== y.dev;
}

/** First line of a block list file. */
const MAGIC = 'ARBOR-BLOCKS 1\n';

/** Bytes per read when copying a range. */
const COPY_BYTES = 1 << 20;

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

/** Writes the block list of `key` (whose content is at `objectPath`) into the repository at `gitDir`. */
export async function writeBlockList(gitDir: string, key: Key, objectPath: string): Promise<void> {
  const sig = await signatureOfFile(objectPath);
  const path = blockListPath(gitDir, key);
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, formatBlockList(key, sig));
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

/** A stretch of the new object: from the old version here, or from the remote's object. */
type Segment = { readonly from: 'basis' | 'source'; readonly offset: number; readonly length: number };

/** Which stretches of the object `sig` describes can come from the old version signed `basis` (pure). */
export function planLocalDelta(sig: BlockSignature, basis: BlockSignature): Segment[] {
  const held = new Map<string, number>();
  for (let i = 0; i < basis.lengths.length; i++) held.set(chunkId(basis, i), i);
  const out: Segment[] = [];
  for (let i = 0; i < sig.lengths.length; i++) {
    const length = sig.lengths[i] as number;
    const at = held.get(chunkId(sig, i));
    const s: Segment = at !== undefined && basis.lengths[at] === length ? { from: 'basis', offset: basis.offsets[at] as number, length } : { from: 'source', offset: sig.offsets[i] as number, length };
    const last = out.at(-1);
    if (last && last.from === s.from && last.offset + last.length === s.offset) out[out.length - 1] = { ...last, length: last.length + s.length };
    else out.push(s);
  }
  return out;
}

/** What rebuilding needs: the key, the remote's block list of it, its object there, the old version here, and where to write. */
export interface LocalDeltaOptions {
  readonly key: Key;
  readonly sig: BlockSignature;
  /** The new object on the remote (read only where the old version lacks blocks). */
  readonly sourcePath: string;
  /** The old version, present here. */
  readonly basisPath: string;
  /** Written (created or truncated) with the new object; the caller places it when `ok`. */
  readonly dest: string;
  readonly progress?: Progress;
  /** Every piece read from the remote passes through it (rate limits, pause, stop). */
  readonly throttle?: Throttle;
}

/** How a rebuild went: whether it matches the key, and how many bytes were read from the remote. */
export interface LocalDeltaResult {
  readonly ok: boolean;
  readonly sourceBytes: number;
}

/**
 * Rebuilds the new object into `dest` in order, from the old version's blocks and the remote's
 * bytes for the rest, hashing as it writes; fsyncs; `ok` only when size and hash match the key.
 * The block list is not trusted: a wrong one only makes the hash fail.
 */
export async function rebuildFromLocal(o: LocalDeltaOptions): Promise<LocalDeltaResult> {
  const segments = planLocalDelta(o.sig, await signatureOfFile(o.basisPath));
  const total = o.sig.size;
  const hasher = getBackend(o.key.backend)?.algorithm ? createHasher(o.key.backend) : undefined;
  const out = await open(o.dest, 'w', 0o644);
  const basis = await open(o.basisPath, 'r');
  const source = await open(o.sourcePath, 'r');
  let pos = 0;
  let sourceBytes = 0;
  try {
    o.progress?.(0, total);
    for (const s of segments) {
      const from = s.from === 'basis' ? basis : source;
      for (let at = s.offset; at < s.offset + s.length; ) {
        const buf = Buffer.allocUnsafe(Math.min(COPY_BYTES, s.offset + s.length - at));
        const { bytesRead } = await from.read(buf, 0, buf.length, at);
        if (bytesRead === 0) throw new DeltaFrameError(`the ${s.from === 'basis' ? 'old version' : "remote's object"} is shorter than its block list says`);
        const piece = buf.subarray(0, bytesRead);
        if (s.from === 'source') {
          if (o.throttle) await o.throttle(piece);
          sourceBytes += bytesRead;
        }
        hasher?.update(piece);
        for (let done = 0; done < bytesRead; ) done += (await out.write(piece, done, bytesRead - done, pos + done)).bytesWritten;
        pos += bytesRead;
        at += bytesRead;
        o.progress?.(pos, total);
      }
    }
    await out.sync();
  } finally {
    await out.close();
    await basis.close();
    await source.close();
  }
  const ok = (o.key.size === undefined || pos === o.key.size) && digestMatches(o.key, hasher);
  return { ok, sourceBytes };
}
