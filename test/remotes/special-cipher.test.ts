// The shared cipher names objects exactly as git-annex does (golden names from a git-annex
// remote), keeps chunks apart, rejects a bad cipher= in one line, and never prints itself.
import { ARBOR_ROOT } from '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { createHmac } from 'node:crypto';
import { formatKey, requireKey } from '../../src/annex/key.js';
import { Cipher } from '../../src/remotes/special/cipher.js';
import { parsePublicKeyIds } from '../../src/remotes/special/gpg-keys.js';
import { encryptionScheme, readStoredCipher } from '../../src/remotes/special/stored-cipher.js';

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

test('the scheme of a remote.log line: encryption=, else hybrid for cipher= with cipherkeys= (git-annex records no encryption= for keyid= alone), else shared for cipher= alone', () => {
  assert.equal(encryptionScheme(new Map([['encryption', 'pubkey'], ['cipher', fixture], ['cipherkeys', 'ABCD']])), 'pubkey');
  assert.equal(encryptionScheme(new Map([['cipher', fixture], ['cipherkeys', '440BE0D486A49A72']])), 'hybrid');
  assert.equal(encryptionScheme(new Map([['cipher', fixture]])), 'shared');
  assert.equal(encryptionScheme(new Map([['type', 'directory']])), 'none');
  const stored = readStoredCipher(new Map([['cipher', fixture], ['cipherkeys', '440BE0D486A49A72,7C954118B0DAEE9D'], ['mac', 'HMACSHA512']]));
  assert.deepEqual(stored?.scheme === 'hybrid' ? [stored.scheme, stored.keyIds, stored.mac] : undefined, ['hybrid', ['440BE0D486A49A72', '7C954118B0DAEE9D'], 'HMACSHA512']);
  assert.throws(() => readStoredCipher(new Map([['encryption', 'hybrid'], ['cipher', fixture]])), /encryption=hybrid but remote\.log has no cipherkeys=/);
  assert.throws(() => readStoredCipher(new Map([['encryption', 'sharedpubkey'], ['cipher', fixture]])), /encryption=sharedpubkey but remote\.log has no pubkeys=/);
  assert.throws(() => readStoredCipher(new Map([['encryption', 'rot13'], ['cipher', fixture]])), /encryption=rot13 is not supported by arbor yet/);
});

test('sharedpubkey: the cipher= in clear names objects with the HMAC of all its bytes (as git-annex named one), content goes to pubkeys=', () => {
  const settings = new Map([['cipher', fixture], ['pubkeys', '440BE0D486A49A72']]);
  assert.equal(encryptionScheme(settings), 'sharedpubkey');
  const stored = readStoredCipher(settings);
  assert.ok(stored?.scheme === 'sharedpubkey');
  assert.deepEqual(stored.keyIds, ['440BE0D486A49A72']);
  assert.equal(stored.cipher.macOnly, true);
  const bytes = Buffer.from(fixture, 'base64');
  assert.equal(stored.cipher.encryptKey(key).name, createHmac('sha1', bytes).update(formatKey(key)).digest('hex'));
});

test('a MAC-only (pubkey) cipher keys the HMAC with all its bytes and has no passphrase', () => {
  const bytes = Buffer.from(fixture, 'base64').subarray(0, 345);
  const cipher = new Cipher(bytes, { mac: 'HMACSHA1', macOnly: true });
  const full = new Cipher(Buffer.from(fixture, 'base64'), { mac: 'HMACSHA1' });
  assert.equal(cipher.encryptKey(key).name, createHmac('sha1', bytes).update(formatKey(key)).digest('hex'));
  assert.notEqual(cipher.encryptKey(key).name, full.encryptKey(key).name);
  assert.throws(() => cipher.passphrase(), /MAC-only cipher/);
});

test('key ids are the primary keys of gpg --with-colons output, as git-annex records them', () => {
  const colons = [
    'tru::1:1796642412:0:3:1:5',
    'pub:u:255:22:440BE0D486A49A72:1796642412:::u:::scESC:::::ed25519:::0:',
    'fpr:::::::::335677BF21FCB887E7059D88440BE0D486A49A72:',
    'sub:u:255:18:9AE31B847FD062B0:1796642412::::::e:::::cv25519::',
    'pub:u:255:22:7c954118b0daee9d:1796642445:::u:::scESC:::::ed25519:::0:',
  ].join('\n');
  assert.deepEqual(parsePublicKeyIds(colons), ['440BE0D486A49A72', '7C954118B0DAEE9D']);
});
