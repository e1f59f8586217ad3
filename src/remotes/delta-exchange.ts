// One delta transfer between the holder of a new object (sender) and the holder of an old version of it (receiver), over DATA frames.

import { open, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { deflateRaw, inflateRaw, constants as zlibConstants } from 'node:zlib';
import { createHasher } from '../annex/backend.js';
import { getBackend } from '../annex/backend.js';
import { chunkId, signatureOfFile, type BlockSignature } from '../annex/delta/signature.js';
import type { Key } from '../annex/key.js';
import { forEachChunk, hashingWriter } from '../annex/pipelined-io.js';
import { digestMatches } from '../annex/verified-copy.js';
import type { ByteReader } from '../util/byte-reader.js';
import { decodeBitmap, decodeBlockLists, decodeBlocks, decodeWants, DeltaFrameError, encodeBitmap, encodeBlockLists, encodeBlocks, encodeWants, type WireBlock } from './delta-wire.js';
import type { Progress, Throttle } from './remote.js';

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** Literal bytes are compressed in batches of this size (each its own deflate stream, so memory stays bounded). */
const LITERAL_BATCH_BYTES = 1 << 20;

/** No frame may be larger than this (a run list for 1 TiB is about 22 MB). */
const MAX_FRAME_BYTES = 64 << 20;

/** Bytes per read when copying from the basis. */
const COPY_BYTES = 1 << 20;

/** A literal batch sent as is (deflate did not make it smaller) or deflated. */
const RAW = 0;
const DEFLATED = 1;

/** A two-way link carrying frames (`DATA n` and n bytes) inside a P2P conversation. */
export class FrameLink {
  readonly #reader: ByteReader;
  readonly #write: (data: Buffer) => Promise<void>;
  /** Frame bytes (headers included) sent and received: what the exchange cost on the wire. */
  sent = 0;
  received = 0;

  constructor(reader: ByteReader, write: (data: Buffer) => Promise<void>) {
    this.#reader = reader;
    this.#write = write;
  }

  async send(payload: Buffer): Promise<void> {
    const header = Buffer.from(`DATA ${payload.length}\n`);
    this.sent += header.length + payload.length;
    await this.#write(payload.length ? Buffer.concat([header, payload]) : header);
  }

  async read(): Promise<Buffer> {
    const line = await this.#reader.line();
    const m = /^DATA (\d+)$/.exec(line);
    if (!m) throw new DeltaFrameError(`expected DATA, got ${JSON.stringify(line.slice(0, 80))}`);
    const n = Number(m[1]);
    if (n > MAX_FRAME_BYTES) throw new DeltaFrameError(`frame of ${n} bytes`);
    const parts: Buffer[] = [];
    await this.#reader.bytes(n, (c) => {
      parts.push(c);
    });
    this.received += line.length + 1 + n;
    return Buffer.concat(parts);
  }
}

/** A stretch of the new object: copied from the basis, or taken from the literal stream. */
type Segment = { readonly from: 'basis'; readonly offset: number; readonly length: number } | { readonly from: 'literal'; readonly length: number };

function runBlocks(sig: BlockSignature): WireBlock[] {
  return sig.runs.map((r) => ({ length: r.length, id: r.id }));
}

function chunkBlocks(sig: BlockSignature, first: number, count: number): WireBlock[] {
  const out: WireBlock[] = [];
  for (let i = first; i < first + count; i++) out.push({ length: sig.lengths[i] as number, id: chunkId(sig, i) });
  return out;
}

/** Reads `length` bytes at `offset` of `h` in pieces, handing each to `fn`. */
async function readRange(h: FileHandle, offset: number, length: number, fn: (b: Buffer) => Promise<void>): Promise<void> {
  for (let pos = offset; pos < offset + length; ) {
    const buf = Buffer.allocUnsafe(Math.min(COPY_BYTES, offset + length - pos));
    const { bytesRead } = await h.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) throw new DeltaFrameError('the file shrank while it was being read');
    pos += bytesRead;
    await fn(buf.subarray(0, bytesRead));
  }
}

/** What the sender needs. */
export interface SendDeltaOptions {
  readonly link: FrameLink;
  /** The new object. */
  readonly path: string;
  readonly progress?: Progress;
  /** Each literal frame passes through it before it is sent (rate limits, pause). */
  readonly throttle?: Throttle;
}

