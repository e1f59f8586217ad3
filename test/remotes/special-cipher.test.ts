// The shared cipher names objects exactly as git-annex does (golden names from a git-annex
// remote), keeps chunks apart, rejects a bad cipher= in one line, and never prints itself.
import { ARBOR_ROOT } from '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { formatKey, requireKey } from '../../src/annex/key.js';
import { Cipher } from '../../src/remotes/special/cipher.js';

/** cipher= of a remote git-annex made, and the names it gave the three 1 KiB chunks of one 2500-byte object. */
const fixture = readFileSync(join(ARBOR_ROOT, 'test/fixtures/encryption/git-annex-shared-cipher.txt'), 'utf8').split('\n')[1] ?? '';
const key = requireKey('SHA256E-s2500--17a23b5b274e7911c6db119fe8c7b30228515af4a0303ff30c51b2a616086b54.bin');
const gitAnnexChunkNames = ['GPGHMACSHA1--7fdaabb2fb818b046597c9bd832d72024921a869', 'GPGHMACSHA1--d059a0b7312f4406b8343cb5903896701dd59533', 'GPGHMACSHA1--a290183eea6664bd76158e74ad06b684c3b6fe81'];

test('chunk keys get the HMAC-SHA1 names git-annex gave them, each its own', () => {
  const cipher = Cipher.fromSharedSettings(new Map([['cipher', fixture]]));
  assert.equal(cipher.mac, 'HMACSHA1');
  const names = [1, 2, 3].map((n) => formatKey(cipher.encryptKey({ ...key, chunkSize: 1024, chunkNum: n })));
  assert.deepEqual(names, gitAnnexChunkNames);
  assert.equal(cipher.toSetting(), fixture);
});

test('mac= picks the HMAC: a longer digest and a different backend name', () => {
  const cipher = Cipher.fromSharedSettings(new Map([['cipher', fixture], ['mac', 'HMACSHA256']]));
  assert.match(formatKey(cipher.encryptKey(key)), /^GPGHMACSHA256--[0-9a-f]{64}$/);
});

test('a missing, non-base64 or too short cipher= and an unknown mac= are refused with a one-line reason', () => {
  assert.throws(() => Cipher.fromSharedSettings(new Map()), /remote\.log has no cipher=/);
  assert.throws(() => Cipher.fromSharedSettings(new Map([['cipher', 'not base64!']])), /cipher= is not base64/);
  assert.throws(() => Cipher.fromSharedSettings(new Map([['cipher', 'QUJD']])), /too short/);
  assert.throws(() => Cipher.fromSharedSettings(new Map([['cipher', fixture], ['mac', 'MD5']])), /unknown mac=MD5/);
});

test('the cipher never shows in a log line: String, JSON and inspect print a placeholder', () => {
  const cipher = Cipher.fromSharedSettings(new Map([['cipher', fixture]]));
  const shown = [String(cipher), `${cipher}`, JSON.stringify({ cipher }), inspect({ cipher })].join(' ');
  assert.doesNotMatch(shown, new RegExp(fixture.slice(0, 20).replace(/[+/]/g, '.')));
  assert.doesNotMatch(shown, new RegExp(cipher.passphrase().subarray(0, 20).toString('latin1').replace(/[^A-Za-z0-9]/g, '.')));
  assert.match(shown, /\[cipher\]/);
});
