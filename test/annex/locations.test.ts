// Tests for object paths, branch log paths, journal names and locked-file link targets (src/annex/locations.ts).
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatKey, requireKey } from '../../src/annex/key.js';
import {
  branchPathFromJournalFileName,
  journalFileName,
  keyFromLogPath,
  locationLogPath,
  lockedLinkTarget,
  objectDir,
  objectPath,
  objectPathCandidates,
} from '../../src/annex/locations.js';

const HELLO_TEXT = 'SHA256E-s6--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt';
const HELLO = requireKey(HELLO_TEXT);
const PHOTO_TEXT = 'SHA256E-s1--2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881.jpeg';
const URL_KEY = requireKey('URL--http://example.com/a%b&c:d');
const URL_FILE = 'URL--http&c%%example.com%a&sb&ac&cd';

test('object directories and paths in both layouts', () => {
  assert.equal(objectDir(HELLO, 'mixed'), `annex/objects/mK/4w/${HELLO_TEXT}`);
  assert.equal(objectPath(HELLO, 'mixed'), `annex/objects/mK/4w/${HELLO_TEXT}/${HELLO_TEXT}`);
  assert.equal(objectPath(HELLO, 'lower'), `annex/objects/d91/b11/${HELLO_TEXT}/${HELLO_TEXT}`);
  // reference 1.4: escaped key file, hash of the unescaped key
  assert.equal(objectPath(URL_KEY, 'mixed'), `annex/objects/Gp/Km/${URL_FILE}/${URL_FILE}`);
  assert.equal(objectDir(URL_KEY, 'lower'), `annex/objects/73f/fe6/${URL_FILE}`);
});

test('chunk keys use the parent hash directory but their own file name', () => {
  const chunk = requireKey('SHA256E-s100-S10-C3--5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03.txt');
  assert.equal(objectPath(chunk, 'mixed'), `annex/objects/f0/GV/${formatKey(chunk)}/${formatKey(chunk)}`);
});

test('object path candidates follow git-annex lookup order', () => {
  assert.deepEqual(objectPathCandidates(HELLO, { bare: false }), [objectPath(HELLO, 'mixed'), objectPath(HELLO, 'lower')]);
  assert.deepEqual(objectPathCandidates(HELLO, { bare: true }), [objectPath(HELLO, 'lower'), objectPath(HELLO, 'mixed')]);
});

test('location log paths and their inverse', () => {
  assert.equal(locationLogPath(HELLO), `d91/b11/${HELLO_TEXT}.log`);
  assert.equal(locationLogPath(URL_KEY), `73f/fe6/${URL_FILE}.log`);
  assert.deepEqual(keyFromLogPath(`d91/b11/${HELLO_TEXT}.log`), { key: HELLO, suffix: '.log' });
  assert.deepEqual(keyFromLogPath(`73f/fe6/${URL_FILE}.log.web`), { key: URL_KEY, suffix: '.log.web' });
  for (const suffix of ['.log.met', '.log.rmet', '.log.rmt', '.log.cid', '.log.cnk']) {
    assert.deepEqual(keyFromLogPath(`d91/b11/${HELLO_TEXT}${suffix}`), { key: HELLO, suffix });
  }
});

test('keyFromLogPath handles keys that themselves end in ".log"', () => {
  const key = requireKey('SHA256E-s1--abc.log.met');
  const path = locationLogPath(key);
  assert.ok(path.endsWith('abc.log.met.log'));
  assert.deepEqual(keyFromLogPath(path), { key, suffix: '.log' });
  assert.deepEqual(keyFromLogPath(`${path}.met`), { key, suffix: '.log.met' });
});

test('keyFromLogPath ignores other branch files', () => {
  for (const path of [
    'uuid.log',
    'trust.log',
    `${HELLO_TEXT}.log`,
    `b11/${HELLO_TEXT}.log`,
    `x/d91/b11/${HELLO_TEXT}.log`,
    `d91/b11/${HELLO_TEXT}`,
    `d91/b11/${HELLO_TEXT}.log.2`,
    'd91/b11/.log',
    'd91/b11/not-a-key.log',
    `/b11/${HELLO_TEXT}.log`,
  ]) {
    assert.equal(keyFromLogPath(path), undefined, path);
  }
});

test('journal file names escape "/" and "_" reversibly', () => {
  assert.equal(journalFileName('uuid.log'), 'uuid.log');
  assert.equal(journalFileName(`d91/b11/${HELLO_TEXT}.log`), `d91_b11_${HELLO_TEXT}.log`);
  assert.equal(journalFileName('a_b/c__d'), 'a__b_c____d');
  // observed in .git/annex/journal after `git annex add --backend=WORM a_b` with annex.alwayscommit=false
  const worm = requireKey('WORM-s1-m1795361600--a_b');
  assert.equal(journalFileName(locationLogPath(worm)), '3e5_7fd_WORM-s1-m1795361600--a__b.log');
  assert.equal(branchPathFromJournalFileName('3e5_7fd_WORM-s1-m1795361600--a__b.log'), locationLogPath(worm));
  assert.equal(branchPathFromJournalFileName('a__b_c____d'), 'a_b/c__d');
  for (const p of ['a_/b', 'x_/y', 'x/y/z', '__', '/', 'foo_bar.log', 'd91/b11/URL--http&c%%x_y.log']) {
    assert.equal(branchPathFromJournalFileName(journalFileName(p)), p, p);
    assert.ok(!journalFileName(p).includes('/'));
  }
});

test('journal names are ambiguous for "/_", decoded as git-annex does (branch paths never contain it)', () => {
  assert.equal(journalFileName('a/_b'), journalFileName('a_/b'));
  assert.equal(branchPathFromJournalFileName('a___b'), 'a_/b');
});

test('locked link targets are relative to the file directory (reference 1.7)', () => {
  assert.equal(lockedLinkTarget('hello.txt', HELLO), `.git/annex/objects/mK/4w/${HELLO_TEXT}/${HELLO_TEXT}`);
  assert.equal(lockedLinkTarget('a/b/photo.jpeg', requireKey(PHOTO_TEXT)), `../../.git/annex/objects/zp/jF/${PHOTO_TEXT}/${PHOTO_TEXT}`);
  assert.equal(lockedLinkTarget('./a/./x', HELLO), `../.git/annex/objects/mK/4w/${HELLO_TEXT}/${HELLO_TEXT}`);
  for (const bad of ['../x', '/abs/x', '.', '']) {
    assert.throws(() => lockedLinkTarget(bad, HELLO), { code: 'EBADPATH' }, bad);
  }
});
