// Directory special remotes interoperate with git-annex both ways: a remote git-annex created is
// used by arbor, one arbor created is used by git-annex (same remote.log entry, same hashed layout,
// same chunk keys and chunk log); bad initremote input writes nothing; an interrupted chunked
// upload resumes from the first missing chunk.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { annex, arbor, cloneWithArbor, makeGitAnnexRepo, type FixtureRepo } from '../helpers/annex-fixtures.js';
import { mountTmpfs, needsRoot } from '../helpers/mount.js';
import { prng } from '../helpers/prng.js';
import { git, writeFiles } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { filesUnder } from '../helpers/files.js';

/** 300 KiB of reproducible bytes: five 64 KiB chunks (the last one short). */
function bigContent(): Buffer {
  const rnd = prng(14);
  const b = Buffer.alloc(300 * 1024);
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(rnd() * 256);
  return b;
}

/** The SHA256E key git-annex gives `content` with extension `ext`. */
function annexKey(content: Buffer | string, ext: string): string {
  const bytes = Buffer.from(content);
  return `SHA256E-s${bytes.length}--${createHash('sha256').update(bytes).digest('hex')}${ext}`;
}

/** Runs the CLI in this process (no Node start-up per call), capturing its exit code and stderr. */
async function arborInProcess(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const { main } = await import('../../src/cli/main.js');
  let stderr = '';
  const sink = (into: (s: string) => void): Writable => new Writable({ write: (chunk: Buffer, _enc, done) => (into(chunk.toString()), done()) });
  const code = await main(args, { cwd, stdout: sink(() => undefined), stderr: sink((s) => (stderr += s)) });
  return { code, stderr };
}

let parent: string;
let origin: FixtureRepo;
let clone: FixtureRepo;
const big = bigContent();
let bigKey: string;

before(async () => {
  if (needsGitAnnex.skip) return;
  parent = tempDir('arbor-special-');
  origin = await makeGitAnnexRepo({
    description: 'origin',
    parent,
    files: [
      { path: 'a.txt', content: Buffer.from('made by git-annex\n'), unlocked: false },
      { path: 'big.bin', content: big, unlocked: false },
    ],
  });
  bigKey = annexKey(big, '.bin');
  mkdirSync(join(parent, 'ga-store'));
  await annex(origin.dir, 'initremote', 'ga', 'type=directory', `directory=${join(parent, 'ga-store')}`, 'encryption=none');
  await annex(origin.dir, 'copy', '-q', '--to', 'ga', 'a.txt', 'big.bin');
  clone = await cloneWithArbor({ origin: origin.dir, description: 'clone', parent });
});

test('a directory remote git-annex made: arbor enables it, gets from it, copies to it, drops from it, and whereis lists it', needsGitAnnex, async () => {
  const store = join(parent, 'ga-store');
  await arbor(clone.dir, 'enableremote', 'ga', `directory=${store}`);
  assert.match(await arbor(clone.dir, 'whereis', 'a.txt'), /-- ga \[ga\]/);
  await git(clone.dir, 'remote', 'remove', 'origin'); // the special remote is the only source
  await arbor(clone.dir, 'get', 'a.txt', 'big.bin');
  assert.equal(readFileSync(join(clone.dir, 'a.txt'), 'utf8'), 'made by git-annex\n');
  assert.ok(readFileSync(join(clone.dir, 'big.bin')).equals(big));

  writeFiles(clone.dir, { 'c.txt': 'made by arbor\n' });
  await arbor(clone.dir, 'add', 'c.txt');
  await git(clone.dir, 'commit', '-qm', 'c');
  await arbor(clone.dir, 'copy', '--to', 'ga', 'c.txt');
  await arbor(clone.dir, 'drop', '--from', 'ga', 'a.txt');
  const aKey = annexKey('made by git-annex\n', '.txt');
  const files = filesUnder(store).filter((f) => !f.startsWith('tmp/'));
  assert.equal(files.some((f) => f.endsWith(`/${aKey}/${aKey}`)), false, 'a.txt is gone from the remote');
  assert.ok(files.some((f) => /^[0-9a-f]{3}\/[0-9a-f]{3}\/(SHA256E-s14--[0-9a-f]{64}\.txt)\/\1$/.test(f)), `c.txt stored as git-annex lays it out: ${files.join(' ')}`);
  const where = await arbor(clone.dir, 'whereis', 'a.txt', 'c.txt');
  assert.match(where, /whereis c\.txt[^]*-- ga \[ga\]/);
  assert.doesNotMatch(where.slice(0, where.indexOf('whereis c.txt')), /\[ga\]/, 'a.txt is no longer listed on ga');
});

