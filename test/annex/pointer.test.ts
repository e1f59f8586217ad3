// Tests for pointer files and symlink targets (src/annex/pointer.ts).
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { requireKey } from '../../src/annex/key.js';
import { lockedLinkTarget } from '../../src/annex/locations.js';
import { formatPointer, keyFromLinkTarget, parsePointer } from '../../src/annex/pointer.js';

const TEXT = 'SHA256E-s6--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt';
const KEY = requireKey(TEXT);
const URL_KEY = requireKey('URL--http://example.com/a%b&c:d');

test('formatPointer writes the git-annex pointer blob, escaping the key as a file name', () => {
  assert.equal(formatPointer(KEY), `/annex/objects/${TEXT}\n`);
  assert.equal(formatPointer(URL_KEY), '/annex/objects/URL--http&c%%example.com%a&sb&ac&cd\n');
});

test('parsePointer round-trips formatPointer, as string and as bytes', () => {
  for (const key of [KEY, URL_KEY, requireKey('WORM-s3-m17--sub,32dir/a.txt'), requireKey('SHA256E-s100-S10-C3--ab.txt')]) {
    assert.deepEqual(parsePointer(formatPointer(key)), key);
    assert.deepEqual(parsePointer(new TextEncoder().encode(formatPointer(key))), key);
  }
});

test('line endings: newline, CRLF and none are accepted', () => {
  assert.deepEqual(parsePointer(`/annex/objects/${TEXT}`), KEY);
  assert.deepEqual(parsePointer(`/annex/objects/${TEXT}\r\n`), KEY);
  assert.deepEqual(parsePointer(`/annex/objects/${TEXT}\r`), KEY);
});

test('extra lines must each contain /annex/ and end in a newline', () => {
  assert.deepEqual(parsePointer(`/annex/objects/${TEXT}\n/annex/extra data\nmore /annex/ here\n`), KEY);
  assert.equal(parsePointer(`/annex/objects/${TEXT}\n/annex/extra without newline`), undefined);
  assert.equal(parsePointer(`/annex/objects/${TEXT}\nappended junk\n`), undefined);
  assert.equal(parsePointer(`/annex/objects/${TEXT}\n\n`), undefined); // an empty line lacks /annex/
  assert.equal(parsePointer(`/annex/objects/${TEXT}\n/annex/a\n\n`), undefined);
});

test('size limit: at most 32 KiB', () => {
  const head = `/annex/objects/${TEXT}\n`;
  const line = '/annex/' + 'x'.repeat(100) + '\n';
  let ok = head;
  while (ok.length + line.length <= 32768) ok += line;
  const pad = 32768 - ok.length;
  ok += pad >= 8 ? `/annex/${'y'.repeat(pad - 8)}\n` : '';
  assert.ok(ok.length <= 32768);
  assert.deepEqual(parsePointer(ok), KEY);
  assert.equal(parsePointer(ok + line), undefined);
  assert.equal(parsePointer(new TextEncoder().encode(ok + line)), undefined);
});

test('things that are not pointers', () => {
  assert.equal(parsePointer(''), undefined);
  assert.equal(parsePointer('hello world\n'), undefined);
  assert.equal(parsePointer(TEXT), undefined); // bare key, no /annex/objects/
  assert.equal(parsePointer('/annex/objects/not-a-key\n'), undefined);
  assert.equal(parsePointer('/annex/objects/\n'), undefined);
  assert.equal(parsePointer(`x\n/annex/objects/${TEXT}\n`), undefined); // key must be on the first line
});

test('symlink-target content is accepted as a pointer, as git-annex does', () => {
  assert.deepEqual(parsePointer(lockedLinkTarget('a/b/c.txt', KEY)), KEY);
});

test('keyFromLinkTarget reads locked-file symlink targets', () => {
  assert.deepEqual(keyFromLinkTarget(lockedLinkTarget('hello.txt', KEY)), KEY);
  assert.deepEqual(keyFromLinkTarget(lockedLinkTarget('a/b/photo.jpeg', URL_KEY)), URL_KEY);
  assert.deepEqual(keyFromLinkTarget(`../../.git/annex/objects/d91/b11/${TEXT}/${TEXT}`), KEY); // lower layout
  assert.equal(keyFromLinkTarget('../other/file.txt'), undefined);
  assert.equal(keyFromLinkTarget(`../some/dir/${TEXT}`), undefined);
  assert.equal(keyFromLinkTarget('.git/annex/objects/mK/4w/x/garbage'), undefined);
});
