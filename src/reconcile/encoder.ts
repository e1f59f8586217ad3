// The batch encoder: the first m coded symbols of a whole key set in one pass (the reference the incremental summary must equal).

import { ELEMENT_WORDS, elementOf } from './element.js';
import { MappingCursor } from './mapping.js';
import { SymbolBlock } from './symbols.js';

/**
 * Coded symbols 0..count-1 of the set `keys` (each key must appear once). Hashes all keys first,
 * then adds each element into the symbols it maps to: O(n log count). Used by tests as the
 * reference for KeySummary, and for one-off summaries of a listing.
 */
export function encodeKeys(keys: readonly string[], count: number): SymbolBlock {
  const els = new Uint32Array(keys.length * ELEMENT_WORDS);
  keys.forEach((k, i) => elementOf(k, els, i));
  const out = new SymbolBlock(count);
  const cursor = new MappingCursor();
  for (let e = 0; e < keys.length; e++) {
    const o = e * ELEMENT_WORDS;
    cursor.reset(els[o + 4] as number, els[o + 5] as number);
    for (let i = 0; i < count; i = cursor.next()) out.apply(i, els, o, 1);
  }
  return out;
}
