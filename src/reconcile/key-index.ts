// Keys by the id of their element: membership for add/remove, and turning a decoded id back into its key.

import { ELEMENT_WORDS, elementOf } from './element.js';

const probe = new Uint32Array(ELEMENT_WORDS);

/** True when `key` hashes to the id at offset `o` of `w`. */
function sameId(key: string, w: Uint32Array, o: number): boolean {
  elementOf(key, probe, 0);
  return probe[0] === w[o] && probe[1] === w[o + 1] && probe[2] === w[o + 2] && probe[3] === w[o + 3];
}

/**
 * A set of keys findable by element id. Buckets are keyed by the low 30 bits of the id's first
 * word (small integers are V8's fastest Map keys); the few keys sharing a bucket are told apart by
 * hashing them again, so only ids, never keys, need to be compared.
 */
export class KeyIndex {
  private readonly buckets = new Map<number, string | string[]>();
  private count = 0;

  /** Number of keys. */
  get size(): number {
    return this.count;
  }

  /** Adds `key` whose element starts with word `w0`; false if it was already there. */
  add(key: string, w0: number): boolean {
    const b = w0 & 0x3fffffff;
    const cur = this.buckets.get(b);
    if (cur === undefined) this.buckets.set(b, key);
    else if (typeof cur === 'string') {
      if (cur === key) return false;
      this.buckets.set(b, [cur, key]);
    } else {
      if (cur.includes(key)) return false;
      cur.push(key);
    }
    this.count++;
    return true;
  }

  /** Removes `key`; false if it was not there. */
  remove(key: string, w0: number): boolean {
    const b = w0 & 0x3fffffff;
    const cur = this.buckets.get(b);
    if (cur === undefined) return false;
    if (typeof cur === 'string') {
      if (cur !== key) return false;
      this.buckets.delete(b);
    } else {
      const i = cur.indexOf(key);
      if (i < 0) return false;
      cur.splice(i, 1);
      if (cur.length === 1) this.buckets.set(b, cur[0] as string);
    }
    this.count--;
    return true;
  }

  /** True when `key` (whose element starts with `w0`) is in the set. */
  has(key: string, w0: number): boolean {
    const cur = this.buckets.get(w0 & 0x3fffffff);
    return cur === key || (Array.isArray(cur) && cur.includes(key));
  }

  /** The key whose element id is the 4 words at offset `o` of `w`, if it is in the set. */
  keyOf(w: Uint32Array, o: number): string | undefined {
    const cur = this.buckets.get((w[o] as number) & 0x3fffffff);
    if (cur === undefined) return undefined;
    if (typeof cur === 'string') return sameId(cur, w, o) ? cur : undefined;
    return cur.find((key) => sameId(key, w, o));
  }

  /** Every key, in no particular order. */
  *keys(): IterableIterator<string> {
    for (const v of this.buckets.values()) {
      if (typeof v === 'string') yield v;
      else yield* v;
    }
  }
}
