// A run of coded symbols: per symbol the XOR of its elements' ids and checksums, and how many elements it holds.

import { ELEMENT_WORDS, checksumMatches } from './element.js';

const tmp = new Uint32Array(ELEMENT_WORDS);

/**
 * Coded symbols stored flat: symbol i has words [i*6, i*6+6) (id XOR, checksum XOR) and a signed
 * count (elements added minus elements removed). Subtracting one set's symbols from another's
 * gives the symbols of their difference: common elements cancel.
 */
export class SymbolBlock {
  words: Uint32Array;
  counts: Int32Array;

  constructor(length: number) {
    this.words = new Uint32Array(length * ELEMENT_WORDS);
    this.counts = new Int32Array(length);
  }

  /** Number of symbols. */
  get length(): number {
    return this.counts.length;
  }

  /** Adds (sign 1) or removes (sign -1) the element at word offset `o` of `el` into symbol `i`. */
  apply(i: number, el: Uint32Array, o: number, sign: number): void {
    const w = this.words;
    const p = i * ELEMENT_WORDS;
    w[p] = (w[p] as number) ^ (el[o] as number);
    w[p + 1] = (w[p + 1] as number) ^ (el[o + 1] as number);
    w[p + 2] = (w[p + 2] as number) ^ (el[o + 2] as number);
    w[p + 3] = (w[p + 3] as number) ^ (el[o + 3] as number);
    w[p + 4] = (w[p + 4] as number) ^ (el[o + 4] as number);
    w[p + 5] = (w[p + 5] as number) ^ (el[o + 5] as number);
    this.counts[i] = (this.counts[i] as number) + sign;
  }

  /** True when symbol i holds nothing (count 0 and all words 0). */
  isZero(i: number): boolean {
    if (this.counts[i] !== 0) return false;
    const w = this.words;
    const p = i * ELEMENT_WORDS;
    return ((w[p] as number) | (w[p + 1] as number) | (w[p + 2] as number) | (w[p + 3] as number) | (w[p + 4] as number) | (w[p + 5] as number)) === 0;
  }

  /** 1 or -1 when symbol i holds exactly one element (added or removed), else 0. */
  purity(i: number): number {
    const c = this.counts[i] as number;
    if (c !== 1 && c !== -1) return 0;
    return checksumMatches(this.words, i * ELEMENT_WORDS, tmp) ? c : 0;
  }

  /** A copy of symbols [start, start+count). */
  slice(start: number, count: number): SymbolBlock {
    const out = new SymbolBlock(0);
    out.words = this.words.slice(start * ELEMENT_WORDS, (start + count) * ELEMENT_WORDS);
    out.counts = this.counts.slice(start, start + count);
    return out;
  }

  /** True when both blocks hold the same symbols. */
  equals(other: SymbolBlock): boolean {
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.words.length; i++) if (this.words[i] !== other.words[i]) return false;
    for (let i = 0; i < this.counts.length; i++) if (this.counts[i] !== other.counts[i]) return false;
    return true;
  }
}
