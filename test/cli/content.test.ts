// add / get / copy / move / drop / whereis / fsck / lock / unlock through the real CLI and real git.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, lstatSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';

const BIG = Buffer.alloc(200_000, 1); // over the 100 kB default threshold
const BINARY = Buffer.from([0, 1, 2, 3, 0, 255, 0]);

async function arbor(cwd: string, ...args: string[]): Promise<string> {
  const r = await runArbor(args, { cwd });
  if (r.code !== 0) throw new Error(`git arbor ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** A initialised repo with a committed big file, a binary file and a small text file, plus a bare remote. */
async function setUp(): Promise<{ a: string; bare: string; parent: string }> {
  const a = await makeRepo({ name: 'a' });
  const parent = join(a, '..');
  const bare = await makeRepo({ bare: true, parent, name: 'bare.git' });
  await arbor(a, 'init', 'repo A');
  writeFiles(a, { 'big.dat': BIG, 'dir/bin.raw': BINARY, 'notes.txt': 'small text\n', '.hidden': Buffer.alloc(200_000, 2) });
  await arbor(a, 'add', '.');
  await git(a, 'commit', '-q', '-m', 'files');
  await git(a, 'remote', 'add', 'bare', bare);
  await git(a, 'push', '-q', 'bare', 'main', 'git-annex');
  return { a, bare, parent };
}

test('add puts large and binary files in the annex as symlinks, small text and dotfiles in git', async () => {
  const { a } = await setUp();
  assert.ok(lstatSync(join(a, 'big.dat')).isSymbolicLink());
  assert.match(readlinkSync(join(a, 'big.dat')), /^\.git\/annex\/objects\/[^/]{2}\/[^/]{2}\/SHA256E-s200000--[0-9a-f]{64}\.dat\/SHA256E-s200000--[0-9a-f]{64}\.dat$/);
  assert.match(readlinkSync(join(a, 'dir/bin.raw')), /^\.\.\/\.git\/annex\/objects\//);
  assert.deepEqual(readFileSync(join(a, 'big.dat')), BIG, 'content readable through the link');
  assert.equal(await git(a, 'cat-file', '-p', 'HEAD:notes.txt'), 'small text');
  assert.ok(lstatSync(join(a, '.hidden')).isFile(), 'dotfile kept in git');
  assert.equal(await git(a, 'status', '--porcelain'), '');
  assert.match(await git(a, 'show', 'git-annex:' + (await git(a, 'ls-tree', '-r', '--name-only', 'git-annex')).split('\n').find((p) => p.endsWith('.dat.log'))), /^\d+(\.\d+)?s 1 [0-9a-f-]{36}$/);
});

test('unlocked add keeps the file editable and stores a pointer in git', async () => {
  const a = await makeRepo();
  await arbor(a, 'init');
  await git(a, 'config', 'annex.addunlocked', 'true');
  writeFiles(a, { 'video.mp4': BIG });
  const out = await arbor(a, 'add', '--json', 'video.mp4');
  assert.equal(JSON.parse(out.trim().split('\n')[0] ?? '').mode, 'unlocked');
  assert.ok(lstatSync(join(a, 'video.mp4')).isFile());
  assert.match(await git(a, 'cat-file', '-p', ':video.mp4'), /^\/annex\/objects\/SHA256E-s200000--[0-9a-f]{64}\.mp4$/);
  await git(a, 'commit', '-q', '-m', 'v');
  assert.equal(await git(a, 'status', '--porcelain', 'video.mp4'), '', 'no spurious modification after commit');
  // Editing and `git add` re-annexes through the filter (the file stays annexed).
  writeFileSync(join(a, 'video.mp4'), Buffer.alloc(150_000, 9));
  await git(a, 'add', 'video.mp4');
  assert.match(await git(a, 'cat-file', '-p', ':video.mp4'), /^\/annex\/objects\/SHA256E-s150000--/);
});

test('copy --to a bare remote, drop, get back: bytes intact and whereis follows', async () => {
  const { a } = await setUp();
  await arbor(a, 'copy', '--to', 'bare', 'big.dat');
  const where = JSON.parse((await arbor(a, 'whereis', '--json', 'big.dat')).trim());
  assert.equal(where.whereis.length, 2);
  assert.ok(where.whereis.some((l: { here: boolean }) => l.here));
  await arbor(a, 'drop', 'big.dat');
  assert.equal(existsSync(join(a, 'big.dat')), false, 'dangling link after drop');
  const whereAfter = JSON.parse((await arbor(a, 'whereis', '--json', 'big.dat')).trim());
  assert.deepEqual(whereAfter.whereis.map((l: { here: boolean }) => l.here), [false]);
  await arbor(a, 'get', 'big.dat');
  assert.deepEqual(readFileSync(join(a, 'big.dat')), BIG);
});

test('drop refuses to remove the last copy, and honours numcopies against verified copies', async () => {
  const { a, bare } = await setUp();
  const r = await runArbor(['drop', 'big.dat'], { cwd: a });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /only 0 of 1 required other copies/);
  assert.deepEqual(readFileSync(join(a, 'big.dat')), BIG, 'content still here');
  await arbor(a, 'copy', '--to', 'bare', 'big.dat');
  await arbor(a, 'numcopies', '2');
  assert.equal((await runArbor(['drop', 'big.dat'], { cwd: a })).code, 1, 'one other copy is not two');
  // A copy that the log claims but that is really gone does not count.
  await arbor(a, 'numcopies', '1');
  const objects = join(bare, 'annex', 'objects');
  for (const d of readdirSync(objects, { recursive: true }) as string[]) chmodSync(join(objects, d), 0o755);
  rmSync(objects, { recursive: true });
  const r2 = await runArbor(['drop', 'big.dat'], { cwd: a });
  assert.equal(r2.code, 1, 'the remote copy was verified, not trusted from the log');
  assert.deepEqual(readFileSync(join(a, 'big.dat')), BIG);
  assert.equal((await runArbor(['drop', '--force', 'big.dat'], { cwd: a })).code, 0, '--force overrides');
});

test('move --to sends content and drops it here; move --from brings it back', async () => {
  const { a, bare } = await setUp();
  await arbor(a, 'move', '--to', 'bare', 'dir/bin.raw');
  assert.equal(existsSync(join(a, 'dir/bin.raw')), false);
  assert.ok(readdirSync(join(bare, 'annex/objects'), { recursive: true }).length > 0);
  await arbor(a, 'move', '--from', 'bare', 'dir/bin.raw');
  assert.deepEqual(readFileSync(join(a, 'dir/bin.raw')), BINARY);
  const where = JSON.parse((await arbor(a, 'whereis', '--json', 'dir/bin.raw')).trim());
  assert.equal(where.whereis.length, 1);
});

test('get from a non-bare clone, with a per-file line and exit 0', async () => {
  const { a, parent } = await setUp();
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  await arbor(b, 'init', 'repo B');
  const out = await arbor(b, 'get', '.');
  assert.match(out, /^get big\.dat \(from origin\.\.\.\) ok$/m);
  assert.deepEqual(readFileSync(join(b, 'big.dat')), BIG);
  assert.deepEqual(readFileSync(join(b, 'dir/bin.raw')), BINARY);
});

test('fsck finds a corrupt object, moves it aside, fixes the log; get never propagates it', async () => {
  const { a, parent } = await setUp();
  const target = join(a, readlinkSync(join(a, 'big.dat')));
  chmodSync(join(target, '..'), 0o755);
  chmodSync(target, 0o644);
  const bad = Buffer.from(BIG);
  bad[100] = 42;
  writeFileSync(target, bad);
  await git(parent, 'clone', '-q', a, 'c');
  const c = join(parent, 'c');
  await arbor(c, 'init');
  const g = await runArbor(['get', 'big.dat'], { cwd: c });
  assert.equal(g.code, 1, 'a corrupt source fails verification');
  assert.equal(existsSync(join(c, 'big.dat')), false, 'nothing corrupt landed');
  const r = await runArbor(['fsck', '--json'], { cwd: a });
  assert.equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  assert.ok(report.findings.some((f: { kind: string; path: string }) => f.kind === 'corrupt' && f.path === 'big.dat'));
  assert.ok(readdirSync(join(a, '.git/annex/bad')).length === 1);
  const where = JSON.parse((await arbor(a, 'whereis', '--json', 'big.dat').catch(() => '{"whereis":[]}')).trim() || '{"whereis":[]}');
  assert.equal(where.whereis.length, 0, 'the corrupt copy no longer counts');
});

test('lock and unlock switch between symlink and editable file without changing content', async () => {
  const { a } = await setUp();
  await arbor(a, 'unlock', 'big.dat');
  assert.ok(lstatSync(join(a, 'big.dat')).isFile());
  assert.deepEqual(readFileSync(join(a, 'big.dat')), BIG);
  assert.match(await git(a, 'cat-file', '-p', ':big.dat'), /^\/annex\/objects\/SHA256E-s200000/);
  assert.equal(await git(a, 'status', '--porcelain'), 'T  big.dat', 'a symlink became a file: a type change');
  await arbor(a, 'lock', 'big.dat');
  assert.ok(lstatSync(join(a, 'big.dat')).isSymbolicLink());
  assert.deepEqual(readFileSync(join(a, 'big.dat')), BIG);
  assert.equal(await git(a, 'status', '--porcelain'), '', 'back to what HEAD has');
  await arbor(a, 'unlock', 'big.dat');
  writeFileSync(join(a, 'big.dat'), 'edited');
  const r = await runArbor(['lock', 'big.dat'], { cwd: a });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has been modified/);
  assert.equal(readFileSync(join(a, 'big.dat'), 'utf8'), 'edited', 'the edit is kept');
});

test('bad input: unknown remote, missing remote path, unannexed file', async () => {
  const { a, parent } = await setUp();
  const r1 = await runArbor(['copy', '--to', 'nosuch', 'big.dat'], { cwd: a });
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /^git-arbor: there is no remote named nosuch$/m);
  await git(a, 'remote', 'add', 'gone', join(parent, 'does-not-exist'));
  const r2 = await runArbor(['copy', '--to', 'gone', 'big.dat'], { cwd: a });
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /remote gone is not available/);
  writeFileSync(join(a, 'untracked.bin'), BINARY);
  const r3 = await runArbor(['get', 'untracked.bin'], { cwd: a });
  assert.equal(r3.code, 1);
  assert.match(r3.stderr, /untracked\.bin is not added to git/);
  const r4 = await runArbor(['get', 'nope'], { cwd: a });
  assert.match(r4.stderr, /nope not found/);
});

test('info --json describes the repository and its remotes', async () => {
  const { a } = await setUp();
  const info = JSON.parse(await arbor(a, 'info', '--json'));
  assert.equal(info.description, 'repo A');
  assert.equal(info.annexVersion, '10');
  assert.equal(info.annexedFiles, 2);
  assert.equal(info.annexedFilesPresent, 2);
  assert.deepEqual(info.remotes.map((r: { name: string }) => r.name), ['bare']);
});
