// git-annex's chunk keys (Remote/Helper/Chunked.hs, doc/chunking.mdwn): pure helpers.
//
// With `chunk=N`, an object of S bytes is stored as ceil(S/N) objects (at least one), keyed by the
// object's key plus `-S<N>-C<i>` (i from 1), chunk i holding bytes (i-1)·N … i·N-1.

import type { Key } from '../../annex/key.js';

/** The number of chunks of `chunkSize` an object of `size` bytes takes (an empty object takes one). */
export function chunkCount(size: number, chunkSize: number): number {
  return Math.max(1, Math.ceil(size / chunkSize));
}

/** The key of chunk `n` (1-based) of `key` chunked by `chunkSize`. */
export function chunkKey(key: Key, chunkSize: number, n: number): Key {
  return { ...key, chunkSize, chunkNum: n };
}

/** Byte offset and length of chunk `n` of an object of `size` bytes. */
export function chunkRange(size: number, chunkSize: number, n: number): { offset: number; length: number } {
  const offset = (n - 1) * chunkSize;
  return { offset, length: Math.max(0, Math.min(chunkSize, size - offset)) };
}
