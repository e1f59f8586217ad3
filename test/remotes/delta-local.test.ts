// Deltas from a drive (a loop-mounted FAT image): a copy that holds an earlier version of a file gets the new one by reading only the changed blocks from the drive, and every object placed verifies.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { annex, annexRun, arbor, parseJsonLines, sha256 } from '../helpers/annex-fixtures.js';
import { git, makeRepo } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';
import { fatDrive, needsFat } from '../drives/loop-images.js';
import { runArbor } from '../helpers/run.js';
import { prng } from '../helpers/prng.js';
import { formatKey, requireKey, type Key } from '../../src/annex/key.js';
import { parsePointer } from '../../src/annex/pointer.js';
import { signatureOf } from '../../src/annex/delta/signature.js';
import { blockListPath, formatBlockList, parseBlockList } from '../../src/remotes/block-lists.js';

const options = { skip: needsGitAnnex.skip || needsFat.skip };
const MiB = 1 << 20;
/** Over the 4 MiB below which objects are always copied whole. */
const SIZE = 8 * MiB;

function random(n: number, seed: number): Buffer {
  const rnd = prng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i + 4 <= n; i += 4) b.writeUInt32LE(Math.floor(rnd() * 4294967296), i);
  return b;
}

let parent: string;
let desktop: string;
let drive: string;
/** A bare repository on the same filesystem as the desktop and laptops. */
let nearby: string;
/** The two versions of each file: `locked.bin` (symlink) gets 256 KiB overwritten in the middle, `unlocked.bin` (pointer file) 4 KiB inserted near the start. */
const v1 = { locked: random(SIZE, 1), unlocked: random(SIZE, 2) };
const v2 = {
  locked: Buffer.concat([v1.locked.subarray(0, SIZE / 2), random(256 << 10, 3), v1.locked.subarray(SIZE / 2 + (256 << 10))]),
  unlocked: Buffer.concat([v1.unlocked.subarray(0, 10_000), random(4096, 4), v1.unlocked.subarray(10_000)]),
};

/** The commit that holds the first versions. */
const FIRST = 'main^{/first versions}';

/** The key `path` points to in HEAD (or `rev`). */
async function keyAt(dir: string, path: string, rev = 'HEAD'): Promise<Key> {
  const key = parsePointer(await git(dir, 'cat-file', 'blob', `${rev}:${path}`));
  assert.ok(key, `${path} is annexed`);
  return key;
}

/** A clone of the desktop that knows the drive, with the first versions got from the drive (whole: nothing to build on). */
async function laptop(name: string, options: { getFirst: boolean }): Promise<string> {
  await git(parent, 'clone', '-q', desktop, name);
  const dir = join(parent, name);
  await arbor(dir, 'init', name);
  await git(dir, 'remote', 'add', 'drive', drive);
  await git(dir, 'remote', 'add', 'nearby', nearby);
  await arbor(dir, 'sync', '--no-push');
  await git(dir, 'checkout', '-q', FIRST);
  if (options.getFirst) await arbor(dir, 'get', '--from', 'drive', '.');
  await git(dir, 'checkout', '-q', 'main');
  return dir;
}

before(async () => {
  if (options.skip) return;
  parent = tempDir('arbor-delta-local-');
  desktop = join(parent, 'desktop');
  await git(parent, 'init', '-q', '-b', 'main', desktop);
  await arbor(desktop, 'init', 'desktop');
  await git(desktop, 'config', 'annex.largefiles', 'anything');
  drive = await makeRepo({ bare: true, parent: fatDrive({ sizeMb: 96 }).mountPoint, name: 'annex.git' });
  await annex(drive, 'init', '-q', 'usb drive');
  await git(desktop, 'remote', 'add', 'drive', drive);
  nearby = await makeRepo({ bare: true, parent, name: 'nearby.git' });
  await annex(nearby, 'init', '-q', 'nearby');
  await git(desktop, 'remote', 'add', 'nearby', nearby);
  const write = async (v: typeof v1, message: string): Promise<void> => {
    rmSync(join(desktop, 'locked.bin'), { force: true });
    writeFileSync(join(desktop, 'locked.bin'), v.locked);
    await arbor(desktop, 'add', 'locked.bin');
    rmSync(join(desktop, 'unlocked.bin'), { force: true });
    writeFileSync(join(desktop, 'unlocked.bin'), v.unlocked);
    await arbor(desktop, 'add', '--unlocked', 'unlocked.bin');
    await git(desktop, 'commit', '-q', '-m', message);
    await arbor(desktop, 'copy', '--to', 'drive', '.');
    await arbor(desktop, 'copy', '--to', 'nearby', '.');
  };
  await write(v1, 'first versions');
  await write(v2, 'second versions');
  await arbor(desktop, 'sync', '--no-pull');
});

test('copy --to a drive keeps block lists for new versions of changed files only; git-annex ignores them there', options, async () => {
  for (const f of ['locked.bin', 'unlocked.bin']) {
    const second = await keyAt(desktop, f);
    const first = await keyAt(desktop, f, FIRST);
    const list = parseBlockList(second, readFileSync(blockListPath(drive, second)));
    assert.ok(list, `${f}: the second version's block list is there and parses`);
    assert.equal(list.size, SIZE + (f === 'unlocked.bin' ? 4096 : 0));
    assert.ok(readFileSync(blockListPath(drive, second)).length < SIZE / 200, 'a block list is small');
    assert.equal(existsSync(blockListPath(drive, first)), false, `${f}: no block list for a first version (nothing could build on it)`);
  }
  assert.equal((await annexRun(drive, 'fsck', '--quiet')).code, 0, 'git annex fsck on the drive is clean');
});

