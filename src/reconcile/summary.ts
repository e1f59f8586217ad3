// The incremental summary of a key set: its first `capacity` coded symbols, kept current as keys come and go.

import { ELEMENT_WORDS, elementOf } from './element.js';
import { ReconcileLimitError } from './errors.js';
import { KeyIndex } from './key-index.js';
import { MappingCursor } from './mapping.js';
import { SymbolBlock } from './symbols.js';

/**
 * Default number of coded symbols a summary keeps: 32,768 symbols (about 0.9 MB) answer a
 * difference of up to about 24,000 keys; an element touches about 2 ln(16,384) ≈ 20 of them.
 */
export const DEFAULT_CAPACITY = 32_768;

/**
 * A key set with its rateless-IBLT prefix: symbols 0..capacity-1 of the coded-symbol stream.
 * Adding or removing a key touches only the ~2 ln(capacity/2) symbols it maps to, so a server keeps
 * one summary per repository up to date as objects arrive and leave, and answering a reconciliation
 * only copies the symbols asked for: no walk of the store. The same class is the local side of a
 * decode (the client's view of what the remote should hold) and turns decoded ids back into keys.
 */
export class KeySummary {
  /** Symbols kept; asking beyond throws ReconcileLimitError (the caller lists instead). */
  readonly capacity: number;
  private readonly block: SymbolBlock;
  private readonly index = new KeyIndex();
  private readonly el = new Uint32Array(ELEMENT_WORDS);
  private readonly cursor = new MappingCursor();
  private gen = 0;

  constructor(capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`summary capacity must be a positive integer, not ${capacity}`);
    this.capacity = capacity;
    this.block = new SymbolBlock(capacity);
  }

  /** A summary of `keys` (duplicates count once). */
  static of(keys: Iterable<string>, capacity: number = DEFAULT_CAPACITY): KeySummary {
    const s = new KeySummary(capacity);
    for (const k of keys) s.add(k);
    return s;
  }

  /** Number of keys. */
  get size(): number {
    return this.index.size;
  }

  /**
   * Changes with every effective add or remove (a 32-bit counter): the server sends it with each
   * batch of symbols, so a client notices a set that changed between batches and starts again.
   */
  get generation(): number {
    return this.gen;
  }

  /** Adds a key (an object arrived); false, and nothing changes, if it was already there. */
  add(key: string): boolean {
    elementOf(key, this.el, 0);
    if (!this.index.add(key, this.el[0] as number)) return false;
    this.spread(1);
    return true;
  }

  /** Removes a key (an object left); false, and nothing changes, if it was not there. */
  remove(key: string): boolean {
    elementOf(key, this.el, 0);
    if (!this.index.remove(key, this.el[0] as number)) return false;
    this.spread(-1);
    return true;
  }

  /** True when the key is in the set. */
  has(key: string): boolean {
    elementOf(key, this.el, 0);
    return this.index.has(key, this.el[0] as number);
  }

  /** The key of the element id at word offset `o` of `w`, if it is in the set. */
  keyOf(w: Uint32Array, o: number): string | undefined {
    return this.index.keyOf(w, o);
  }

  /** Every key, in no particular order. */
  keys(): IterableIterator<string> {
    return this.index.keys();
  }

  /** A copy of coded symbols [start, start+count); throws ReconcileLimitError beyond the capacity. */
  symbols(start: number, count: number): SymbolBlock {
    if (start + count > this.capacity) throw new ReconcileLimitError(this.capacity, start + count);
    return this.block.slice(start, count);
  }

  /** The live symbols (read-only use: the decoder subtracts them). */
  get prefix(): SymbolBlock {
    return this.block;
  }

  private spread(sign: number): void {
    this.gen = (this.gen + 1) >>> 0;
    const el = this.el;
    const c = this.cursor.reset(el[4] as number, el[5] as number);
    for (let i = 0; i < this.capacity; i = c.next()) this.block.apply(i, el, 0, sign);
  }
}
