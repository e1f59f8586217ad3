// Patch payloads: a delta exchange recorded to a file (the sender's frames) and replayed later against the same old object.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import type { Key } from '../annex/key.js';
import { ByteReader } from '../util/byte-reader.js';
import { describeError } from '../util/errors.js';
import { FrameLink, receiveDelta, sendDelta } from './delta-exchange.js';
import { formatPatchHeader, formatPatchTrailer, parsePatchHeader, parsePatchTrailer, PatchError, PATCH_TRAILER_BYTES, type PatchHeader } from './delta-patch-file.js';

/** Bytes read to find the header (two keys and the magic line fit easily). */
const HEAD_BYTES = 4096;

/** Writes to an in-memory pipe, waiting while it is full (the reader pauses it), so a large rewrite is not held in memory. */
async function pipeWrite(s: PassThrough, d: Buffer): Promise<void> {
  if (s.write(d) || s.destroyed) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      s.off('drain', done);
      s.off('close', done);
      resolve();
    };
    s.on('drain', done);
    s.on('close', done);
  });
}

/** What writing a patch needs. */
export interface WritePatchOptions {
  readonly oldKey: Key;
  /** The old object (its content must be `oldKey`'s: the caller has it from the object store). */
  readonly oldPath: string;
  readonly newKey: Key;
  readonly newPath: string;
  /** The patch file to write (replaced atomically). */
  readonly patchPath: string;
  /** A scratch file for the rebuild that checks the patch before it is kept. */
  readonly scratchPath: string;
}

/** What a written patch cost. */
export interface WritePatchResult {
  readonly patchBytes: number;
  readonly literalBytes: number;
}

/**
 * Writes a patch from `oldKey` to `newKey`. The sender and receiver sides of the delta exchange run
 * here against each other (the receiver's basis being the old object); the sender's frames are
 * what the file holds. Since the receiver's answers depend only on the old object, which a key
 * pins, applying the patch later replays the same exchange. The receiver's rebuild is checked
 * against the new key before the file is kept, so a patch that is written always applies.
 */
export async function writePatch(o: WritePatchOptions): Promise<WritePatchResult> {
  const toReceiver = new PassThrough();
  const toSender = new PassThrough();
  const tmp = `${o.patchPath}.arbor-tmp`;
  const out = await open(tmp, 'w', 0o644);
  const digest = createHash('sha256');
  let size = 0;
  const append = async (b: Buffer, hashed = true): Promise<void> => {
    if (hashed) digest.update(b);
    size += b.length;
    let done = 0;
    while (done < b.length) done += (await out.write(b, done, b.length - done)).bytesWritten;
  };
  let kept = false;
  try {
    await append(formatPatchHeader(o.oldKey, o.newKey));
    const senderLink = new FrameLink(new ByteReader(toSender), async (d) => {
      await pipeWrite(toReceiver, d);
      await append(d);
    });
    const receiverLink = new FrameLink(new ByteReader(toReceiver), (d) => pipeWrite(toSender, d));
    // Either side failing ends the other's input, so neither waits forever.
    const fail = (err: unknown): never => {
      toReceiver.destroy();
      toSender.destroy();
      throw err;
    };
    const [, received] = await Promise.all([
      sendDelta({ link: senderLink, path: o.newPath }).catch(fail),
      receiveDelta({ link: receiverLink, key: o.newKey, basisPath: o.oldPath, dest: o.scratchPath }).catch(fail),
    ]);
    if (!received.ok) throw new PatchError('EPATCHVERIFY', 'the patch did not rebuild the new version: is the old or new object corrupt? (git arbor fsck)');
    await append(formatPatchTrailer(digest.digest('hex')), false);
    await out.sync();
    await out.close();
    await rename(tmp, o.patchPath);
    kept = true;
    return { patchBytes: size, literalBytes: received.literalBytes };
  } finally {
    if (!kept) {
      await out.close().catch(() => undefined);
      await rm(tmp, { force: true });
    }
    await rm(o.scratchPath, { force: true });
  }
}

/**
 * Reads and checks a patch file's header and end line: a file cut short or changed anywhere is
 * refused here, before anything is rebuilt. (The rebuild is still hashed against the new key.)
 */
export async function readPatchHeader(patchPath: string): Promise<PatchHeader> {
  const size = (await stat(patchPath)).size;
  const h = await open(patchPath, 'r');
  try {
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
    await h.read(head, 0, head.length, 0);
    const header = parsePatchHeader(head);
    const bodyEnd = size - PATCH_TRAILER_BYTES;
    const tail = Buffer.alloc(PATCH_TRAILER_BYTES);
    const expected = bodyEnd >= header.length ? (await h.read(tail, 0, tail.length, bodyEnd), parsePatchTrailer(tail)) : undefined;
    if (!expected) throw new PatchError('EPATCHTRUNCATED', 'patch file is truncated (no end line)');
    const digest = createHash('sha256');
    for await (const chunk of createReadStream(patchPath, { start: 0, end: bodyEnd - 1 })) digest.update(chunk as Buffer);
    if (digest.digest('hex') !== expected) throw new PatchError('EPATCHDAMAGED', 'patch file is damaged (its checksum does not match its content)');
    return header;
  } finally {
    await h.close();
  }
}

/** What applying a patch needs. */
export interface ApplyPatchOptions {
  readonly patchPath: string;
  readonly header: PatchHeader;
  /** The old object, verified against header.oldKey by the caller. */
  readonly oldPath: string;
  /** Where the new object is rebuilt; the caller places it when the answer is true. */
  readonly dest: string;
}

/** Replays a checked patch against the old object into `dest`; true when `dest` matches the new key (hashed as written, fsynced). */
export async function replayPatch(o: ApplyPatchOptions): Promise<boolean> {
  const size = (await stat(o.patchPath)).size;
  const body = createReadStream(o.patchPath, { start: o.header.length, end: size - PATCH_TRAILER_BYTES - 1 });
  // The receiver's answers are not needed: the patch holds the sender's side of the same exchange.
  const link = new FrameLink(new ByteReader(body), async () => undefined);
  try {
    return (await receiveDelta({ link, key: o.header.newKey, basisPath: o.oldPath, dest: o.dest })).ok;
  } catch (err) {
    throw new PatchError('EPATCHDAMAGED', `patch does not fit the old version (${describeError(err)})`);
  } finally {
    body.destroy();
  }
}