test('get from a drive rebuilds a changed file from the old version here, reading only the changed blocks from the drive', options, async () => {
  const dir = await laptop('laptop', { getFirst: true });
  const r = await runArbor(['get', '--json', '--from', 'drive', '.'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no fallback warning');
  const lines = parseJsonLines(r.stdout);
  for (const f of ['locked.bin', 'unlocked.bin'] as const) {
    const line = lines.find((l) => l.file === f);
    const m = /delta: ([\d.]+) KiB of ([\d.]+) MiB/.exec(String(line?.note));
    assert.ok(m, `${f}: got as a delta (${String(line?.note)})`);
    assert.ok(Number(m[1]) < 1024, `${f}: under 1 MiB of ${SIZE / MiB} MiB read from the drive (${m[1]} KiB)`);
    assert.equal(sha256(readFileSync(join(dir, f))), sha256(f === 'locked.bin' ? v2.locked : v2.unlocked), `${f} holds the second version`);
  }
  assert.equal((await annexRun(dir, 'fsck', '--quiet')).code, 0, 'git annex fsck is clean on the laptop');
  assert.match(await annex(dir, 'whereis', 'locked.bin'), /here/, 'git-annex sees the content here');
});

test('from a repository on the same device the new version is copied whole: reading the old one would cost as much', options, async () => {
  assert.equal(existsSync(blockListPath(nearby, await keyAt(desktop, 'locked.bin'))), false, 'no block list kept there');
  const dir = await laptop('same-device', { getFirst: true });
  const r = await runArbor(['get', '--json', '--from', 'nearby', 'locked.bin'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(parseJsonLines(r.stdout)[0]?.note, 'from nearby...', 'a whole copy');
  assert.equal(sha256(readFileSync(join(dir, 'locked.bin'))), sha256(v2.locked));
});

test('without the old version here the new one is copied whole, without a warning', options, async () => {
  const dir = await laptop('fresh', { getFirst: false });
  const r = await runArbor(['get', '--json', '--from', 'drive', 'locked.bin'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.trim(), '');
  const [line] = parseJsonLines(r.stdout);
  assert.equal(line?.note, 'from drive...', 'a whole copy');
  assert.equal(sha256(readFileSync(join(dir, 'locked.bin'))), sha256(v2.locked));
});

test('a corrupt old version here costs only its damaged blocks more, and the result verifies', options, async () => {
  const dir = await laptop('damaged', { getFirst: true });
  const first = await keyAt(dir, 'locked.bin', FIRST);
  const object = join(dir, await annex(dir, 'contentlocation', formatKey(first)).then((p) => p.trim()));
  chmodSync(object, 0o644);
  const bytes = readFileSync(object);
  // 64 KiB of damage far from the change.
  for (let i = MiB; i < MiB + (64 << 10); i++) bytes[i] = (bytes[i] as number) ^ 0xff;
  writeFileSync(object, bytes);
  const r = await runArbor(['get', '--json', '--from', 'drive', 'locked.bin'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const m = /delta: ([\d.]+) KiB of/.exec(String(parseJsonLines(r.stdout)[0]?.note));
  assert.ok(m, 'still a delta');
  assert.ok(Number(m[1]) > 256 + 64 && Number(m[1]) < 1024, `the change and the damaged blocks came from the drive (${m[1]} KiB)`);
  assert.equal(sha256(readFileSync(join(dir, 'locked.bin'))), sha256(v2.locked));
});

test('a block list that lies is caught by the hash: one warning, the file copied whole, nothing wrong placed', options, async () => {
  const dir = await laptop('lied-to', { getFirst: true });
  const second = await keyAt(dir, 'locked.bin');
  const path = blockListPath(drive, second);
  const real = readFileSync(path);
  try {
    // The first version's blocks under the second version's name: the same size, the wrong content.
    writeFileSync(path, formatBlockList(second, signatureOf(v1.locked)));
    const r = await runArbor(['get', '--from', 'drive', 'locked.bin'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const warnings = r.stderr.trim().split('\n').filter(Boolean);
    assert.equal(warnings.length, 1, r.stderr);
    assert.match(warnings[0] ?? '', /delta of SHA256E-s8388608--\S+ from drive did not verify .*; getting it whole/);
    assert.match(r.stdout, /get locked\.bin \(from drive\.\.\.\) ok/);
    assert.equal(sha256(readFileSync(join(dir, 'locked.bin'))), sha256(v2.locked));
  } finally {
    writeFileSync(path, real);
  }
});

test('a damaged block list file is not used', () => {
  const key = requireKey('SHA256E-s8--0000000000000000000000000000000000000000000000000000000000000000');
  const good = formatBlockList(key, signatureOf(Buffer.from('abcdefgh')));
  assert.ok(parseBlockList(key, good));
  assert.equal(parseBlockList(key, good.subarray(0, good.length - 1)), undefined, 'truncated');
  assert.equal(parseBlockList(requireKey('SHA256E-s8--1111111111111111111111111111111111111111111111111111111111111111'), good), undefined, 'another key');
  assert.equal(parseBlockList(key, formatBlockList(key, signatureOf(Buffer.from('abcdefghi')))), undefined, 'does not add up to the key size');
});
