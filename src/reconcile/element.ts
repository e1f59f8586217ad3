// An annex key as a fixed-size element: a 128-bit id (a hash of the key) and a 64-bit checksum of that id.

/**
 * Words (32-bit) per element and per coded symbol sum: 4 for the id, 2 for the checksum. An
 * element is stored little-endian word by word at `at * ELEMENT_WORDS` in a Uint32Array.
 */
export const ELEMENT_WORDS = 6;

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;
/** Fixed seed: part of the reconciliation format (a change needs a new wire version). */
const SEED = 0x61726272; // "arbr"

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));

/** Murmur's 32-bit finaliser: every input bit flips each output bit with probability about 1/2. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

let scratch = new Uint8Array(256);
const utf8 = new TextEncoder();

/** The key's UTF-8 bytes in a reused buffer; returns their length. */
function keyBytes(key: string): number {
  if (scratch.length < key.length * 3) scratch = new Uint8Array(key.length * 3);
  return utf8.encodeInto(key, scratch).written;
}

const word = (b: Uint8Array, i: number): number => ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;

/**
 * Writes the element of `key` at slot `at` of `out`: the MurmurHash3 x86_128 construction (a
 * fixed, distinct seed per lane) over the key's UTF-8 bytes, then `checksumInto`. Deterministic on
 * every platform: only 32-bit integer arithmetic.
 */
export function elementOf(key: string, out: Uint32Array, at: number): void {
  const len = keyBytes(key);
  const b = scratch;
  // A distinct seed per lane: with one seed, a key of 4 bytes or fewer gives lanes 2-4 equal.
  let h1 = SEED;
  let h2 = SEED ^ C1;
  let h3 = SEED ^ C2;
  let h4 = SEED ^ C3;
  const blocks = len & ~15;
  for (let i = 0; i < blocks; i += 16) {
    let k1 = word(b, i);
    let k2 = word(b, i + 4);
    let k3 = word(b, i + 8);
    let k4 = word(b, i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 = (Math.imul(rotl(h1 ^ k1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 = (Math.imul(rotl(h2 ^ k2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 = (Math.imul(rotl(h3 ^ k3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 = (Math.imul(rotl(h4 ^ k4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // The tail (0..15 bytes), zero-padded into four words.
  let t0 = 0;
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let i = len - 1; i >= blocks; i--) {
    const j = i - blocks;
    const v = (b[i] as number) << (8 * (j & 3));
    if (j < 4) t0 |= v;
    else if (j < 8) t1 |= v;
    else if (j < 12) t2 |= v;
    else t3 |= v;
  }
  const rem = len - blocks;
  if (rem > 12) h4 ^= Math.imul(rotl(Math.imul(t3, C4), 18), C1);
  if (rem > 8) h3 ^= Math.imul(rotl(Math.imul(t2, C3), 17), C4);
  if (rem > 4) h2 ^= Math.imul(rotl(Math.imul(t1, C2), 16), C3);
  if (rem > 0) h1 ^= Math.imul(rotl(Math.imul(t0, C1), 15), C2);
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  const o = at * ELEMENT_WORDS;
  out[o] = h1;
  out[o + 1] = h2;
  out[o + 2] = h3;
  out[o + 3] = h4;
  checksumInto(out, o);
}

/**
 * Writes the 64-bit checksum of the id at word offset `o` into words o+4 and o+5: a second,
 * independent mix of the id. A coded symbol is pure (holds exactly one element) when its count is
 * ±1 and its checksum field equals the checksum of its id field; a mixture passes with probability 2^-64.
 */
export function checksumInto(w: Uint32Array, o: number): void {
  const a = fmix32((w[o] as number) ^ 0x9e3779b9 ^ rotl(w[o + 2] as number, 11));
  const b = fmix32((w[o + 1] as number) ^ rotl(w[o + 3] as number, 23) ^ a);
  w[o + 4] = fmix32(a ^ rotl(b, 7) ^ (w[o + 3] as number));
  w[o + 5] = fmix32(b + Math.imul(a, 0x27d4eb2d) + (w[o + 2] as number));
}

/** True when the checksum words at o+4, o+5 are the checksum of the id at o..o+3. */
export function checksumMatches(w: Uint32Array, o: number, tmp: Uint32Array): boolean {
  tmp[0] = w[o] as number;
  tmp[1] = w[o + 1] as number;
  tmp[2] = w[o + 2] as number;
  tmp[3] = w[o + 3] as number;
  checksumInto(tmp, 0);
  return tmp[4] === w[o + 4] && tmp[5] === w[o + 5];
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The id at word offset `o` as 32 lowercase hex digits (word by word, little-endian bytes). */
export function idHex(w: Uint32Array, o: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) {
    const x = w[o + i] as number;
    s += (HEX[x & 0xff] as string) + (HEX[(x >>> 8) & 0xff] as string) + (HEX[(x >>> 16) & 0xff] as string) + (HEX[x >>> 24] as string);
  }
  return s;
}

/** The element of `key` as a fresh 6-word array. */
export function element(key: string): Uint32Array {
  const out = new Uint32Array(ELEMENT_WORDS);
  elementOf(key, out, 0);
  return out;
}
