// Test helper: random annex keys and random splits of a key set into two overlapping sets.

import { prng } from '../helpers/prng.js';

const EXTS = ['.jpg', '.mp4', '.txt', '', '.tar.gz'];

/** `n` distinct SHA256E-style annex keys drawn from a seeded PRNG. */
export function randomKeys(n: number, seed: number): string[] {
  const rnd = prng(seed);
  const out: string[] = [];
  const hex = (): string => Math.floor(rnd() * 2 ** 32).toString(16).padStart(8, '0');
  for (let i = 0; i < n; i++) {
    let h = '';
    for (let j = 0; j < 8; j++) h += hex();
    out.push(`SHA256E-s${Math.floor(rnd() * 1e9)}--${h}${EXTS[i % EXTS.length] ?? ''}`);
  }
  return out;
}

/** `n` distinct keys that are cheap to make (a seeded salt and a counter): the element hash randomises them anyway. */
export function countedKeys(n: number, seed: number): string[] {
  const salt = randomKeys(1, seed)[0]?.slice(-40, -16) ?? '';
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`SHA256E-s${(i * 7919) % 1_000_003}--${salt}${i.toString(16).padStart(40, '0')}${EXTS[i % EXTS.length] ?? ''}`);
  return out;
}

/** Two sets sharing `common` keys, with `onlyA` keys only in a and `onlyB` only in b. */
export function splitSets(common: number, onlyA: number, onlyB: number, seed: number): { a: string[]; b: string[]; onlyA: string[]; onlyB: string[] } {
  const keys = countedKeys(common + onlyA + onlyB, seed);
  const shared = keys.slice(0, common);
  const a = keys.slice(common, common + onlyA);
  const b = keys.slice(common + onlyA);
  return { a: [...shared, ...a], b: [...shared, ...b], onlyA: a, onlyB: b };
}
