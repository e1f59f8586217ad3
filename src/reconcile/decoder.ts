// Peels the difference between a remote key set and the local summary, symbol by symbol as the remote's stream arrives.

import { ELEMENT_WORDS, idHex } from './element.js';
import { ReconcileGarbageError, ReconcileLimitError, ReconcileUndecodableError } from './errors.js';
import { MappingCursor } from './mapping.js';
import type { KeySummary } from './summary.js';
import { SymbolBlock } from './symbols.js';

/** What a finished decode found. */
export interface Difference {
  /** Keys in the local set that the remote lacks. */
  readonly localOnly: readonly string[];
  /** Ids (32 hex digits) of elements the remote has and the local set lacks; see resolve.ts. */
  readonly remoteOnly: readonly string[];
  /** The same ids as words, 4 per id, in the order of `remoteOnly`. */
  readonly remoteOnlyWords: Uint32Array;
  /** Coded symbols consumed. */
  readonly symbols: number;
}

/**
 * The receiving side of a rateless reconciliation. Feed it the remote's coded symbols in order
 * (`push`); it subtracts the local summary's symbol at the same index, removes elements already
 * recovered, and peels every symbol that holds exactly one element. It is done when every symbol
 * received is empty. Each recovered element is checked against the local set (an element "only
 * here" must be here, one "only there" must not, none twice). Symbol 0 holds every element, so
 * once it is empty the remote's size is also consistent with the difference. A peer sending
 * garbage gets ReconcileGarbageError or never decodes; it never yields a wrong difference.
 */
export class Decoder {
  private diff = new SymbolBlock(64);
  private received = 0;
  private nonzero = 0;
  private readonly queue: number[] = [];
  /** Recovered elements: 6 words each, their sign (+1 remote only, -1 local only), their cursor. */
  private found = new Uint32Array(64 * ELEMENT_WORDS);
  private readonly signs: number[] = [];
  private readonly cursors: MappingCursor[] = [];
  /** Min-heap of recovered element numbers by their cursor's next index (all >= received). */
  private readonly heap: number[] = [];
  /** The first 53 bits of every recovered id: a second recovery of the same element is garbage. */
  private readonly seen = new Set<number>();
  private readonly localOnly: string[] = [];
  private readonly remoteOnly: string[] = [];

  constructor(private readonly local: KeySummary) {}

  /** Symbols received so far. */
  get symbols(): number {
    return this.received;
  }

  /** True when the difference is fully recovered. */
  get decoded(): boolean {
    return this.received > 0 && this.nonzero === 0;
  }

  /**
   * Takes the remote's next symbols (indices received..received+n-1) and peels; returns `decoded`.
   * Throws ReconcileLimitError past the local summary's capacity, ReconcileGarbageError on an
   * impossible element.
   */
  push(block: SymbolBlock): boolean {
    const n = block.length;
    if (this.received + n > this.local.capacity) throw new ReconcileLimitError(this.local.capacity, this.received + n);
    this.grow(this.received + n);
    const d = this.diff;
    const lw = this.local.prefix.words;
    const lc = this.local.prefix.counts;
    for (let k = 0; k < n; k++) {
      const i = this.received;
      const p = i * ELEMENT_WORDS;
      const q = k * ELEMENT_WORDS;
      for (let w = 0; w < ELEMENT_WORDS; w++) d.words[p + w] = (block.words[q + w] as number) ^ (lw[p + w] as number);
      d.counts[i] = (block.counts[k] as number) - (lc[i] as number);
      this.received++;
      this.applyFound(i);
      if (!d.isZero(i)) {
        this.nonzero++;
        if (d.purity(i) !== 0) this.queue.push(i);
      }
      this.peel();
    }
    return this.decoded;
  }