/**
 * The sender's side: sends the new object's run list, the chunk lists of the runs the receiver
 * lacks, then the chunks it still lacks as compressed literal batches, ended by an empty frame.
 */
export async function sendDelta(o: SendDeltaOptions): Promise<void> {
  const sig = await signatureOfFile(o.path);
  await o.link.send(encodeBlocks(runBlocks(sig)));
  const wants = decodeWants(await o.link.read(), sig.runs.length);
  const ranges: Array<{ offset: number; length: number }> = [];
  if (wants.mode === 'all-literal') {
    ranges.push({ offset: 0, length: sig.size });
  } else {
    const asked = sig.runs.filter((_, i) => wants.want[i]);
    await o.link.send(encodeBlockLists(asked.map((r) => chunkBlocks(sig, r.first, r.count))));
    const listed = asked.flatMap((r) => Array.from({ length: r.count }, (_, j) => r.first + j));
    const need = decodeBitmap(await o.link.read(), listed.length);
    listed.forEach((chunk, j) => {
      if (!need[j]) return;
      const offset = sig.offsets[chunk] as number;
      const length = sig.lengths[chunk] as number;
      const last = ranges.at(-1);
      if (last && last.offset + last.length === offset) last.length += length;
      else ranges.push({ offset, length });
    });
  }
  const h = await open(o.path, 'r');
  try {
    let batch: Buffer[] = [];
    let batched = 0;
    const flush = async (): Promise<void> => {
      if (batched === 0) return;
      const raw = Buffer.concat(batch);
      batch = [];
      batched = 0;
      const packed = await deflate(raw, { level: 1, strategy: zlibConstants.Z_DEFAULT_STRATEGY });
      const frame = packed.length < raw.length ? Buffer.concat([Buffer.from([DEFLATED]), packed]) : Buffer.concat([Buffer.from([RAW]), raw]);
      if (o.throttle) await o.throttle(frame);
      await o.link.send(frame);
    };
    for (const r of ranges) {
      await readRange(h, r.offset, r.length, async (b) => {
        batch.push(b);
        batched += b.length;
        if (batched >= LITERAL_BATCH_BYTES) await flush();
      });
      o.progress?.(r.offset + r.length, sig.size);
    }
    await flush();
    await o.link.send(Buffer.alloc(0));
    o.progress?.(sig.size, sig.size);
  } finally {
    await h.close();
  }
}

/** What the receiver needs. */
export interface ReceiveDeltaOptions {
  readonly link: FrameLink;
  readonly key: Key;
  /** The old version, present here. */
  readonly basisPath: string;
  /** Where the rebuilt object is written (created or truncated); the caller places it when the answer is true. */
  readonly dest: string;
  readonly progress?: Progress;
  /** Each literal frame passes through it as it arrives. */
  readonly throttle?: Throttle;
}

/** How a receive went: whether the rebuilt object matches the key, and how many of its bytes came as literals. */
export interface ReceiveDeltaResult {
  readonly ok: boolean;
  readonly literalBytes: number;
  /** Bytes of the rebuilt object. */
  readonly size: number;
}

/**
 * The receiver's side: signs its basis, asks for what it lacks, writes the new object to `dest`
 * from basis ranges and literal bytes in order, hashes it as it is written, fsyncs it, and says
 * whether it matches the key. Never trusts the lists: only the final hash decides.
 */
