// The incremental summary a server keeps equals the batch encoding of its current key set, whatever the order of arrivals and departures.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeKeys } from '../../src/reconcile/encoder.js';
import { ReconcileLimitError } from '../../src/reconcile/errors.js';
import { KeySummary } from '../../src/reconcile/summary.js';
import { prng } from '../helpers/prng.js';
import { randomKeys } from './keys.js';

test('after random adds and removes (repeats included) the summary equals the batch encoder on the final set', () => {
  for (const seed of [1, 2, 3]) {
    const rnd = prng(seed);
    const pool = randomKeys(3_000, seed);
    const s = new KeySummary(512);
    const truth = new Set<string>();
    for (let step = 0; step < 12_000; step++) {
      const key = pool[Math.floor(rnd() * pool.length)] as string;
      if (rnd() < 0.6) assert.equal(s.add(key), !truth.has(key) && truth.add(key) !== undefined);
      else assert.equal(s.remove(key), truth.delete(key));
    }
    assert.equal(s.size, truth.size);
    assert.ok(s.symbols(0, 512).equals(encodeKeys([...truth], 512)), `seed ${seed}`);
    assert.deepEqual(new Set(s.keys()), truth);
  }
});

test('adding every key then removing every key leaves an all-zero summary', () => {
  const keys = randomKeys(2_000, 9);
  const s = KeySummary.of(keys, 256);
  assert.equal(s.symbols(0, 1).counts[0], keys.length);
  for (const k of keys) assert.ok(s.remove(k));
  assert.ok(s.symbols(0, 256).equals(encodeKeys([], 256)));
  assert.equal(s.size, 0);
});

test('a key is found again from its id, and an absent key is not', () => {
  const keys = randomKeys(1_000, 4);
  const s = KeySummary.of(keys.slice(0, 500), 64);
  const one = encodeKeys([keys[7] as string], 1);
  assert.equal(s.keyOf(one.words, 0), keys[7]);
  const other = encodeKeys([keys[700] as string], 1);
  assert.equal(s.keyOf(other.words, 0), undefined);
  assert.ok(s.has(keys[7] as string));
  assert.ok(!s.has(keys[700] as string));
});

test('symbols beyond the capacity are refused with a limit error naming the capacity', () => {
  const s = KeySummary.of(randomKeys(10, 5), 100);
  assert.equal(s.symbols(90, 10).length, 10);
  assert.throws(() => s.symbols(90, 11), (e: unknown) => e instanceof ReconcileLimitError && e.code === 'ERECONCILE_LIMIT' && e.capacity === 100);
});
