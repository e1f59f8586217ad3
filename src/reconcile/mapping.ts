// Which coded symbols an element is added into: index 0, then random gaps so that index i is hit with probability 2/(i+2).

import { fmix32 } from './element.js';

const TWO_POW_32 = 4294967296;

/**
 * Walks the indices of the coded symbols that one element belongs to, in increasing order. Every
 * element is in symbol 0; afterwards index i is chosen with probability rho(i) = 2/(i+2) (the
 * rateless IBLT density of Yang, Gilad and Alizadeh), so an element is in about 2 ln(m/2) of the
 * first m symbols and the first m symbols decode about m/1.35 differences.
 *
 * The gap after index L is drawn by inversion: the chance that none of L+1..L+g is chosen is
 * prod j/(j+2) = (L+1)(L+2)/((L+g+1)(L+g+2)), about ((L+1.5)/(L+g+1.5))^2, so with u uniform in
 * (0, 1] the gap is ceil((L+1.5)(1/sqrt(u) - 1)), at least 1. The uniform numbers come from a
 * generator with 64 bits of state (two 32-bit counters) seeded by the element's checksum: two
 * elements with the same walk would never be told apart, so 32 bits of state (a collision among
 * 100,000 elements is likely) are not enough. Both ends compute the same indices (IEEE-754 sqrt
 * and division are correctly rounded everywhere). Part of the wire format.
 */
export class MappingCursor {
  /** The current index (0 after reset). */
  index = 0;
  private s0 = 0;
  private s1 = 0;

  /** Starts the walk for the element whose checksum words are `c0`, `c1`. */
  reset(c0: number, c1: number): this {
    this.index = 0;
    this.s0 = c0 >>> 0;
    this.s1 = c1 >>> 0;
    return this;
  }

  /** Moves to the next index and returns it. */
  next(): number {
    this.s0 = (this.s0 + 0x6d2b79f5) >>> 0;
    this.s1 = (this.s1 + 0x9e3779b9) >>> 0;
    const r = fmix32(this.s0 ^ fmix32(this.s1));
    const u = (r + 1) / TWO_POW_32;
    const gap = Math.ceil((this.index + 1.5) * (1 / Math.sqrt(u) - 1));
    this.index += gap < 1 ? 1 : gap;
    return this.index;
  }
}
