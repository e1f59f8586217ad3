// The frames of arbor's delta exchange: pure encode/decode of run lists, chunk lists and bitmaps (varints and 8-byte ids).

import { BLOCK_ID_BYTES } from '../annex/delta/signature.js';
import { ArborError } from '../util/errors.js';

/** A frame that does not decode: the peer is not speaking this format (the transfer falls back to a whole one). */
export class DeltaFrameError extends ArborError {
  constructor(what: string) {
    super('EDELTAFRAME', `malformed delta frame: ${what}`);
  }
}

/** A block (run or chunk) as listed on the wire: its length and hex id. */
export interface WireBlock {
  readonly length: number;
  readonly id: string;
}

/** Unsigned LEB128. */
function putVarint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** A cursor over a frame's bytes. */
class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new DeltaFrameError('truncated number');
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
    throw new DeltaFrameError('number too long');
  }

  id(): string {
    if (this.pos + BLOCK_ID_BYTES > this.buf.length) throw new DeltaFrameError('truncated id');
    const s = this.buf.toString('hex', this.pos, this.pos + BLOCK_ID_BYTES);
    this.pos += BLOCK_ID_BYTES;
    return s;
  }

  end(): void {
    if (this.pos !== this.buf.length) throw new DeltaFrameError(`${this.buf.length - this.pos} bytes left over`);
  }
}

function blocksInto(out: number[], blocks: readonly WireBlock[]): void {
  putVarint(out, blocks.length);
  for (const b of blocks) {
    putVarint(out, b.length);
    for (const byte of Buffer.from(b.id, 'hex')) out.push(byte);
  }
}

function readBlocks(c: Cursor): WireBlock[] {
  const n = c.varint();
  if (n > c.buf.length) throw new DeltaFrameError('block count larger than the frame');
  const out: WireBlock[] = [];
  for (let i = 0; i < n; i++) out.push({ length: c.varint(), id: c.id() });
  return out;
}

/** A list of blocks: count, then length and id of each. */
export function encodeBlocks(blocks: readonly WireBlock[]): Buffer {
  const out: number[] = [];
  blocksInto(out, blocks);
  return Buffer.from(out);
}

export function decodeBlocks(frame: Buffer): WireBlock[] {
  const c = new Cursor(frame);
  const blocks = readBlocks(c);
  c.end();
  return blocks;
}

/** Several lists one after another (the chunk lists of the runs asked for). */
export function encodeBlockLists(lists: readonly (readonly WireBlock[])[]): Buffer {
  const out: number[] = [];
  for (const l of lists) blocksInto(out, l);
  return Buffer.from(out);
}

export function decodeBlockLists(frame: Buffer, count: number): WireBlock[][] {
  const c = new Cursor(frame);
  const lists: WireBlock[][] = [];
  for (let i = 0; i < count; i++) lists.push(readBlocks(c));
  c.end();
  return lists;
}

/** A bitmap, one bit per item (most significant bit first). */
export function encodeBitmap(bits: readonly boolean[]): Buffer {
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3] = (out[i >> 3] as number) | (0x80 >> (i & 7));
  });
  return out;
}

export function decodeBitmap(frame: Buffer, count: number): boolean[] {
  if (frame.length !== Math.ceil(count / 8)) throw new DeltaFrameError(`bitmap of ${frame.length} bytes for ${count} items`);
  const bits: boolean[] = [];
  for (let i = 0; i < count; i++) bits.push((((frame[i >> 3] as number) >> (7 - (i & 7))) & 1) === 1);
  return bits;
}

/** The receiver's answer to the run list: which runs it needs the chunk lists of, or everything as literal bytes. */
export type RunWants = { readonly mode: 'lists'; readonly want: readonly boolean[] } | { readonly mode: 'all-literal' };

export function encodeWants(w: RunWants): Buffer {
  return w.mode === 'all-literal' ? Buffer.from([1]) : Buffer.concat([Buffer.from([0]), encodeBitmap(w.want)]);
}

export function decodeWants(frame: Buffer, runs: number): RunWants {
  if (frame[0] === 1 && frame.length === 1) return { mode: 'all-literal' };
  if (frame[0] !== 0) throw new DeltaFrameError('unknown wants mode');
  return { mode: 'lists', want: decodeBitmap(frame.subarray(1), runs) };
}
