// The reconciliation messages as bytes: a version byte, a type byte, then varints, raw words and keys.

import { ELEMENT_WORDS } from './element.js';
import { Reader, Writer, unzigzag, zigzag } from './wire-bytes.js';
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
