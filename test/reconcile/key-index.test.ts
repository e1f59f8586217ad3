// The key index agrees with a plain Set through any sequence of adds and removes, even when many keys share a tag.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { element } from '../../src/reconcile/element.js';
import { KeyIndex } from '../../src/reconcile/key-index.js';
import { prng } from '../helpers/prng.js';
import { countedKeys } from './keys.js';

test('random adds and removes with colliding tags and wrap-around runs match a Set', () => {
  for (const [seed, tags] of [[60, 4], [61, 1_000], [62, 2 ** 32]] as const) {
    const rnd = prng(seed);
    const pool = countedKeys(3_000, seed);
    // A tag per key from a small range forces long probe runs and shared tags; high tags wrap the table.
    const tagOf = new Map(pool.map((k) => [k, (2 ** 32 - 1 - Math.floor(rnd() * tags)) >>> 0]));
    const idx = new KeyIndex();
    const model = new Set<string>();
    for (let step = 0; step < 20_000; step++) {
      const key = pool[Math.floor(rnd() * pool.length)] as string;
      const tag = tagOf.get(key) as number;
      if (rnd() < 0.55) assert.equal(idx.add(key, tag), !model.has(key) && model.add(key) !== undefined, `add at step ${step}`);
      else assert.equal(idx.remove(key, tag), model.delete(key), `remove at step ${step}`);
    }
    assert.equal(idx.size, model.size);
    assert.deepEqual(new Set(idx.keys()), model);
    for (const k of pool) assert.equal(idx.has(k, tagOf.get(k) as number), model.has(k));
  }
});

test('a key is found by its id after others around it were removed', () => {
  const keys = countedKeys(5_000, 63);
  const idx = new KeyIndex();
  for (const k of keys) idx.add(k, element(k)[0] as number);
  for (let i = 0; i < keys.length; i += 2) idx.remove(keys[i] as string, element(keys[i] as string)[0] as number);
  for (let i = 0; i < keys.length; i++) assert.equal(idx.keyOf(element(keys[i] as string), 0), i % 2 === 1 ? keys[i] : undefined);
});
