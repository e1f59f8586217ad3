// Union merge of branch files, line splitting and byte order.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARBOR_ROOT } from '../../helpers/env.js';
import { compareByteOrder, splitLogLines, unionMergeContent } from '../../../src/annex/logs/union-merge.js';

const FIXTURES = join(ARBOR_ROOT, 'test', 'fixtures', 'branch');
const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const merge = (ours: string, theirs: string): string => unionMergeContent(b(ours), b(theirs)).toString('utf8');
/** The distinct lines of a blob (latin1 keeps bytes as code units, so sort() is byte order). */
const lineSet = (buf: Buffer): string[] => [...new Set(buf.toString('latin1').split('\n').filter((l, i, all) => l !== '' || i < all.length - 1))].sort();
const canonical = (buf: Buffer): Buffer => Buffer.from(lineSet(buf).map((l) => `${l}\n`).join(''), 'latin1');

test('reproduces the bytes git-annex produced when merging two clones (fixture)', () => {
  const ours = readFileSync(join(FIXTURES, 'merge-ours.log'));
  const theirs = readFileSync(join(FIXTURES, 'merge-theirs.log'));
  const merged = readFileSync(join(FIXTURES, 'merged', '6f5', 'fd6', 'SHA256E-s6--b6a98d9ce9a2d9149288fa3df42d377c3e42737afdcdaf714e33c0a100b51060.txt.log'));
  assert.deepEqual(unionMergeContent(ours, theirs), merged);
});

test('result is the byte-sorted set of distinct lines when neither side has them all', () => {
  assert.equal(merge('z\nb\n', 'a\nb\n'), 'a\nb\nz\n');
  assert.equal(merge('y\nx\n', 'w\n'), 'w\nx\ny\n');
  // Byte order, not locale order: uppercase before lowercase, and UTF-8 bytes beyond ASCII last.
  assert.equal(merge('b\né\n', 'B\nа\n'), 'B\nb\né\nа\n');
  // A duplicated or unterminated line is normalised in a newly built result.
  assert.equal(merge('k\nk\nm', 'j\n'), 'j\nk\nm\n');
});

test('keeps one side verbatim when it already holds every line, preferring ours (as git-annex 10.20230126 does)', () => {
  assert.equal(merge('z\nb\na\n', 'b\n'), 'z\nb\na\n');
  assert.equal(merge('q\n', 'r\nq\nq\n'), 'r\nq\nq\n');
  assert.equal(merge('k\nk\nj', 'j\nk\n'), 'k\nk\nj');
  assert.equal(merge('', ''), '');
  assert.equal(merge('', 'a\n'), 'a\n');
});

test('empty lines and \\r are ordinary lines to the merge', () => {
  assert.equal(merge('b\r\n\n', 'a\n'), '\na\nb\r\n');
});

test('merge is idempotent and commutative on the set of lines; byte-identical for sorted inputs', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const alphabet = ['1795359430.1s 1 aaaa', '1795359431s 0 aaaa', 'x', 'Y', 'é', '', '1 X bbbb', 'zz'];
  const gen = (): string => Array.from({ length: rand(6) }, () => `${alphabet[rand(alphabet.length)]}\n`).join('');
  for (let i = 0; i < 300; i++) {
    const x = b(gen());
    const y = b(gen());
    const xy = unionMergeContent(x, y);
    assert.deepEqual(lineSet(xy), lineSet(unionMergeContent(y, x)));
    assert.deepEqual(lineSet(xy), [...new Set([...lineSet(x), ...lineSet(y)])].sort());
    assert.deepEqual(unionMergeContent(x, x), x);
    assert.deepEqual(unionMergeContent(xy, y), xy);
    // Canonical (sorted, distinct, newline-terminated) inputs merge to the same bytes either way round.
    const cx = canonical(x);
    const cy = canonical(y);
    assert.deepEqual(unionMergeContent(cx, cx), cx);
    assert.deepEqual(unionMergeContent(cx, cy), unionMergeContent(cy, cx));
  }
});

test('a merged result is sorted by Buffer.compare', () => {
  const out = unionMergeContent(b('é\nz\nA\n'), b('a\nZ\n'));
  const lines = out.toString('utf8').split('\n').slice(0, -1).map((l) => b(l));
  assert.deepEqual([...lines].sort(Buffer.compare), lines);
});

test('log lines end at any run of \\r and \\n; empty lines vanish', () => {
  assert.deepEqual(splitLogLines('a\r\nb\r\r\n\nc'), ['a', 'b', 'c']);
  assert.deepEqual(splitLogLines(''), []);
  assert.deepEqual(splitLogLines('\n\n'), []);
  assert.deepEqual(splitLogLines('one line'), ['one line']);
});

test('byte order equals UTF-8 byte order, also beyond the BMP', () => {
  const words = ['a', 'B', 'ab', '', '\uffff', '\u{10000}', '\ue000', 'é', 'z', 'aa'];
  const expected = [...words].sort((x, y) => Buffer.compare(b(x), b(y)));
  assert.deepEqual([...words].sort(compareByteOrder), expected);
  assert.equal(compareByteOrder('same', 'same'), 0);
});
