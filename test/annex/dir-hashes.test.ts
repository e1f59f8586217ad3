// Tests for hashDirLower / hashDirMixed (src/annex/dir-hashes.ts), with values verified against git-annex.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { hashDirLower, hashDirMixed } from '../../src/annex/dir-hashes.js';
import { requireKey } from '../../src/annex/key.js';

// reference 1.5 and `git annex examinekey --format='${hashdirmixed} ${hashdirlower}'`
const EXAMPLES: ReadonlyArray<readonly [string, string, string]> = [
  ['SHA256E-s6--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt', 'mK/4w/', 'd91/b11/'],
  ['SHA256E-s0--e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'pX/ZJ/', 'f87/4d5/'],
  ['SHA256E-s3--90aebae315675cbf04612de4f7d5874850f48e0b8dd82becbeaa47ca93f5ebfb.tar.gz', 'V9/2X/', 'c98/60b/'],
  ['SHA256E-s1--2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881.jpeg', 'zp/jF/', 'b3f/233/'],
  ['URL--http://example.com/a%b&c:d', 'Gp/Km/', '73f/fe6/'],
  ['SHA256E-s7--abc', 'Mv/3Q/', 'b06/60f/'],
];

test('hash directories of the worked examples', () => {
  for (const [text, mixed, lower] of EXAMPLES) {
    const key = requireKey(text);
    assert.equal(hashDirMixed(key), mixed, text);
    assert.equal(hashDirLower(key), lower, text);
  }
});

test('a chunk key hashes like its parent key', () => {
  const chunk = requireKey('SHA256E-s100-S10-C3--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt');
  const parent = requireKey('SHA256E-s100--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt');
  assert.equal(hashDirMixed(chunk), 'f0/GV/');
  assert.equal(hashDirLower(chunk), '20b/df5/');
  assert.equal(hashDirMixed(chunk), hashDirMixed(parent));
  assert.equal(hashDirLower(chunk), hashDirLower(parent));
});

test('hashes are computed on the canonical serialization (leading zeros do not matter)', () => {
  assert.equal(hashDirMixed(requireKey('SHA256E-s007--abc')), 'Mv/3Q/');
});

test('hash directory shapes', () => {
  for (let i = 0; i < 200; i++) {
    const key = requireKey(`SHA256E-s${i}--${i.toString(16)}.bin`);
    assert.match(hashDirLower(key), /^[0-9a-f]{3}\/[0-9a-f]{3}\/$/);
    assert.match(hashDirMixed(key), /^[0-9zqjxkmvwgpfZQJXKMVWGPF]{2}\/[0-9zqjxkmvwgpfZQJXKMVWGPF]{2}\/$/);
  }
});
