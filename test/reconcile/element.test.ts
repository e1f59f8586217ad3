// The element of a key is a fixed function (both ends must agree) and the symbol mapping has the rateless density.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ELEMENT_WORDS, element, idHex } from '../../src/reconcile/element.js';
import { MappingCursor } from '../../src/reconcile/mapping.js';
import { SymbolBlock } from '../../src/reconcile/symbols.js';
import { randomKeys } from './keys.js';

test('the id of a key is frozen: a change would make two arbor versions disagree, so it needs a new wire version', () => {
  assert.equal(idHex(element('SHA256E-s1048576--2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881.jpg'), 0), '6a5d58881520e74e2a0a64442da3b14c');
  assert.equal(idHex(element('WORM-s5-m1700000000--hello.txt'), 0), '0c27782f240eea171c3cb7848fb8b827');
  assert.equal(idHex(element('URL--https&c%%example.com%é'), 0), 'f8a38fe84b1476bd499d81cc819e1fe2');
});

test('distinct keys get distinct ids, and a key one byte away gets an unrelated one', () => {
  const keys = randomKeys(5_000, 1);
  const ids = new Set(keys.map((k) => idHex(element(k), 0)));
  assert.equal(ids.size, keys.length);
  const a = element('SHA256E-s1--aa.txt');
  const b = element('SHA256E-s1--ab.txt');
  let differing = 0;
  for (let i = 0; i < 4; i++) for (let bit = 0; bit < 32; bit++) if ((((a[i] as number) ^ (b[i] as number)) >>> bit) & 1) differing++;
  assert.ok(differing > 40 && differing < 88, `${differing} of 128 bits differ`);
  const short = idHex(element('abc'), 0);
  assert.notEqual(short.slice(8, 16), short.slice(16, 24), 'a short key still fills every lane');
});

test('a symbol holding one element is pure; two or three elements with count ±1 are not', () => {
  const [x, y, z] = randomKeys(3, 2).map(element) as [Uint32Array, Uint32Array, Uint32Array];
  const s = new SymbolBlock(3);
  s.apply(0, x, 0, 1);
  assert.equal(s.purity(0), 1);
  s.apply(1, x, 0, -1);
  assert.equal(s.purity(1), -1);
  s.apply(2, x, 0, 1);
  s.apply(2, y, 0, 1);
  s.apply(2, z, 0, -1);
  assert.equal(s.counts[2], 1);
  assert.equal(s.purity(2), 0);
  s.apply(2, y, 0, -1);
  s.apply(2, z, 0, 1);
  assert.equal(s.purity(2), 1);
  s.apply(2, x, 0, -1);
  assert.ok(s.isZero(2));
  assert.equal(ELEMENT_WORDS, 6);
});

test('every element is in symbol 0 and in symbol i with probability about 2/(i+2)', () => {
  const keys = randomKeys(8_000, 3);
  const hits = new Map<number, number>([[0, 0], [1, 0], [2, 0], [10, 0], [100, 0], [1000, 0]]);
  const c = new MappingCursor();
  for (const k of keys) {
    const el = element(k);
    c.reset(el[4] as number, el[5] as number);
    for (let i = 0; i <= 1000; i = c.next()) if (hits.has(i)) hits.set(i, (hits.get(i) as number) + 1);
  }
  for (const [i, h] of hits) {
    const expected = 2 / (i + 2);
    const seen = h / keys.length;
    assert.ok(Math.abs(seen - expected) < 0.02 + expected * 0.15, `index ${i}: ${seen.toFixed(4)} vs ${expected.toFixed(4)}`);
  }
  assert.equal(hits.get(0), keys.length);
});
