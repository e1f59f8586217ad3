// The wire format round-trips every message and stays compact: 24 bytes plus a short count per symbol.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeySummary } from '../../src/reconcile/summary.js';
import { decodeMessage, encodeMessage, WIRE_VERSION } from '../../src/reconcile/wire.js';
import { randomKeys } from './keys.js';

test('symbols round-trip exactly, including negative and large counts', () => {
  const block = KeySummary.of(randomKeys(3_000, 40), 64).symbols(0, 64);
  block.counts[3] = -5;
  block.counts[4] = 2_000_000_000;
  block.counts[5] = -2_000_000_000;
  const bytes = encodeMessage({ type: 'symbols', start: 1_000, generation: 4_000_000_000, block });
  assert.equal(bytes[0], WIRE_VERSION);
  const back = decodeMessage(bytes);
  assert.ok(back.type === 'symbols' && back.start === 1_000 && back.block.equals(block));
});

test('a symbol of a million-key set costs at most 27 bytes on the wire', () => {
  const block = KeySummary.of(randomKeys(2_000, 41), 200).symbols(0, 200);
  block.counts[0] = 1_000_000;
  for (let i = 1; i < 200; i++) block.counts[i] = Math.round(1_000_000 * (2 / (i + 2)));
  const bytes = encodeMessage({ type: 'symbols', start: 0, generation: 0, block });
  assert.ok(bytes.length <= 8 + 200 * 27, `${bytes.length} bytes for 200 symbols`);
});

test('key lists and id requests round-trip, non-ASCII keys included', () => {
  const keys = ['SHA256E-s10--' + 'a'.repeat(64) + '.jpg', 'WORM-s1-m2--ünïcode', ''];
  const k = decodeMessage(encodeMessage({ type: 'keys', keys }));
  assert.ok(k.type === 'keys');
  assert.deepEqual(k.keys, keys);
  const ids = new Uint32Array([0, 0xffffffff, 7, 8, 9, 10, 11, 12]);
  const r = decodeMessage(encodeMessage({ type: 'want-keys', ids }));
  assert.ok(r.type === 'want-keys');
  assert.deepEqual([...r.ids], [...ids]);
});