test('a chunked directory remote arbor made: git-annex enables it, gets from it and fscks it', needsGitAnnex, async () => {
  const store = join(parent, 'arbor-store');
  mkdirSync(store);
  await arbor(clone.dir, 'initremote', 'ab', 'type=directory', `directory=${store}`, 'encryption=none', 'chunk=64KiB');
  await arbor(clone.dir, 'copy', '--to', 'ab', 'big.bin', 'a.txt');
  const chunks = filesUnder(store).filter((f) => f.includes('-S65536-C'));
  assert.equal(chunks.length, 5 + 1, `five chunks of big.bin and one of a.txt: ${chunks.join(' ')}`);

  await git(origin.dir, 'fetch', '-q', clone.dir, 'git-annex:refs/remotes/clone/git-annex');
  await annex(origin.dir, 'enableremote', 'ab', `directory=${store}`);
  await annex(origin.dir, 'drop', '-q', '--force', 'big.bin');
  await annex(origin.dir, 'get', '-q', '--from', 'ab', 'big.bin');
  assert.ok(readFileSync(join(origin.dir, 'big.bin')).equals(big));
  const fsck = spawnSync('git', ['annex', 'fsck', '--from', 'ab', 'big.bin', 'a.txt'], { cwd: origin.dir, encoding: 'utf8' });
  assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
  const remoteLog = await git(origin.dir, 'cat-file', '-p', 'git-annex:remote.log');
  assert.match(remoteLog, /^\S+ chunk=64KiB encryption=none name=ab type=directory timestamp=\d+(\.\d+)?s$/m);
});

test('initremote refuses bad input in one line, before writing anything', needsGitAnnex, async () => {
  const store = join(parent, 'unused-store');
  mkdirSync(store);
  const snapshot = async (): Promise<string> =>
    [readFileSync(join(clone.dir, '.git', 'config'), 'utf8'), await git(clone.dir, 'rev-parse', 'git-annex'), readdirSync(join(clone.dir, '.git', 'annex', 'journal')).join(',')].join('\n');
  const before = await snapshot();
  const cases: Array<[string[], RegExp]> = [
    [['x', 'type=nosuch', 'encryption=none'], /unknown type=nosuch/],
    [['x', 'type=directory', 'encryption=none'], /type=directory needs directory=/],
    [['x', 'type=directory', `directory=${store}`, 'encryption=rot13'], /unknown encryption=rot13/],
    [['x', 'type=directory', `directory=${store}`, 'encryption=shared', 'cipher=AAAA'], /cipher= is made by initremote, not given/],
    [['x', 'type=directory', `directory=${store}`, 'encryption=shared', 'mac=MD5'], /unknown mac=MD5/],
    [['x', 'type=directory', `directory=${store}`, 'encryption=none', 'chunk=lots'], /chunk=lots is not a size/],
    [['x', 'type=directory', `directory=${store}`, 'encryption=none', 'password=hunter2'], /does not take password=/],
    [['ga', 'type=directory', `directory=${store}`, 'encryption=none'], /already a remote named ga/],
  ];
  for (const [args, message] of cases) {
    const r = await arborInProcess(clone.dir, ['initremote', ...args]);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(await snapshot(), before);
  assert.equal(readdirSync(store).length, 0);
});

test('an interrupted chunked upload (disk full) resumes from the first missing chunk', { skip: needsGitAnnex.skip || needsRoot.skip }, async () => {
  const store = mountTmpfs('160k');
  await arbor(clone.dir, 'initremote', 'small', 'type=directory', `directory=${store}`, 'encryption=none', 'chunk=64KiB');
  const failed = await runArbor(['copy', '--to', 'small', 'big.bin'], { cwd: clone.dir });
  assert.notEqual(failed.code, 0);
  const stored = filesUnder(store).filter((f) => !f.startsWith('tmp/'));
  assert.ok(stored.length >= 1 && stored.length < 5, `some chunks made it before the disk filled: ${stored.join(' ')}`);
  const first = join(store, stored.find((f) => f.includes('-C1--')) ?? '');
  const firstStat = statSync(first);

  assert.equal(spawnSync('mount', ['-o', 'remount,size=2m', store]).status, 0);
  await arbor(clone.dir, 'copy', '--to', 'small', 'big.bin');
  const after = statSync(first);
  assert.equal(after.ino, firstStat.ino, 'chunk 1 was not sent again');
  assert.equal(after.mtimeMs, firstStat.mtimeMs, 'chunk 1 was not sent again');
  const digest = bigKey.split('--')[1] ?? '';
  const chunks = filesUnder(store).filter((f) => f.includes('-S65536-C') && f.endsWith(digest));
  assert.equal(chunks.length, 5);
  // The chunks in order are the file (the layout is git-annex's, as the test above shows).
  const inOrder = [1, 2, 3, 4, 5].map((n) => readFileSync(join(store, chunks.find((f) => f.includes(`-C${n}--`)) ?? '')));
  assert.ok(Buffer.concat(inOrder).equals(big));
  assert.equal(existsSync(join(store, 'tmp')) ? readdirSync(join(store, 'tmp')).length : 0, 0, 'no partial chunk left behind');
  assert.match(await arbor(clone.dir, 'whereis', 'big.bin'), /-- small \[small\]/);
});
