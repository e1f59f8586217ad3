// The reconciliation messages as bytes: a version byte, a type byte, then varints, raw words and keys.

import { ELEMENT_WORDS } from './element.js';
import { ReconcileWireError } from './errors.js';
import { SymbolBlock } from './symbols.js';

/** Version of the message format, the key hash and the symbol mapping together. */
export const WIRE_VERSION = 1;
/** Largest count of symbols or ids in one message (a guard against absurd allocations). */
export const MAX_BATCH = 1 << 20;

/** A reconciliation message (client requests and server answers). */
export type ReconcileMessage =
  | { readonly type: 'want-symbols'; readonly start: number; readonly count: number }
  | { readonly type: 'symbols'; readonly start: number; readonly generation: number; readonly block: SymbolBlock }
  | { readonly type: 'want-keys'; readonly ids: Uint32Array }
  | { readonly type: 'keys'; readonly keys: readonly string[] }
  | { readonly type: 'limit'; readonly capacity: number };

const TYPES = { 'want-symbols': 1, symbols: 2, 'want-keys': 3, keys: 4, limit: 5 } as const;
const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8', { fatal: true });

class Writer {
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

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  varint(x: number): void {
    this.room(5);
    while (x >= 0x80) {
      this.buf[this.len++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.len++] = x;
  }

  word(x: number): void {
    this.room(4);
    this.buf[this.len++] = x & 0xff;
    this.buf[this.len++] = (x >>> 8) & 0xff;
    this.buf[this.len++] = (x >>> 16) & 0xff;
    this.buf[this.len++] = (x >>> 24) & 0xff;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

class Reader {
  pos = 0;
  constructor(private readonly b: Uint8Array) {}

  fail(what: string): never {
    throw new ReconcileWireError(what, this.pos);
  }

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

  word(): number {
    if (this.pos + 4 > this.b.length) this.fail('message ends early');
    const b = this.b;
    const p = this.pos;
    this.pos += 4;
    return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;
  }

  bytes(n: number): Uint8Array {
    if (this.pos + n > this.b.length) this.fail('message ends early');
    this.pos += n;
    return this.b.subarray(this.pos - n, this.pos);
  }

  end(): void {
    if (this.pos !== this.b.length) this.fail(`${this.b.length - this.pos} unexpected trailing bytes`);
  }
}

const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1);
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

/** The bytes of a message. A symbol takes 24 bytes plus its count as a zigzag varint (1 to 3 bytes for sets up to 1M keys). */
export function encodeMessage(m: ReconcileMessage): Uint8Array {
  const w = new Writer();
  w.byte(WIRE_VERSION);
  w.byte(TYPES[m.type]);
  switch (m.type) {
    case 'want-symbols':
      w.varint(m.start);
      w.varint(m.count);
      break;
    case 'symbols':
      w.room(10 + m.block.length * (ELEMENT_WORDS * 4 + 5));
      w.varint(m.start);
      w.varint(m.generation);
      w.varint(m.block.length);
      for (let i = 0; i < m.block.length; i++) {
        for (let k = 0; k < ELEMENT_WORDS; k++) w.word(m.block.words[i * ELEMENT_WORDS + k] as number);
        w.varint(zigzag(m.block.counts[i] as number));
      }
      break;
    case 'want-keys':
      w.varint(m.ids.length / 4);
      for (const x of m.ids) w.word(x);
      break;
    case 'keys':
      w.varint(m.keys.length);
      for (const k of m.keys) {
        const b = utf8.encode(k);
        w.varint(b.length);
        w.bytes(b);
      }
      break;
    case 'limit':
      w.varint(m.capacity);
      break;
  }
  return w.done();
}

/** Parses one message; throws ReconcileWireError on anything malformed (never a partial message). */
export function decodeMessage(bytes: Uint8Array): ReconcileMessage {
  const r = new Reader(bytes);
  const version = r.byte();
  if (version !== WIRE_VERSION) r.fail(`unknown version ${version} (this arbor speaks ${WIRE_VERSION})`);
  const type = r.byte();
  let m: ReconcileMessage;
  if (type === TYPES['want-symbols']) {
    m = { type: 'want-symbols', start: r.varint(), count: batch(r, r.varint()) };
  } else if (type === TYPES.symbols) {
    const start = r.varint();
    const generation = r.varint();
    const block = new SymbolBlock(batch(r, r.varint()));
    for (let i = 0; i < block.length; i++) {
      for (let k = 0; k < ELEMENT_WORDS; k++) block.words[i * ELEMENT_WORDS + k] = r.word();
      const c = unzigzag(r.varint());
      if (c > 0x7fffffff || c < -0x80000000) r.fail('symbol count out of range');
      block.counts[i] = c;
    }
    m = { type: 'symbols', start, generation, block };
  } else if (type === TYPES['want-keys']) {
    const n = batch(r, r.varint());
    const ids = new Uint32Array(n * 4);
    for (let i = 0; i < ids.length; i++) ids[i] = r.word();
    m = { type: 'want-keys', ids };
  } else if (type === TYPES.keys) {
    const n = batch(r, r.varint());
    const keys: string[] = [];
    for (let i = 0; i < n; i++) {
      const b = r.bytes(r.varint());
      try {
        keys.push(fromUtf8.decode(b));
      } catch {
        r.fail('key is not UTF-8');
      }
    }
    m = { type: 'keys', keys };
  } else if (type === TYPES.limit) {
    m = { type: 'limit', capacity: r.varint() };
  } else {
    return r.fail(`unknown message type ${type}`);
  }
  r.end();
  return m;
}

function batch(r: Reader, n: number): number {
  return n > MAX_BATCH ? r.fail(`batch of ${n} exceeds ${MAX_BATCH}`) : n;
}
