// `git arbor drive add`: preparing the drive repository, and real ext4 and FAT drives used by git-annex afterwards.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DrivePathError, defaultDriveName, prepareDriveRepository, probeSymlinks, sanitizeRemoteName } from '../../src/drives/drive-add.js';
import { arbor } from '../helpers/arbor.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsRoot } from '../helpers/mount.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { ok } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { ext4Drive, fatDrive, needsFat } from './loop-images.js';

const both = { skip: needsRoot.skip || needsGitAnnex.skip };

test('remote names: from the drive label, cleaned up for git', () => {
  assert.equal(sanitizeRemoteName('My Photos 2024'), 'My-Photos-2024');
  assert.equal(sanitizeRemoteName('backup.git'), 'backup');
  assert.equal(sanitizeRemoteName('..weird..name!!'), 'weird.name');
  assert.equal(sanitizeRemoteName('***'), '');
  const usb = { mountPoint: '/media/me/SANDISK 32', device: '8:17', source: '/dev/sdb1', fsType: 'vfat', readOnly: false };
  assert.equal(defaultDriveName('/media/me/SANDISK 32/annex', usb), 'SANDISK-32');
  assert.equal(defaultDriveName('/srv/backup.git', { ...usb, mountPoint: '/' }), 'backup');
  assert.equal(defaultDriveName('/srv/***', undefined), 'drive');
});

test('a new directory gets a bare repository; running again finds it; a non-empty non-repository is refused', async () => {
  const dir = tempDir('arbor-drive-add-');
  assert.equal(await probeSymlinks(dir), true);
  assert.deepEqual(readdirSync(dir), [], 'the symlink probe leaves nothing behind');
  const first = await prepareDriveRepository(join(dir, 'annex'));
  assert.deepEqual({ created: first.created, bare: first.bare, symlinks: first.symlinks }, { created: true, bare: true, symlinks: true });
  assert.equal(await git(first.path, 'rev-parse', '--is-bare-repository'), 'true');
  const again = await prepareDriveRepository(join(dir, 'annex'));
  assert.deepEqual({ created: again.created, bare: again.bare }, { created: false, bare: true });

  const photos = join(dir, 'photos');
  mkdirSync(photos);
  writeFileSync(join(photos, 'holiday.jpg'), 'x');
  await assert.rejects(prepareDriveRepository(photos), (err: unknown) => err instanceof DrivePathError && err.code === 'EDRIVEPATH' && /not empty/.test(err.message));
  assert.deepEqual(readdirSync(photos), ['holiday.jpg'], 'nothing written into a directory that was refused');
  await assert.rejects(prepareDriveRepository(join(photos, 'holiday.jpg')), DrivePathError);

  const worktree = await makeRepo({ parent: dir, name: 'existing' });
  const found = await prepareDriveRepository(worktree);
  assert.deepEqual({ created: found.created, bare: found.bare }, { created: false, bare: false }, 'an existing non-bare repository is kept as it is');
});

/** A repository with one annexed file and one small git file, initialised by arbor. */
async function laptop(): Promise<string> {
  const repo = await makeRepo();
  await arbor(repo, 'init', 'laptop');
  writeFiles(repo, { 'photo.bin': Buffer.alloc(300_000, 7), 'notes.txt': 'hello\n' });
  await arbor(repo, 'add', 'photo.bin', 'notes.txt');
  await git(repo, 'commit', '-q', '-m', 'add');
  return repo;
}

test('drive add refuses a bad --name before writing anything, and names an existing bare repository it joins', async () => {
  const repo = await laptop();
  const dir = tempDir('arbor-drive-cli-');
  const { runArbor } = await import('../helpers/run.js');
  const bad = await runArbor(['drive', 'add', join(dir, 'stick'), '--name', 'bad name'], { cwd: repo });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not a usable remote name/);
  assert.deepEqual(readdirSync(dir), [], 'nothing created on the drive');
  await ok('git', ['init', '-q', '--bare', join(dir, 'stick')]);
  const summary = JSON.parse(await arbor(repo, 'drive', 'add', join(dir, 'stick'), '--json')) as { name: string; created: boolean; description: string };
  assert.deepEqual([summary.name, summary.created, summary.description], ['stick', false, 'stick (removable drive)']);
  assert.equal((await runArbor(['drive', 'remove', 'x'], { cwd: repo })).code, 1);
  const inside = await runArbor(['drive', 'add', join(repo, 'sub')], { cwd: repo });
  assert.match(inside.stderr, /overlaps this repository/);
});

