// encryption=hybrid, pubkey and sharedpubkey special remotes interoperate with git-annex both ways:
// a remote git-annex made is read, written, checked and dropped from by arbor, and one arbor made
// is read and checked by git-annex; remote.log holds the cipher encrypted to the keys as
// git-annex writes it; keyid+=/keyid-= re-encrypt it so that only the listed keys open it; a
// missing secret key and bad key parameters fail in one line naming the remote and the key.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { copyPublicKey, generateTestKey, gpgDecrypt, makeGnupgHome, needsGpg, useTempGnupgHome } from '../helpers/gnupg.js';
import { annex, arbor, cloneWithArbor, cloneWithGitAnnex, makeArborRepo, makeGitAnnexRepo, sha256, type FixtureRepo } from '../helpers/annex-fixtures.js';
import { prng } from '../helpers/prng.js';
import { git } from '../helpers/repo.js';
import { ok, runArbor } from '../helpers/run.js';
import { arborInProcess } from '../helpers/arbor-in-process.js';
import { tempDir } from '../helpers/tmp.js';

const needs = { skip: needsGitAnnex.skip || needsGpg.skip };

/** 80 KiB of reproducible bytes: two 64 KiB chunks, the last one short. */
function content(seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.alloc(80 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** The encrypted objects under a directory remote's folder. */
function objectsUnder(dir: string, mac = 'HMACSHA1'): string[] {
  const name = new RegExp(`/GPG${mac}--[0-9a-f]+$`);
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => name.test(p));
}

/**
 * The OpenPGP packet an object starts with: 1 (a session key encrypted to a public key: pubkey)
 * or 3 (a session key from a passphrase: hybrid's symmetric encryption). Old and new packet
 * formats both.
 */
function firstPacketTag(path: string): number {
  const b = readFileSync(path).readUInt8(0);
  return b & 0x40 ? b & 0x3f : (b >> 2) & 0x0f;
}

/** The settings of the remote named `name` in remote.log's text, as a map. */
function settingsOf(log: string, name: string): Map<string, string> {
  const line = log.split('\n').find((l) => l.split(' ').includes(`name=${name}`));
  assert.ok(line, `no remote.log line for ${name}: ${log}`);
  return new Map(line.split(' ').slice(1).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
}

/** git-annex with another GnuPG home. */
function annexWithHome(home: string, cwd: string, ...args: string[]): Promise<string> {
  return ok('git', ['-c', 'annex.debug=false', 'annex', ...args], { cwd, env: { GNUPGHOME: home } });
}

const a = content(31);
const b = content(32);
const files = [
  { path: 'a.bin', content: a, unlocked: false },
  { path: 'b.bin', content: b, unlocked: false },
];
let parent: string;
let home: string;
/** Alice's key: in this process's keyring with its secret. */
let alice: string;
/** Bob's key: its secret only in bobHome; this keyring has its public key. */
let bob: string;
let bobHome: string;
/** The arbor repository of the second test, its remotes ah (hybrid) and ap (pubkey), and a git-annex clone of it. */
let arborOrigin: string;
let gaClone: string;
const arborStores = { ah: '', ap: '', as: '' };
/** ah's cipher in clear, as first made. */
let ahCipher: Buffer;

before(() => {
  if (needs.skip) return;
  home = useTempGnupgHome();
  alice = generateTestKey(home, 'Alice <alice@arbor.invalid>');
  bobHome = makeGnupgHome();
  bob = generateTestKey(bobHome, 'Bob <bob@arbor.invalid>');
  copyPublicKey({ from: bobHome, to: home, keyId: bob });
  parent = tempDir('arbor-gpg-keys-');
});

test('remotes git-annex made with encryption=hybrid, pubkey (chunked, mac=) and sharedpubkey: arbor gets, stores, checks and drops there, and git-annex verifies what arbor stored', needs, async () => {
  const origin: FixtureRepo = await makeGitAnnexRepo({ description: 'origin', parent, name: 'ga-origin', files });
  const stores = { gh: join(parent, 'ga-hybrid'), gp: join(parent, 'ga-pubkey'), gs: join(parent, 'ga-sharedpubkey') };
  for (const dir of Object.values(stores)) mkdirSync(dir);
  // keyid= alone: git-annex makes it hybrid without recording encryption= (read as hybrid all the same).
  await annex(origin.dir, 'initremote', 'gh', 'type=directory', `directory=${stores.gh}`, 'keyid=alice@arbor.invalid');
  await annex(origin.dir, 'initremote', 'gp', 'type=directory', `directory=${stores.gp}`, 'encryption=pubkey', `keyid=${alice}`, 'chunk=64KiB', 'mac=HMACSHA256');
  await annex(origin.dir, 'copy', '-q', '--to', 'gh', 'a.bin');
  await annex(origin.dir, 'copy', '-q', '--to', 'gp', 'b.bin');
  await annex(origin.dir, 'initremote', 'gs', 'type=directory', `directory=${stores.gs}`, 'encryption=sharedpubkey', `keyid=${alice}`);
  await annex(origin.dir, 'copy', '-q', '--to', 'gs', 'a.bin');

  const clone = await cloneWithArbor({ origin: origin.dir, description: 'clone', parent, name: 'arbor-clone' });
  await git(clone.dir, 'remote', 'remove', 'origin'); // the encrypted remotes are the only sources
  await arbor(clone.dir, 'enableremote', 'gh', `directory=${stores.gh}`);
  await arbor(clone.dir, 'enableremote', 'gp', `directory=${stores.gp}`);
  // a.bin is only on gh, b.bin only on gp: each comes from its remote.
  await arbor(clone.dir, 'get', 'a.bin', 'b.bin');
  assert.equal(sha256(readFileSync(join(clone.dir, 'a.bin'))), sha256(a));
  assert.equal(sha256(readFileSync(join(clone.dir, 'b.bin'))), sha256(b));

  // Each file to the other remote: arbor stores on git-annex's remotes, chunked and mac= on gp.
  await arbor(clone.dir, 'copy', '--to', 'gp', 'a.bin');
  await arbor(clone.dir, 'copy', '--to', 'gh', 'b.bin');
  // hybrid: one object per file, symmetric; pubkey: two 64 KiB chunks per file, each encrypted to the key.
  assert.deepEqual(objectsUnder(stores.gh).map(firstPacketTag), [3, 3]);
  const pubkeyObjects = objectsUnder(stores.gp, 'HMACSHA256');
  assert.equal(pubkeyObjects.length, 4);
  assert.deepEqual(new Set(pubkeyObjects.map(firstPacketTag)), new Set([1]));
  for (const p of [...objectsUnder(stores.gh), ...pubkeyObjects]) assert.equal(readFileSync(p).includes(a.subarray(0, 64)) || readFileSync(p).includes(b.subarray(0, 64)), false, `${p} holds plaintext`);

  await arbor(clone.dir, 'fsck', '--from', 'gh', 'b.bin');
  assert.match(await annex(origin.dir, 'fsck', '--from', 'gp', '--key', `SHA256E-s${a.length}--${sha256(a)}.bin`), /ok/);
  await arbor(clone.dir, 'drop', '--from', 'gh', 'b.bin');
  assert.equal(objectsUnder(stores.gh).length, 1, 'only a.bin is left on gh');

  // sharedpubkey: whoever has the branch and the public key stores (Bob's keyring has no secret key
  // for it); reading needs Alice's secret key. arbor reads git-annex's object and its own, and git-annex arbor's.
  copyPublicKey({ from: home, to: bobHome, keyId: alice });
  await arbor(clone.dir, 'enableremote', 'gs', `directory=${stores.gs}`);
  const stored = await runArbor(['copy', '--to', 'gs', 'b.bin'], { cwd: clone.dir, env: { GNUPGHOME: bobHome } });
  assert.equal(stored.code, 0, stored.stderr);
  assert.deepEqual(objectsUnder(stores.gs).map(firstPacketTag), [1, 1]);
  assert.match(await arbor(clone.dir, 'fsck', '--from', 'gs', 'a.bin', 'b.bin'), /2 checked, 0 failed/);
  assert.match(await annex(origin.dir, 'fsck', '--from', 'gs', '--key', `SHA256E-s${b.length}--${sha256(b)}.bin`), /ok/);
});

test('remotes arbor made with encryption=hybrid, pubkey and sharedpubkey: remote.log as git-annex writes it, and git-annex gets and checks their content', needs, async () => {
  arborOrigin = (await makeArborRepo({ description: 'arbor-origin', parent, name: 'arbor-origin', files })).dir;
  arborStores.ah = join(parent, 'a-hybrid');
  arborStores.ap = join(parent, 'a-pubkey');
  mkdirSync(arborStores.ah);
  mkdirSync(arborStores.ap);
  // keyid= alone means hybrid, as in git-annex (arbor records encryption=hybrid all the same).
  await arbor(arborOrigin, 'initremote', 'ah', 'type=directory', `directory=${arborStores.ah}`, `keyid=${alice}`);
  await arbor(arborOrigin, 'initremote', 'ap', 'type=directory', `directory=${arborStores.ap}`, 'encryption=pubkey', 'keyid=alice@arbor.invalid', 'chunk=64KiB');
  await arbor(arborOrigin, 'copy', '--to', 'ah', 'a.bin');
  await arbor(arborOrigin, 'copy', '--to', 'ap', 'b.bin');
  arborStores.as = join(parent, 'a-sharedpubkey');
  mkdirSync(arborStores.as);
  assert.equal((await arborInProcess(arborOrigin, ['initremote', 'as', 'type=directory', `directory=${arborStores.as}`, 'encryption=sharedpubkey', `keyid=${alice}`])).code, 0);
  await arbor(arborOrigin, 'copy', '--to', 'as', 'a.bin');
  const log = await git(arborOrigin, 'cat-file', '-p', 'git-annex:remote.log');
  assert.match(log, new RegExp(`^\\S+ cipher=[A-Za-z0-9+/]+=* cipherkeys=${alice} encryption=hybrid name=ah type=directory timestamp=\\S+$`, 'm'));
  assert.match(log, new RegExp(`^\\S+ chunk=64KiB cipher=[A-Za-z0-9+/]+=* cipherkeys=${alice} encryption=pubkey name=ap type=directory timestamp=\\S+$`, 'm'));
  assert.match(log, new RegExp(`^\\S+ cipher=[A-Za-z0-9+/]+=* encryption=sharedpubkey name=as pubkeys=${alice} type=directory timestamp=\\S+$`, 'm'));
  // sharedpubkey's cipher is in clear: gpg's armored text of 512 random bytes, as git-annex makes it.
  const shared = Buffer.from(settingsOf(log, 'as').get('cipher') ?? '', 'base64');
  assert.equal(shared.length, 685);
  assert.match(shared.toString('latin1'), /^[A-Za-z0-9+/]+=*\n$/);
  // The cipher decrypts with Alice's key to gpg's armored random text: 512 bytes for hybrid, 256 for pubkey.
  for (const [name, length] of [['ah', 685], ['ap', 345]] as const) {
    const clear = gpgDecrypt(home, Buffer.from(settingsOf(log, name).get('cipher') ?? '', 'base64'));
    assert.equal(clear.length, length, name);
    assert.match(clear.toString('latin1'), /^[A-Za-z0-9+/]+=*\n$/);
    if (name === 'ah') ahCipher = clear;
  }
  assert.deepEqual(objectsUnder(arborStores.ah).map(firstPacketTag), [3]);
  assert.deepEqual(objectsUnder(arborStores.ap).map(firstPacketTag), [1, 1]);

  // git-annex's get checks each file's hash after decrypting it.
  gaClone = (await cloneWithGitAnnex({ origin: arborOrigin, description: 'ga-clone', parent, name: 'ga-clone' })).dir;
  await git(gaClone, 'remote', 'remove', 'origin');
  await annex(gaClone, 'enableremote', 'ah', `directory=${arborStores.ah}`);
  await annex(gaClone, 'enableremote', 'ap', `directory=${arborStores.ap}`);
  await annex(gaClone, 'get', '-q', 'a.bin', 'b.bin');
  assert.equal(sha256(readFileSync(join(gaClone, 'a.bin'))), sha256(a));
  assert.equal(sha256(readFileSync(join(gaClone, 'b.bin'))), sha256(b));
  await annex(gaClone, 'enableremote', 'as', `directory=${arborStores.as}`);
  assert.match(await annex(gaClone, 'fsck', '--from', 'as', 'a.bin'), /ok/);
});

test('keyid+= and keyid-= encrypt the cipher again to the new keys only; git-annex then opens it with the added key alone', needs, async () => {
  const dir = `directory=${arborStores.ah}`;
  await arbor(arborOrigin, 'enableremote', 'ah', dir, 'keyid+=bob@arbor.invalid');
  assert.equal(settingsOf(await git(arborOrigin, 'cat-file', '-p', 'git-annex:remote.log'), 'ah').get('cipherkeys'), [alice, bob].sort().join(','));
  await arbor(arborOrigin, 'enableremote', 'ah', dir, `keyid-=${alice}`);
  const settings = settingsOf(await git(arborOrigin, 'cat-file', '-p', 'git-annex:remote.log'), 'ah');
  assert.equal(settings.get('cipherkeys'), bob);
  assert.deepEqual([...settings.keys()].sort(), ['cipher', 'cipherkeys', 'encryption', 'name', 'timestamp', 'type']);
  // Alice's keyring can no longer open it; Bob's (holding only his own secret key) can, giving the same cipher.
  const sealed = Buffer.from(settings.get('cipher') ?? '', 'base64');
  assert.throws(() => gpgDecrypt(home, sealed), /No secret key/);
  assert.ok(gpgDecrypt(bobHome, sealed).equals(ahCipher), 'the same cipher, encrypted to other keys');
  // So Bob's copy reads what was stored before the change, with git-annex.
  await git(gaClone, 'fetch', '-q', arborOrigin, 'git-annex:refs/remotes/origin/git-annex');
  await annexWithHome(bobHome, gaClone, 'drop', '-q', '--force', 'a.bin');
  await annexWithHome(bobHome, gaClone, 'get', '-q', '--from', 'ah', 'a.bin');
  assert.equal(sha256(readFileSync(join(gaClone, 'a.bin'))), sha256(a));

  // The last key cannot go, nor a key that is not there, and keyid= is for initremote; nothing is written.
  const before = await git(arborOrigin, 'rev-parse', 'git-annex');
  for (const [param, message] of [
    [`keyid-=${bob}`, /would remove ah's last gpg key/],
    [`keyid-=${alice}`, new RegExp(`gpg key ${alice} is not one of ah's keys \\(${bob}\\)`)],
    ['keyid=alice@arbor.invalid', /keyid= is set by initremote; to change the keys use keyid\+= \(add\) or keyid-= \(remove\)/],
  ] as const) {
    const r = await arborInProcess(arborOrigin, ['enableremote', 'ah', dir, param]);
    assert.equal(r.code, 1, param);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(await git(arborOrigin, 'rev-parse', 'git-annex'), before);
});

test('a missing or locked secret key fails in one line naming the remote and the key; bad key parameters are refused before anything is written', needs, async () => {
  // ap is encrypted to Alice only; Bob's keyring has no secret key for it.
  await arbor(arborOrigin, 'drop', '--force', 'b.bin');
  const r = await runArbor(['get', '--from', 'ap', 'b.bin'], { cwd: arborOrigin, env: { GNUPGHOME: bobHome } });
  assert.equal(r.code, 1);
  const complaint = r.stderr.trim().split('\n').filter((l) => l.includes('b.bin'));
  assert.equal(complaint.length, 1, r.stderr);
  assert.match(complaint[0] ?? '', new RegExp(`could not get b\\.bin: remote ap: cannot decrypt its cipher: the secret key of gpg key ${alice} is not in this gpg keyring`));
  assert.doesNotMatch(r.stderr, /^\s+at /m);
  assert.equal(existsSync(join(arborOrigin, 'b.bin')), false);

  const unused = join(parent, 'unused');
  mkdirSync(unused);
  const branch = await git(arborOrigin, 'rev-parse', 'git-annex');
  const config = readFileSync(join(arborOrigin, '.git', 'config'), 'utf8');
  for (const [params, message] of [
    [['encryption=hybrid'], /encryption=hybrid needs keyid=/],
    [['encryption=pubkey', 'keyid=nobody@nowhere.invalid'], /no public key in gpg's keyring matches keyid=nobody@nowhere\.invalid/],
    [['encryption=shared', `keyid=${alice}`], /keyid= only applies to encryption=hybrid, pubkey or sharedpubkey/],
    [['encryption=hybrid', `keyid=${alice}`, `keyid-=${alice}`], /a new remote has none to remove/],
    [['encryption=hybrid', `keyid=${alice}`, 'cipherkeys=ABCD'], /cipherkeys= is made by initremote, not given/],
  ] as const) {
    const res = await arborInProcess(arborOrigin, ['initremote', 'bad', 'type=directory', `directory=${unused}`, ...params]);
    assert.equal(res.code, 1, params.join(' '));
    assert.match(res.stderr, message);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
  }
  assert.equal(await git(arborOrigin, 'rev-parse', 'git-annex'), branch);
  assert.equal(readFileSync(join(arborOrigin, '.git', 'config'), 'utf8'), config);
  assert.deepEqual(readdirSync(unused), []);

  // A secret key that is there but locked (its passphrase cannot be asked for) is said so, not taken for a missing one.
  const lockedHome = makeGnupgHome({ noPinentry: true });
  const carol = generateTestKey(lockedHome, 'Carol <carol@arbor.invalid>', 'carol-passphrase');
  copyPublicKey({ from: lockedHome, to: home, keyId: carol });
  assert.equal((await arborInProcess(arborOrigin, ['initremote', 'cr', 'type=directory', `directory=${unused}`, `keyid=${carol}`])).code, 0);
  const locked = await runArbor(['copy', '--to', 'cr', 'a.bin'], { cwd: arborOrigin, env: { GNUPGHOME: lockedHome } });
  assert.equal(locked.code, 1);
  assert.match(locked.stderr, new RegExp(`remote cr: cannot decrypt its cipher, encrypted to gpg key ${carol}: gpg: the secret key is in this keyring but could not be unlocked`));
  assert.deepEqual(readdirSync(unused), []);
});
