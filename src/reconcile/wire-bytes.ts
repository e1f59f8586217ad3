// Byte-level reading and writing for the reconciliation messages: varints, little-endian words, bounds checks.

import { ReconcileWireError } from './errors.js';

/** Appends bytes to a growing buffer. */
export class Writer {
  buf = new Uint8Array(256);
  len = 0;

  /** Makes room for n more bytes. */
  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** One byte. */
  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  /** An unsigned LEB128 varint (x below 2^32). */
  varint(x: number): void {
    this.room(5);
    while (x >= 0x80) {
      this.buf[this.len++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.len++] = x;
  }

  /** A 32-bit word, little-endian. */
  word(x: number): void {
    this.room(4);
    this.buf[this.len++] = x & 0xff;
    this.buf[this.len++] = (x >>> 8) & 0xff;
    this.buf[this.len++] = (x >>> 16) & 0xff;
    this.buf[this.len++] = (x >>> 24) & 0xff;
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** The bytes written, as a fresh array. */
  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads a message front to back; every failure is a ReconcileWireError naming the offset. */
export class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  /** Throws the wire error for the current offset. */
  fail(what: string): never {
    throw new ReconcileWireError(what, this.pos);
  }

  /** One byte. */
  byte(): number {
    if (this.pos >= this.b.length) this.fail('message ends early');
    return this.b[this.pos++] as number;
  }

  /** An unsigned LEB128 varint below 2^32. */
  varint(): number {
    let x = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      x += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return x > 0xffffffff ? this.fail('varint too large') : x;
    }
    return this.fail('varint too long');
  }

  /** A 32-bit word, little-endian. */
  word(): number {
    if (this.pos + 4 > this.b.length) this.fail('message ends early');
    const b = this.b;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;
  }

  /** The next n bytes (a view, not a copy). */
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) this.fail('message ends early');
    this.pos += n;
    return this.b.subarray(this.pos - n, this.pos);
  }

  /** Checks that nothing is left over. */
  end(): void {
    if (this.pos !== this.b.length) this.fail(`${this.b.length - this.pos} unexpected trailing bytes`);
  }
}

/** A signed count as an unsigned varint value: 0, -1, 1, -2, ... become 0, 1, 2, 3, ... */
export const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
/** The inverse of zigzag. */
export const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