interface Summary {
  name: string;
  path: string;
  uuid: string;
  bare: boolean;
  symlinks: boolean;
  created: boolean;
  cost: number;
  mountPoint?: string;
  sync: { ok: boolean; content?: { sent: number } };
}

test('drive add on an ext4 drive: bare repository named after the drive, cost 110, content sent, git-annex fsck clean', both, async () => {
  const repo = await laptop();
  const drive = ext4Drive({ label: 'BACKUP' });
  const summary = JSON.parse(await arbor(repo, 'drive', 'add', join(drive.mountPoint, 'annex'), '--json')) as Summary;
  assert.equal(summary.name, 'BACKUP');
  assert.equal(summary.mountPoint, drive.mountPoint);
  assert.deepEqual([summary.bare, summary.symlinks, summary.created, summary.sync.ok, summary.sync.content?.sent], [true, true, true, true, 1]);
  assert.equal(await git(repo, 'config', 'remote.BACKUP.annex-cost'), '110');
  assert.equal(await git(repo, 'config', 'remote.BACKUP.annex-uuid'), summary.uuid);
  assert.equal(await git(repo, 'config', 'remote.BACKUP.arbor-drive'), 'true', 'marked as a drive (the status page lists it among the drives)');
  assert.equal(await git(summary.path, 'config', 'annex.uuid'), summary.uuid);
  assert.equal(await git(summary.path, 'config', 'core.fsync'), 'objects,reference', 'git objects pushed to the drive survive a pull-out');
  assert.equal(await git(summary.path, 'rev-parse', 'main'), await git(repo, 'rev-parse', 'HEAD'), 'the drive has our branch');
  const fsck = await ok('git', ['annex', 'fsck'], { cwd: summary.path });
  assert.match(fsck, /photo\.bin|SHA256E-s300000/);
  assert.doesNotMatch(fsck, /failed|bad/i);
  const whereis = await ok('git', ['annex', 'whereis', 'photo.bin'], { cwd: repo });
  assert.match(whereis, /BACKUP \(removable drive\)/);

  // Adding the same drive again changes nothing and keeps the name.
  const again = JSON.parse(await arbor(repo, 'drive', 'add', join(drive.mountPoint, 'annex'), '--json')) as Summary;
  assert.deepEqual([again.name, again.created, again.uuid], ['BACKUP', false, summary.uuid]);
  assert.deepEqual((await git(repo, 'remote')).split('\n'), ['BACKUP']);
});

test('a drive repository created by drive add on vfat is usable by git-annex', { skip: needsFat.skip || needsGitAnnex.skip }, async () => {
  const repo = await laptop();
  const drive = fatDrive({ label: 'USBSTICK' });
  const summary = JSON.parse(await arbor(repo, 'drive', 'add', join(drive.mountPoint, 'annex'), '--json')) as Summary;
  assert.deepEqual([summary.name, summary.bare, summary.symlinks, summary.sync.ok], ['USBSTICK', true, false, true], `on ${drive.kind}`);
  // As git-annex's own init records on a filesystem without symlinks.
  assert.equal(await git(summary.path, 'config', 'annex.crippledfilesystem'), 'true');
  assert.equal(await git(summary.path, 'config', 'core.bare'), 'true');
  const fsck = await ok('git', ['annex', 'fsck'], { cwd: summary.path });
  assert.match(fsck, /SHA256E-s300000\S* \(checksum\.\.\.\) ok/);
  assert.doesNotMatch(fsck, /failed|bad/i);

  // A git-annex clone of the drive gets the content from it and sees every copy.
  const parent = tempDir('arbor-ga-');
  await ok('git', ['clone', '-q', summary.path, 'ga'], { cwd: parent });
  const ga = join(parent, 'ga');
  await ok('git', ['annex', 'init', 'ga'], { cwd: ga });
  await ok('git', ['annex', 'get', 'photo.bin'], { cwd: ga });
  assert.ok(existsSync(join(ga, 'photo.bin')));
  assert.equal((await ok('git', ['annex', 'find', '--in', 'here'], { cwd: ga })).trim(), 'photo.bin');
  const whereis = await ok('git', ['annex', 'whereis', 'photo.bin'], { cwd: ga });
  assert.match(whereis, /laptop/);
  assert.match(whereis, /USBSTICK \(removable drive\)/);
});