export async function receiveDelta(o: ReceiveDeltaOptions): Promise<ReceiveDeltaResult> {
  const [basis, runsFrame] = await Promise.all([signatureOfFile(o.basisPath), o.link.read()]);
  const runs = decodeBlocks(runsFrame);
  const basisRuns = new Map(basis.runs.map((r) => [r.id, r]));
  const basisChunks = new Map<string, number>();
  for (let i = 0; i < basis.lengths.length; i++) basisChunks.set(chunkId(basis, i), i);
  const heldRun = runs.map((r) => basisRuns.get(r.id)?.length === r.length);
  const segments: Segment[] = [];
  const push = (s: Segment): void => {
    const last = segments.at(-1);
    if (last && last.from === 'literal' && s.from === 'literal') segments[segments.length - 1] = { from: 'literal', length: last.length + s.length };
    else if (last && last.from === 'basis' && s.from === 'basis' && last.offset + last.length === s.offset) segments[segments.length - 1] = { ...last, length: last.length + s.length };
    else segments.push(s);
  };
  if (!heldRun.some(Boolean)) {
    // Nothing in common at run level: a complete rewrite, or an unrelated basis. Asking for chunk
    // lists would cost more than it could save, so everything comes as literal bytes.
    await o.link.send(encodeWants({ mode: 'all-literal' }));
    push({ from: 'literal', length: runs.reduce((a, r) => a + r.length, 0) });
  } else {
    await o.link.send(encodeWants({ mode: 'lists', want: heldRun.map((h) => !h) }));
    const lists = decodeBlockLists(await o.link.read(), heldRun.filter((h) => !h).length);
    const need: boolean[] = [];
    let li = 0;
    runs.forEach((r, i) => {
      if (heldRun[i]) {
        const b = basisRuns.get(r.id);
        if (b) push({ from: 'basis', offset: b.offset, length: b.length });
        return;
      }
      for (const c of lists[li++] ?? []) {
        const at = basisChunks.get(c.id);
        const held = at !== undefined && basis.lengths[at] === c.length;
        need.push(!held);
        push(held ? { from: 'basis', offset: basis.offsets[at] as number, length: c.length } : { from: 'literal', length: c.length });
      }
    });
    await o.link.send(encodeBitmap(need));
  }
  return rebuild(o, segments);
}

/** Pulls literal bytes, in order, out of the literal frames. */
class LiteralStream {
  #pending: Buffer = Buffer.alloc(0);
  #ended = false;
  /** Literal bytes received, after decompression. */
  total = 0;

  constructor(
    readonly link: FrameLink,
    readonly throttle: Throttle | undefined,
  ) {}

  async #fill(): Promise<void> {
    const frame = await this.link.read();
    if (frame.length === 0) {
      this.#ended = true;
      return;
    }
    if (this.throttle) await this.throttle(frame);
    const body = frame.subarray(1);
    const bytes = frame[0] === DEFLATED ? await inflate(body) : frame[0] === RAW ? body : undefined;
    if (!bytes) throw new DeltaFrameError('unknown literal encoding');
    this.total += bytes.length;
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, bytes]) : bytes;
  }

  /** The next `n` literal bytes, in pieces. */
  async take(n: number, fn: (b: Buffer) => Promise<void>): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.#pending.length === 0) {
        if (this.#ended) throw new DeltaFrameError('the literal bytes ended early');
        await this.#fill();
        continue;
      }
      const piece = this.#pending.subarray(0, left);
      this.#pending = this.#pending.subarray(piece.length);
      left -= piece.length;
      await fn(piece);
    }
  }

  /** Reads the end marker; more literal bytes than the lists called for is a lie. */
  async end(): Promise<void> {
    if (this.#pending.length === 0 && !this.#ended) await this.#fill();
    if (this.#pending.length > 0 || !this.#ended) throw new DeltaFrameError('more literal bytes than asked for');
  }
}

async function rebuild(o: ReceiveDeltaOptions, segments: readonly Segment[]): Promise<ReceiveDeltaResult> {
  const total = segments.reduce((a, s) => a + s.length, 0);
  const hasher = getBackend(o.key.backend)?.algorithm ? createHasher(o.key.backend) : undefined;
  const literals = new LiteralStream(o.link, o.throttle);
  const out = await open(o.dest, 'w', 0o644);
  const basis = await open(o.basisPath, 'r');
  const writer = hashingWriter(out, hasher);
  try {
    const write = async (b: Buffer): Promise<void> => {
      await writer.write(b);
      o.progress?.(writer.position, total);
    };
    o.progress?.(0, total);
    for (const s of segments) {
      if (s.from === 'literal') await literals.take(s.length, write);
      else if ((await forEachChunk(basis, { start: s.offset, end: s.offset + s.length }, write)) < s.length) throw new DeltaFrameError('the file shrank while it was being read');
    }
    await literals.end();
    await writer.finish();
    await out.sync();
  } finally {
    await out.close();
    await basis.close();
  }
  const ok = (o.key.size === undefined || writer.position === o.key.size) && digestMatches(o.key, hasher);
  return { ok, literalBytes: literals.total, size: writer.position };
}