  /** The difference; throws ReconcileUndecodableError if it is not decoded yet. */
  result(): Difference {
    if (!this.decoded) throw new ReconcileUndecodableError(this.received, `${this.nonzero} symbols still hold unrecovered elements`);
    const words = new Uint32Array(this.remoteOnly.length * 4);
    let j = 0;
    for (let e = 0; e < this.signs.length; e++) {
      if (this.signs[e] !== 1) continue;
      words.set(this.found.subarray(e * ELEMENT_WORDS, e * ELEMENT_WORDS + 4), j * 4);
      j++;
    }
    return { localOnly: [...this.localOnly], remoteOnly: [...this.remoteOnly], remoteOnlyWords: words, symbols: this.received };
  }

  private grow(needed: number): void {
    if (needed <= this.diff.length) return;
    let len = this.diff.length;
    while (len < needed) len *= 2;
    const next = new SymbolBlock(len);
    next.words.set(this.diff.words);
    next.counts.set(this.diff.counts);
    this.diff = next;
  }

  /** Removes from symbol i (just received) every recovered element that maps to it. */
  private applyFound(i: number): void {
    const h = this.heap;
    while (h.length > 0 && (this.cursors[h[0] as number] as MappingCursor).index === i) {
      const e = h[0] as number;
      this.diff.apply(i, this.found, e * ELEMENT_WORDS, -(this.signs[e] as number));
      (this.cursors[e] as MappingCursor).next();
      this.siftDown(0);
    }
  }

  private peel(): void {
    const d = this.diff;
    while (this.queue.length > 0) {
      const j = this.queue.pop() as number;
      const sign = d.purity(j);
      if (sign === 0) continue;
      const e = this.record(j, sign);
      const o = e * ELEMENT_WORDS;
      const c = new MappingCursor().reset(this.found[o + 4] as number, this.found[o + 5] as number);
      for (let i = 0; i < this.received; i = c.next()) {
        const was = d.isZero(i);
        d.apply(i, this.found, o, -sign);
        const now = d.isZero(i);
        if (was !== now) this.nonzero += now ? -1 : 1;
        if (!now && d.purity(i) !== 0) this.queue.push(i);
      }
      this.cursors.push(c);
      this.heap.push(e);
      this.siftUp(this.heap.length - 1);
    }
  }

  /** Stores the element held alone by symbol j and checks it against the local set. */
  private record(j: number, sign: number): number {
    const e = this.signs.length;
    if ((e + 1) * ELEMENT_WORDS > this.found.length) {
      const next = new Uint32Array(this.found.length * 2);
      next.set(this.found);
      this.found = next;
    }
    const o = e * ELEMENT_WORDS;
    const f = this.found;
    const p = j * ELEMENT_WORDS;
    for (let k = 0; k < ELEMENT_WORDS; k++) f[o + k] = this.diff.words[p + k] as number;
    this.signs.push(sign);
    const prefix = (f[o] as number) * 2097152 + ((f[o + 1] as number) >>> 11);
    if (this.seen.has(prefix)) throw new ReconcileGarbageError(`element ${idHex(f, o)} recovered twice`);
    this.seen.add(prefix);
    const key = this.local.keyOf(f, o);
    if (sign === -1) {
      if (key === undefined) throw new ReconcileGarbageError(`element ${idHex(f, o)} decoded as only here, but no local key has it`);
      this.localOnly.push(key);
    } else {
      if (key !== undefined) throw new ReconcileGarbageError(`${key} decoded as only on the peer, but it is here too`);
      this.remoteOnly.push(idHex(f, o));
    }
    return e;
  }

  private before(a: number, b: number): boolean {
    return (this.cursors[this.heap[a] as number] as MappingCursor).index < (this.cursors[this.heap[b] as number] as MappingCursor).index;
  }

  private swap(a: number, b: number): void {
    const h = this.heap;
    [h[a], h[b]] = [h[b] as number, h[a] as number];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(i, p)) return;
      this.swap(i, p);
      i = p;
    }
  }

  private siftDown(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.before(l, m)) m = l;
      if (r < n && this.before(r, m)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
