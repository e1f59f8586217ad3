// Tests for key parsing/formatting and key file-name escaping (src/annex/key.ts).
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Key } from '../../src/annex/key.js';
import {
  InvalidKeyError,
  fileNameToKey,
  formatKey,
  keyToFileName,
  nonChunkKey,
  parseKey,
  requireKey,
  sameKey,
  splitKeyName,
} from '../../src/annex/key.js';

const HELLO = 'SHA256E-s6--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt';

test('parses the documented example and formats it back', () => {
  const text = 'SHA256E-s31390--f50d7ac4c6b9031379986bc362fcefb65f1e52621ce1708d537e740fefc59cc0.mp3';
  const key = parseKey(text);
  assert.deepEqual(key, {
    backend: 'SHA256E',
    size: 31390,
    name: 'f50d7ac4c6b9031379986bc362fcefb65f1e52621ce1708d537e740fefc59cc0.mp3',
  });
  assert.equal(formatKey(key!), text);
});

test('round-trips every combination of the optional fields, in git-annex field order', () => {
  const names = ['abc', 'a-b--c-', '', 'é日本😀.jpeg', 'http://example.com/a%b&c:d', '-s5-m3'];
  const values = { size: 1048576, mtime: 1700000000, chunkSize: 10, chunkNum: 3 } as const;
  const tags = { size: 's', mtime: 'm', chunkSize: 'S', chunkNum: 'C' } as const;
  const fields = ['size', 'mtime', 'chunkSize', 'chunkNum'] as const;
  for (let mask = 0; mask < 16; mask++) {
    for (const name of names) {
      const present = fields.filter((_, i) => (mask & (1 << i)) !== 0);
      const key: Key = { backend: 'WORM', name, ...Object.fromEntries(present.map((f) => [f, values[f]])) };
      const expected = `WORM${present.map((f) => `-${tags[f]}${values[f]}`).join('')}--${name}`;
      assert.equal(formatKey(key), expected);
      assert.deepEqual(parseKey(expected), key);
    }
  }
});

test('the name is everything after the first "--" that follows the fields', () => {
  assert.deepEqual(parseKey('WORM-s1-m2--a--b-c'), { backend: 'WORM', size: 1, mtime: 2, name: 'a--b-c' });
  assert.deepEqual(parseKey('SHA1---x'), { backend: 'SHA1', name: '-x' });
  assert.deepEqual(parseKey('SHA256E-s0--'), { backend: 'SHA256E', size: 0, name: '' });
});

test('leading zeros parse, and serialize canonically like git-annex (examinekey prints -s7)', () => {
  const key = parseKey('SHA256E-s007--abc');
  assert.equal(key?.size, 7);
  assert.equal(formatKey(key!), 'SHA256E-s7--abc');
});

test('rejects texts that are not keys', () => {
  const bad = [
    '',
    'SHA256E',
    '--abc', // empty backend
    '-s1--abc',
    'SHA256E-s6-5891', // no "--"
    'SHA256E-s--abc', // field without digits
    'SHA256E-sx--abc',
    'SHA256E-s1x--abc',
    'SHA256E-s-1--abc',
    'WORM-m1-s2--abc', // fields out of order
    'WORM-C1-S2--abc',
    'WORM-s1-s2--abc', // repeated field
    'SHA256E-z1--abc', // unknown field
    'SHA256E-s99999999999999999999--abc', // beyond 2^53
    'WORM--a\nb', // newline in the name
    `SHA256E-s1--abc.${'x'.repeat(64)}`, // extension of 65 bytes in an E key
  ];
  for (const text of bad) assert.equal(parseKey(text), undefined, JSON.stringify(text));
});

test('the 64-byte extension limit applies only to E backends and counts bytes', () => {
  assert.ok(parseKey(`SHA256E-s1--abc.${'x'.repeat(63)}`));
  assert.ok(parseKey(`SHA256-s1--abc.${'x'.repeat(200)}`));
  assert.equal(parseKey(`SHA256E-s1--abc.${'é'.repeat(32)}`), undefined); // 1 + 64 bytes
  assert.ok(parseKey(`SHA256E-s1--abc.${'é'.repeat(31)}`));
});

test('formatKey refuses keys that would not parse back', () => {
  const bad: Key[] = [
    { backend: '', name: 'x' },
    { backend: 'SHA-256', name: 'x' },
    { backend: 'WORM', name: 'x', size: -1 },
    { backend: 'WORM', name: 'x', mtime: 1.5 },
    { backend: 'WORM', name: 'x', chunkNum: Number.NaN },
    { backend: 'WORM', name: 'a\nb' },
    { backend: 'SHA256E', name: `abc.${'x'.repeat(70)}` },
  ];
  for (const key of bad) {
    assert.throws(() => formatKey(key), (err: unknown) => err instanceof InvalidKeyError && err.code === 'EBADKEY');
  }
});

test('requireKey returns the key or throws InvalidKeyError', () => {
  assert.equal(requireKey(HELLO).size, 6);
  assert.throws(() => requireKey('nonsense'), { code: 'EBADKEY' });
});

test('nonChunkKey drops only the chunk fields', () => {
  const chunk = requireKey('SHA256E-s100-S10-C3--abc.txt');
  assert.deepEqual(nonChunkKey(chunk), { backend: 'SHA256E', size: 100, name: 'abc.txt' });
  const plain = requireKey(HELLO);
  assert.equal(nonChunkKey(plain), plain);
});

test('splitKeyName and sameKey', () => {
  assert.deepEqual(splitKeyName('abc.tar.gz'), { base: 'abc', extension: '.tar.gz' });
  assert.deepEqual(splitKeyName('abc'), { base: 'abc', extension: '' });
  assert.ok(sameKey(requireKey(HELLO), requireKey(HELLO)));
  assert.ok(!sameKey(requireKey(HELLO), requireKey(HELLO.replace('-s6', '-s7'))));
});

test('key file names escape & % : / as git-annex does (reference 1.4)', () => {
  assert.equal(keyToFileName('URL--http://example.com/a%b&c:d'), 'URL--http&c%%example.com%a&sb&ac&cd');
  assert.equal(fileNameToKey('URL--http&c%%example.com%a&sb&ac&cd'), 'URL--http://example.com/a%b&c:d');
  assert.equal(keyToFileName(HELLO), HELLO);
});

test('key file-name escaping round-trips arbitrary strings and never yields "/"', () => {
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const alphabet = ['&', '%', ':', '/', 'a', 's', 'c', '&a', '&s', '&c', '%%', 'é', '-', '.'];
  for (let i = 0; i < 2000; i++) {
    let s = '';
    const len = rand(12);
    for (let j = 0; j < len; j++) s += alphabet[rand(alphabet.length)];
    const escaped = keyToFileName(s);
    assert.ok(!escaped.includes('/'), escaped);
    assert.equal(fileNameToKey(escaped), s);
  }
});
