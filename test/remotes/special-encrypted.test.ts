// encryption=shared special remotes interoperate with git-annex both ways, with and without chunking:
// a remote git-annex made (its cipher) is read and written by arbor; one arbor made is read and
// fsck'd by git-annex; the storage holds only GPGHMAC-named ciphertext; a damaged encrypted object
// is refused in one line and nothing is placed.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsGpg, useTempGnupgHome } from '../helpers/gnupg.js';
import { annex, arbor, cloneWithArbor, cloneWithGitAnnex, makeArborRepo, makeGitAnnexRepo, sha256, type FixtureRepo } from '../helpers/annex-fixtures.js';
import { prng } from '../helpers/prng.js';
import { git, writeFiles } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const needs = { skip: needsGitAnnex.skip || needsGpg.skip };

/** 150 KiB of reproducible bytes: three 64 KiB chunks, the last one short. */
function bigContent(seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.alloc(150 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** Every file under `dir`, as paths. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The storage holds GPGHMACSHA1 objects only, none of them containing `plain`'s first bytes or named after a key. */
function assertOnlyCiphertext(store: string, plain: Buffer): void {
  const objects = filesUnder(store).filter((p) => !p.includes(`${join(store, 'tmp')}/`));
  assert.ok(objects.length > 0, `nothing stored in ${store}`);
  for (const p of objects) {
    assert.match(p, /\/GPGHMACSHA1--[0-9a-f]{40}$/);
    assert.equal(readFileSync(p).includes(plain.subarray(0, 64)), false, `${p} holds plaintext`);
  }
}

const big = bigContent(21);
let parent: string;

before(() => {
  if (needs.skip) return;
  useTempGnupgHome();
  parent = tempDir('arbor-encrypted-');
});

test('remotes git-annex made with encryption=shared (with and without chunk=): arbor gets their content, and what arbor stores there git-annex verifies', needs, async () => {
  const origin: FixtureRepo = await makeGitAnnexRepo({ description: 'origin', parent, name: 'ga-origin', files: [{ path: 'big.bin', content: big, unlocked: false }] });
  for (const [name, extra] of [['whole', []], ['chunked', ['chunk=64KiB']]] as const) {
    mkdirSync(join(parent, `ga-${name}`));
    await annex(origin.dir, 'initremote', name, 'type=directory', `directory=${join(parent, `ga-${name}`)}`, 'encryption=shared', ...extra);
    await annex(origin.dir, 'copy', '-q', '--to', name, 'big.bin');
  }
  const clone = await cloneWithArbor({ origin: origin.dir, description: 'clone', parent, name: 'arbor-clone' });
  await git(clone.dir, 'remote', 'remove', 'origin'); // the encrypted remotes are the only sources
  const added = bigContent(22);
  writeFiles(clone.dir, { 'new.bin': added });
  await arbor(clone.dir, 'add', 'new.bin');
  await git(clone.dir, 'commit', '-qm', 'new');
  const newKey = (await git(clone.dir, 'annex', 'lookupkey', 'new.bin')).trim();
  for (const name of ['whole', 'chunked']) {
    await arbor(clone.dir, 'enableremote', name, `directory=${join(parent, `ga-${name}`)}`);
    await arbor(clone.dir, 'get', '--from', name, 'big.bin');
    assert.equal(sha256(readFileSync(join(clone.dir, 'big.bin'))), sha256(big));
    await arbor(clone.dir, 'drop', '--force', 'big.bin');
    await arbor(clone.dir, 'copy', '--to', name, 'new.bin');
    assertOnlyCiphertext(join(parent, `ga-${name}`), added);
    // git-annex downloads arbor's encrypted object with its own cipher handling and checks the hash.
    const fsck = await annex(origin.dir, 'fsck', '--from', name, '--key', newKey);
    assert.match(fsck, /ok/);
  }
  // Three encrypted 64 KiB chunks of each of the two files.
  assert.equal(filesUnder(join(parent, 'ga-chunked')).filter((p) => /GPGHMACSHA1--[0-9a-f]{40}$/.test(p)).length, 6);
});

test('remotes arbor made with encryption=shared (with and without chunk=): git-annex gets and fscks the content; a damaged object is refused in one line', needs, async () => {
  const origin = await makeArborRepo({ description: 'arbor-origin', parent, name: 'arbor-origin', files: [{ path: 'big.bin', content: big, unlocked: false }] });
  for (const [name, extra] of [['awhole', []], ['achunked', ['chunk=64KiB']]] as const) {
    mkdirSync(join(parent, `a-${name}`));
    await arbor(origin.dir, 'initremote', name, 'type=directory', `directory=${join(parent, `a-${name}`)}`, 'encryption=shared', ...extra);
    await arbor(origin.dir, 'copy', '--to', name, 'big.bin');
    assertOnlyCiphertext(join(parent, `a-${name}`), big);
  }
  const log = await git(origin.dir, 'cat-file', '-p', 'git-annex:remote.log');
  assert.match(log, /cipher=[A-Za-z0-9+/]{800,}=* encryption=shared name=awhole type=directory/);
  const ga = await cloneWithGitAnnex({ origin: origin.dir, description: 'ga-clone', parent, name: 'ga-clone' });
  await git(ga.dir, 'remote', 'remove', 'origin');
  for (const name of ['awhole', 'achunked']) {
    await annex(ga.dir, 'enableremote', name, `directory=${join(parent, `a-${name}`)}`);
    await annex(ga.dir, 'get', '-q', '--from', name, 'big.bin');
    assert.equal(sha256(readFileSync(join(ga.dir, 'big.bin'))), sha256(big));
    assert.match(await annex(ga.dir, 'fsck', '--from', name, 'big.bin'), /ok/);
    await annex(ga.dir, 'drop', '-q', '--force', 'big.bin');
  }

  // One byte flipped in the middle of the encrypted object: gpg's integrity check fails.
  const [object] = filesUnder(join(parent, 'a-awhole')).filter((p) => /GPGHMACSHA1--[0-9a-f]{40}$/.test(p));
  assert.ok(object);
  const bytes = readFileSync(object);
  const at = bytes.length >> 1;
  bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
  writeFileSync(object, bytes);
  const clone = await cloneWithArbor({ origin: origin.dir, description: 'clone2', parent, name: 'arbor-clone2' });
  await git(clone.dir, 'remote', 'remove', 'origin');
  await arbor(clone.dir, 'enableremote', 'awhole', `directory=${join(parent, 'a-awhole')}`);
  const r = await runArbor(['get', '--from', 'awhole', 'big.bin'], { cwd: clone.dir });
  assert.equal(r.code, 1);
  const complaint = r.stderr.trim().split('\n').filter((l) => l.includes('big.bin'));
  assert.equal(complaint.length, 1, r.stderr);
  assert.match(complaint[0] ?? '', /could not get big\.bin: remote awhole: the encrypted object does not decrypt/);
  assert.equal(existsSync(join(clone.dir, 'big.bin')) && readFileSync(join(clone.dir, 'big.bin')).length === big.length, false);
  assert.equal(filesUnder(join(clone.dir, '.git', 'annex', 'objects')).length, 0);
  // Nothing about the cipher is ever printed.
  assert.doesNotMatch(r.stderr, /cipher=|passphrase/i);
  // fsck --from finds the damaged copy bad (not merely unverifiable).
  const fsck = await runArbor(['fsck', '--from', 'awhole', 'big.bin'], { cwd: clone.dir });
  assert.equal(fsck.code, 1);
  assert.match(fsck.stdout + fsck.stderr, /big\.bin.*(bad|corrupt)/i);
});

test('the gpg of git config gpg.program runs, with remote.<name>.annex-gnupg-options when encrypting and annex-gnupg-decrypt-options when decrypting; git-annex reads what it made', needs, async () => {
  const origin = await makeArborRepo({ description: 'gpg-program', parent, name: 'gpg-program', files: [{ path: 'big.bin', content: big, unlocked: false }] });
  // A gpg that writes down how it was run, then runs the real one.
  const bin = join(parent, 'gpg-bin');
  mkdirSync(bin);
  const runs = join(parent, 'gpg-runs.log');
  const wrapper = join(bin, 'gpg-logged');
  writeFileSync(wrapper, `#!/bin/sh\necho "$*" >> "${runs}"\nexec gpg "$@"\n`, { mode: 0o755 });
  await git(origin.dir, 'config', 'gpg.program', wrapper);
  const store = join(parent, 'a-logged');
  mkdirSync(store);
  await arbor(origin.dir, 'initremote', 'logged', 'type=directory', `directory=${store}`, 'encryption=shared');
  assert.match(readFileSync(runs, 'utf8'), /--gen-random/, 'the cipher was made with gpg.program');
  await git(origin.dir, 'config', 'remote.logged.annex-gnupg-options', '--cipher-algo AES256  --compress-algo none');
  await git(origin.dir, 'config', 'remote.logged.annex-gnupg-decrypt-options', '--no-auto-key-retrieve');
  await arbor(origin.dir, 'copy', '--to', 'logged', 'big.bin');
  assertOnlyCiphertext(store, big);
  const encrypts = readFileSync(runs, 'utf8').split('\n').filter((l) => l.includes('--symmetric'));
  assert.equal(encrypts.length, 1, readFileSync(runs, 'utf8'));
  assert.match(encrypts[0] ?? '', / --cipher-algo AES256 --compress-algo none --no-symkey-cache /, 'the user\'s options, split on whitespace, before those of this encryption');
  await arbor(origin.dir, 'drop', '--force', 'big.bin');
  await arbor(origin.dir, 'get', '--from', 'logged', 'big.bin');
  assert.equal(sha256(readFileSync(join(origin.dir, 'big.bin'))), sha256(big));
  assert.match(readFileSync(runs, 'utf8').split('\n').find((l) => l.includes('--decrypt')) ?? '', / --no-auto-key-retrieve --no-symkey-cache /);
  // What the user's options made is still what git-annex reads.
  const ga = await cloneWithGitAnnex({ origin: origin.dir, description: 'ga-logged', parent, name: 'ga-logged' });
  await annex(ga.dir, 'enableremote', 'logged', `directory=${store}`);
  await annex(ga.dir, 'get', '-q', '--from', 'logged', 'big.bin');
  assert.equal(sha256(readFileSync(join(ga.dir, 'big.bin'))), sha256(big));
});
