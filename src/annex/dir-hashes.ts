// Hash directories for keys, bit-exact with git-annex (Annex/DirHashes.hs, doc/internals/hashing.mdwn).

import { createHash } from 'node:crypto';
import type { Key } from './key.js';
import { formatKey, nonChunkKey } from './key.js';

/** Alphabet of hashdirmixed: each 5-bit value picks one character. */
const MIXED_CHARS = '0123456789zqjxkmvwgpfZQJXKMVWGPF';

/**
 * The lower-case hash directory "xxx/yyy/": the first 6 hex digits of the md5 of the serialized
 * non-chunk key. Used by the git-annex branch and by bare repositories' annex/objects.
 */
export function hashDirLower(key: Key): string {
  const hex = md5(formatKey(nonChunkKey(key))).toString('hex');
  return `${hex.slice(0, 3)}/${hex.slice(3, 6)}/`;
}

/**
 * The mixed-case hash directory "Xx/Yy/" of non-bare repositories' .git/annex/objects. From the
 * md5 of the serialized non-chunk key: its first 4 bytes read as a little-endian word; character
 * i (i = 0..3) is MIXED_CHARS[(word >>> 6i) & 31] (a 6-bit stride with a 5-bit mask, as git-annex
 * does); the result is c1 c0 "/" c3 c2 "/" (each pair swapped).
 */
export function hashDirMixed(key: Key): string {
  const word = md5(formatKey(nonChunkKey(key))).readUInt32LE(0);
  const c = (i: number): string => MIXED_CHARS.charAt((word >>> (6 * i)) & 31);
  return `${c(1)}${c(0)}/${c(3)}${c(2)}/`;
}

function md5(text: string): Buffer {
  return createHash('md5').update(text, 'utf8').digest();
}
