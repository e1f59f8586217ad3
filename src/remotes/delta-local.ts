// Deltas from a remote on a local path (a drive, a NAS mount): the new object's block list is kept beside it, so a get reads only the blocks the local old version lacks.

import { open, stat } from 'node:fs/promises';
import { createHasher, getBackend } from '../annex/backend.js';
import { chunkId, signatureOfFile, type BlockSignature } from '../annex/delta/signature.js';
import type { Key } from '../annex/key.js';
import { forEachChunk, hashingWriter } from '../annex/pipelined-io.js';
import { digestMatches } from '../annex/verified-copy.js';
import { DeltaFrameError } from './delta-wire.js';
import type { Progress, Throttle } from './remote.js';

/**
 * Whether two paths are on different devices. A delta from a local remote only pays when the
 * remote's object sits on another, slower device (a drive, a network mount): on the same device,
 * signing the old version reads as many bytes as copying the new object would.
 */
export async function onOtherDevice(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a), stat(b)]);
  return x.dev !== y.dev;
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
  const writer = hashingWriter(out, hasher);
  let sourceBytes = 0;
  try {
    o.progress?.(0, total);
    for (const s of segments) {
      const fromSource = s.from === 'source';
      const read = await forEachChunk(fromSource ? source : basis, { start: s.offset, end: s.offset + s.length }, async (piece) => {
        if (fromSource) {
          if (o.throttle) await o.throttle(piece);
          sourceBytes += piece.length;
        }
        await writer.write(piece);
        o.progress?.(writer.position, total);
      });
      if (read < s.length) throw new DeltaFrameError(`the ${fromSource ? "remote's object" : 'old version'} is shorter than its block list says`);
    }
    await writer.finish();
    await out.sync();
  } finally {
    await out.close();
    await basis.close();
    await source.close();
  }
  const ok = (o.key.size === undefined || writer.position === o.key.size) && digestMatches(o.key, hasher);
  return { ok, sourceBytes };
}
