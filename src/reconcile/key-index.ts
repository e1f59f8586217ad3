// Keys by the id of their element: membership for add/remove, and turning a decoded id back into its key.

import { ELEMENT_WORDS, elementOf } from './element.js';

const probe = new Uint32Array(ELEMENT_WORDS);

/** True when `key` hashes to the id at offset `o` of `w`. */
function sameId(key: string, w: Uint32Array, o: number): boolean {
  elementOf(key, probe, 0);
  return probe[0] === w[o] && probe[1] === w[o + 1] && probe[2] === w[o + 2] && probe[3] === w[o + 3];
}

/**
 * A set of keys findable by element id: an open-addressing table (linear probing, at most half
 * full) whose slots hold the first id word as a tag and the key's place in a key array. The tag is
 * already a uniform hash, so it is also the probe start; keys with the same tag are told apart by
 * comparing strings (membership) or by hashing again (lookup by id), so no second copy of the ids
 * is stored. About 20 bytes per key besides the key strings, and no Map to rehash.
 */
export class KeyIndex {
  private tags = new Uint32Array(1024);
  /** 1 + the key's place in `keys`; 0 for an empty slot. */
  private refs = new Int32Array(1024);
  private readonly keyList: (string | undefined)[] = [];
  private readonly free: number[] = [];
  private count = 0;

  /** An index of `keys` (e.g. every key a client's git-annex branch mentions, for `known`). */
  static of(keys: Iterable<string>): KeyIndex {
    const idx = new KeyIndex();
    for (const k of keys) {
      elementOf(k, probe, 0);
      idx.add(k, probe[0] as number);
    }
    return idx;
  }

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /** Adds `key` whose element starts with word `w0`; false if it was already there. */
  add(key: string, w0: number): boolean {
    if (this.find(key, w0) >= 0) return false;
    if (2 * (this.count + 1) > this.refs.length) this.resize(this.refs.length * 2);
    const at = this.free.pop() ?? this.keyList.length;
    this.keyList[at] = key;
    this.place(w0 >>> 0, at + 1);
    this.count++;
    return true;
  }

  /** Removes `key`; false if it was not there. */
  remove(key: string, w0: number): boolean {
    let s = this.find(key, w0);
    if (s < 0) return false;
    const ref = this.refs[s] as number;
    this.keyList[ref - 1] = undefined;
    this.free.push(ref - 1);
    this.count--;
    // Backward-shift deletion: pull later entries of the probe run into the hole.
    const mask = this.refs.length - 1;
    for (let j = (s + 1) & mask; this.refs[j] !== 0; j = (j + 1) & mask) {
      const home = (this.tags[j] as number) & mask;
      if (((j - home) & mask) >= ((j - s) & mask)) {
        this.refs[s] = this.refs[j] as number;
        this.tags[s] = this.tags[j] as number;
        s = j;
      }
    }
    this.refs[s] = 0;
    return true;
  }

  /** True when `key` (whose element starts with `w0`) is in the set. */
  has(key: string, w0: number): boolean {
    return this.find(key, w0) >= 0;
  }

  /** The key whose element id is the 4 words at offset `o` of `w`, if it is in the set. */
  keyOf(w: Uint32Array, o: number): string | undefined {
    const tag = (w[o] as number) >>> 0;
    const mask = this.refs.length - 1;
    for (let s = tag & mask; this.refs[s] !== 0; s = (s + 1) & mask) {
      if (this.tags[s] !== tag) continue;
      const key = this.keyList[(this.refs[s] as number) - 1] as string;
      if (sameId(key, w, o)) return key;
    }
    return undefined;
  }

  /** Every key, in no particular order. */
  *keys(): IterableIterator<string> {
    for (const k of this.keyList) if (k !== undefined) yield k;
  }

  /** The slot holding `key`, or -1. */
  private find(key: string, w0: number): number {
    const tag = w0 >>> 0;
    const mask = this.refs.length - 1;
    for (let s = tag & mask; this.refs[s] !== 0; s = (s + 1) & mask) {
      if (this.tags[s] === tag && this.keyList[(this.refs[s] as number) - 1] === key) return s;
    }
    return -1;
  }

  private place(tag: number, ref: number): void {
    const mask = this.refs.length - 1;
    let s = tag & mask;
    while (this.refs[s] !== 0) s = (s + 1) & mask;
    this.tags[s] = tag;
    this.refs[s] = ref;
  }

  private resize(size: number): void {
    const tags = this.tags;
    const refs = this.refs;
    this.tags = new Uint32Array(size);
    this.refs = new Int32Array(size);
    for (let s = 0; s < refs.length; s++) if (refs[s] !== 0) this.place(tags[s] as number, refs[s] as number);
  }
}
