// Tests for reading sizes the way git-annex does (expected answers recorded from git-annex 10.20230126).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataSize, readHaskellDouble, roundHalfEven } from '../../src/annex/data-units.js';
import { SIZE_CASES } from '../fixtures/matcher-cases.js';

test('every recorded size reads as git-annex reads it', () => {
  for (const [text, bytes] of SIZE_CASES) assert.equal(parseDataSize(text), bytes, JSON.stringify(text));
});

test('units: decimal kB…QB, binary KiB…YiB, bits, names and plurals, any case', () => {
  assert.equal(parseDataSize('2MB'), 2_000_000);
  assert.equal(parseDataSize('2mebibytes'), 2 * 1024 * 1024);
  assert.equal(parseDataSize('1TiB'), 1024 ** 4);
  assert.equal(parseDataSize('8Gbit'), 1_000_000_000);
  assert.equal(parseDataSize('3 kilobytes'), 3000);
  assert.equal(parseDataSize('1YiB'), 1024 ** 8);
});

test('rounding is half to even, like Haskell round', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, 0, -2, 2, 3]);
});

test('numbers read like Haskell reads a Double and keep the unread rest', () => {
  assert.deepEqual(readHaskellDouble('12.5e1kb'), { value: 125, rest: 'kb' });
  assert.deepEqual(readHaskellDouble('  -0x1F!'), { value: -31, rest: '!' });
  assert.deepEqual(readHaskellDouble('1e'), { value: 1, rest: 'e' });
  assert.equal(readHaskellDouble('Infinityx'), undefined);
  assert.equal(readHaskellDouble('-.5'), undefined);
});
