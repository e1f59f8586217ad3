// The drive watcher: with a scripted mount table on real repositories, and end to end with real assistants and loop-mounted drives.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AssistantContext } from '../../src/assistant/context.js';
import { createDriveWatcher } from '../../src/assistant/workers/drive-watcher.js';
import type { Mount, MountSource } from '../../src/drives/mount-source.js';
import type { DriveNotice } from '../../src/drives/notify.js';
import { arbor } from '../helpers/arbor.js';
import { assistantContext, signalled } from '../helpers/assistant-context.js';
import { configureFastAssistant, daemonRemotes, daemonStatus, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { needsRoot } from '../helpers/mount.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { ok, runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { ext4Drive, yank, type Drive } from '../drives/loop-images.js';

// ---------------------------------------------------------------------------------------------
// The worker alone: real repositories, a mount table the test scripts, channels inspected.

const rootMount: Mount = { mountPoint: '/', device: '254:0', source: '/dev/vda', fsType: 'ext4', readOnly: false };

interface Harness {
  readonly ctx: AssistantContext;
  readonly table: Mount[];
  readonly notices: DriveNotice[];
  readonly logs: Array<{ level: number; msg: string }>;
  /** How many times the watcher has read the mount table so far. */
  listings(): number;
  stop(): Promise<void>;
}

/** Runs the drive watcher on `repo` with a scripted mount table (polled every 20 ms). */
async function harness(repo: string): Promise<Harness> {
  const { ctx, logs, close } = await assistantContext(repo);
  const table: Mount[] = [rootMount];
  let listings = 0;
  const source: MountSource = {
    name: 'scripted',
    list: async () => {
      listings++;
      return [...table];
    },
  };
  const notices: DriveNotice[] = [];
  const worker = createDriveWatcher({ source, intervalMs: 20, followMs: 20, notify: (n) => void notices.push(n), loadModule: async () => ({}) });
  const controller = new AbortController();
  const running = worker.run(ctx, controller.signal);
  await eventually('the watcher took its baseline', () => listings > 0);
  return {
    ctx,
    table,
    notices,
    logs,
    listings: () => listings,
    stop: async () => {
      controller.abort();
      await running;
      await close();
    },
  };
}

/** A fake drive: a directory standing for a mount point (the table says it is mounted). */
function fakeDrive(label: string): { dir: string; mount: Mount } {
  const dir = join(tempDir('arbor-fake-drive-'), label);
  return { dir, mount: { mountPoint: dir, device: '8:17', source: '/dev/sdz1', fsType: 'ext4', readOnly: false } };
}

/** A repository with one committed file, and a drive repository added with `drive add`. */
async function repoWithDrive(label: string): Promise<{ repo: string; drive: { dir: string; mount: Mount }; uuid: string }> {
  const repo = await makeRepo();
  await arbor(repo, 'init', 'laptop');
  writeFiles(repo, { 'a.txt': 'a\n' });
  await git(repo, 'add', 'a.txt');
  await git(repo, 'commit', '-q', '-m', 'a');
  const drive = fakeDrive(label);
  const summary = JSON.parse(await arbor(repo, 'drive', 'add', join(drive.dir, 'annex'), '--name', label, '--json')) as { uuid: string };
  return { repo, drive, uuid: summary.uuid };
}

function commitsSignalled(ctx: AssistantContext): Promise<boolean> {
  return signalled(ctx.commits);
}

test('a mount holding our drive asks for fetch+merge, push and content, clears its back-off, and says when it is done', async () => {
  const { repo, drive } = await repoWithDrive('STICK');
  const h = await harness(repo);
  try {
    h.ctx.failedPushes.set('STICK', { since: 1, attempts: 5, nextTry: Date.now() + 3600_000 });
    h.ctx.failedPushes.set('other', { since: 1, attempts: 1, nextTry: 0 });
    h.table.push(drive.mount);
    await eventually('a sync with STICK is asked for', () => h.ctx.remotesChanged.size > 0);
    assert.deepEqual(h.ctx.remotesChanged.drain(), ['STICK']);
    assert.deepEqual(h.ctx.transfers.drain(), ['']);
    assert.ok(await commitsSignalled(h.ctx), 'the pusher is woken');
    assert.equal(h.ctx.failedPushes.get('STICK'), undefined, 'no waiting out the back-off');
    assert.ok(h.ctx.failedPushes.get('other'), 'other remotes keep theirs');
    assert.match(h.notices[0]?.body ?? '', /plugged in at .*STICK: syncing/);
    // The pusher reports a successful push and nothing else is queued: the sync is over.
    h.ctx.status.update(() => void (h.ctx.status.remote('STICK').lastSync = Date.now() + 1));
    await eventually('the end of the drive sync is announced', () => h.notices.length === 2);
    assert.match(h.notices[1]?.body ?? '', /^synced/);
  } finally {
    await h.stop();
  }
});

test('another repository at the same path (another drive) is not synced with', async () => {
  const { repo, drive } = await repoWithDrive('STICK');
  // The "other drive": same mount point, same directory name, another repository.
  rmSync(join(drive.dir, 'annex'), { recursive: true });
  const other = await makeRepo({ bare: true, parent: drive.dir, name: 'annex' });
  await arbor(other, 'init', 'somebody else');
  const refsBefore = await git(other, 'show-ref');
  const h = await harness(repo);
  try {
    h.table.push({ ...drive.mount, device: '8:33', source: '/dev/sdy1' });
    await eventually('the watcher saw the mount', () => h.logs.some((l) => /not syncing with it/.test(l.msg)));
    assert.equal(h.ctx.remotesChanged.size, 0);
    assert.equal(h.ctx.transfers.size, 0);
    assert.equal(await commitsSignalled(h.ctx), false);
    assert.deepEqual(h.notices, []);
    assert.equal(await git(other, 'show-ref'), refsBefore, 'nothing was pushed to the other drive');
  } finally {
    await h.stop();
  }
});

test('a known repository at the root of a drive mounted elsewhere is found: its remote url follows it', async () => {
  const { repo, drive, uuid } = await repoWithDrive('STICK');
  const elsewhere = fakeDrive('STICK-on-another-machine');
  // Same drive, mounted at another path: move the repository there.
  const { renameSync, mkdirSync } = await import('node:fs');
  mkdirSync(elsewhere.dir, { recursive: true });
  renameSync(join(drive.dir, 'annex'), join(elsewhere.dir, 'annex'));
  const h = await harness(repo);
  try {
    h.table.push(elsewhere.mount);
    await eventually('a sync with STICK is asked for', () => h.ctx.remotesChanged.size > 0);
    assert.deepEqual(h.ctx.remotesChanged.drain(), ['STICK']);
    assert.equal(await git(repo, 'config', 'remote.STICK.url'), join(elsewhere.dir, 'annex'));
    assert.equal(await git(repo, 'config', 'remote.STICK.annex-uuid'), uuid);
  } finally {
    await h.stop();
  }
});

test('a peer\'s drive, known only from the git-annex branch, is added as a remote and synced', async () => {
  const { repo, drive, uuid } = await repoWithDrive('PEERSTICK');
  await git(repo, 'remote', 'remove', 'PEERSTICK'); // we know its uuid from uuid.log, no remote
  const h = await harness(repo);
  try {
    h.table.push(drive.mount);
    await eventually('a sync with the new remote is asked for', () => h.ctx.remotesChanged.size > 0);
    assert.deepEqual(h.ctx.remotesChanged.drain(), ['PEERSTICK']);
    assert.equal(await git(repo, 'config', 'remote.PEERSTICK.url'), join(drive.dir, 'annex'));
    assert.equal(await git(repo, 'config', 'remote.PEERSTICK.annex-uuid'), uuid);
    assert.equal(await git(repo, 'config', 'remote.PEERSTICK.annex-cost'), '110');
  } finally {
    await h.stop();
  }
});

test('unmounting is one log line, no warning, and nothing is asked of the other workers', async () => {
  const { repo, drive } = await repoWithDrive('STICK');
  const h = await harness(repo);
  try {
    h.table.push(drive.mount);
    await eventually('mounted', () => h.ctx.remotesChanged.size > 0);
    h.ctx.remotesChanged.drain();
    h.ctx.transfers.drain();
    await commitsSignalled(h.ctx);
    h.table.pop();
    await eventually('the removal is noted', () => h.notices.length >= 2 || h.logs.some((l) => /removed/.test(l.msg)));
    const seen = h.listings();
    await eventually('five more polls of the mount table', () => h.listings() >= seen + 5); // still quiet after them
    const about = h.logs.filter((l) => /STICK/.test(l.msg));
    assert.ok(about.length <= 1, JSON.stringify(about));
    assert.match(h.notices.at(-1)?.body ?? '', /removed before its sync finished/);
    assert.equal(h.ctx.remotesChanged.size + h.ctx.transfers.size, 0);
    assert.equal(h.ctx.failedPushes.size, 0);
  } finally {
    await h.stop();
  }
});

// ---------------------------------------------------------------------------------------------
// End to end: real assistants, real loop-mounted ext4 drives (root only; CI runs as root).

const e2e = { skip: needsRoot.skip || needsGitAnnex.skip };

/** Lines of the daemon log (JSON records), parsed. */
function daemonLog(repo: string): Array<{ level: number; msg: string; worker?: string }> {
  const file = join(repo, '.git/annex/arbor/daemon.log');
  if (!existsSync(file)) return [];
  const records: Array<{ level: number; msg: string; worker?: string }> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue; // stray stderr lines (node warnings) land here too
    try {
      records.push(JSON.parse(line) as { level: number; msg: string; worker?: string });
    } catch {
      // a record being written right now
    }
  }
  return records;
}

/** Whether the drive repository holds the content of `key`. */
function driveHasKey(driveRepo: string, key: string): boolean {
  const walk = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? (e.name === key && existsSync(join(dir, e.name, key))) || walk(join(dir, e.name)) : false));
  return existsSync(join(driveRepo, 'annex/objects')) && walk(join(driveRepo, 'annex/objects'));
}

async function keyOf(repo: string, file: string): Promise<string> {
  return (await ok('git', ['annex', 'lookupkey', file], { cwd: repo })).trim();
}

/** A laptop repository with a drive set up by `drive add`, then unplugged. */
async function laptopWithUnpluggedDrive(sizeMb = 64): Promise<{ repo: string; drive: Drive; driveRepo: string }> {
  const repo = await makeRepo();
  await arbor(repo, 'init', 'laptop');
  writeFiles(repo, { 'first.txt': 'first\n' });
  await git(repo, 'add', '-A'); // .gitattributes too: the assistant starts with nothing to commit
  await git(repo, 'commit', '-q', '-m', 'first');
  const drive = ext4Drive({ label: 'BACKUP', sizeMb });
  const driveRepo = join(drive.mountPoint, 'annex');
  await arbor(repo, 'drive', 'add', driveRepo);
  drive.unmount();
  await configureFastAssistant(repo);
  // Scheduled fetches and push retries stay at their defaults (every 15 and 30 min), as users have
  // them: what happens here is the drive watcher's doing, and the log is what a user would see.
  await git(repo, 'config', '--unset', 'arbor.assistant.fetch');
  await git(repo, 'config', '--unset', 'arbor.assistant.retry');
  return { repo, drive, driveRepo };
}

test('plugging in the drive syncs git and content with no user action; pulling it out is quiet and deletes nothing', e2e, async () => {
  const { repo, drive, driveRepo } = await laptopWithUnpluggedDrive();
  await startAssistant(repo);
  try {
    writeFiles(repo, { 'photo.bin': Buffer.alloc(250_000, 3) });
    await eventually('photo.bin committed', async () => (await git(repo, 'ls-files', 'photo.bin')) === 'photo.bin', { logOf: repo });
    const key = await keyOf(repo, 'photo.bin');
    await eventually('the drive watcher has its baseline', () => daemonLog(repo).some((l) => /watching for drives/.test(l.msg)), { logOf: repo });
    drive.mount();
    await eventually('the drive has our branch with photo.bin', async () => (await git(driveRepo, 'ls-tree', '--name-only', 'main', 'photo.bin').catch(() => '')) === 'photo.bin', { logOf: repo });
    await eventually('the drive has photo.bin\'s content', () => driveHasKey(driveRepo, key), { logOf: repo });
    await eventually('the drive sync is reported finished', () => daemonLog(repo).some((l) => /Drive BACKUP: synced/.test(l.msg)), { logOf: repo });
    assert.ok(daemonLog(repo).some((l) => /Drive BACKUP: plugged in .*syncing/.test(l.msg)));

    // Pull it out while the assistant runs, and keep working.
    const before = daemonLog(repo).length;
    drive.unmount();
    await eventually('the removal is noticed', () => daemonLog(repo).slice(before).some((l) => /removed/.test(l.msg)), { logOf: repo });
    writeFiles(repo, { 'later.txt': 'written while the drive is away\n' });
    await eventually('later.txt committed', async () => (await git(repo, 'ls-files', 'later.txt')) === 'later.txt', { logOf: repo });
    // From the moment its removal is noted the drive is away: the pusher's round after that
    // commit, the retrier and the scheduled fetches leave it alone. Before that (the mount table is
    // polled), a fetch may find it gone: the remote goes unreachable with one warning. The
    // transferrer may say once that content waits for it. Nothing warns twice, nothing per tick.
    await eventually('status shows the drive away', async () => (await daemonRemotes(repo)).BACKUP?.state === 'away', { logOf: repo });
    assert.equal(JSON.parse((await runArbor(['status', '--json'], { cwd: repo })).stdout).remotes.BACKUP?.state, 'away', 'status --json says so');
    writeFiles(repo, { 'later2.txt': 'also written while the drive is away\n' });
    await eventually('later2.txt committed', async () => (await git(repo, 'ls-files', 'later2.txt')) === 'later2.txt', { logOf: repo });
    const problems = daemonLog(repo).slice(before).filter((l) => l.level >= 40).map((l) => l.msg);
    assert.equal(new Set(problems).size, problems.length, `no warning repeats:\n${problems.join('\n')}`);
    assert.ok(problems.filter((m) => /will retry in/.test(m)).length <= 1, problems.join('\n'));
    assert.deepEqual(problems.filter((m) => /(push to|fetch from) BACKUP failed/.test(m)), [], 'no per-try push or fetch warnings');
    assert.ok(existsSync(join(repo, 'photo.bin')) && existsSync(join(repo, 'first.txt')), 'nothing deleted in the work tree');
    const whereis = await ok('git', ['annex', 'whereis', 'photo.bin'], { cwd: repo });
    assert.match(whereis, /BACKUP/, 'the drive still counts as holding a copy');

    // Plug it in again: what was written meanwhile arrives.
    drive.mount();
    await eventually('the drive gets later.txt', async () => (await git(driveRepo, 'ls-tree', '--name-only', 'main', 'later.txt').catch(() => '')) === 'later.txt', { logOf: repo });
  } finally {
    await stopAssistant(repo);
  }
  const fsck = await ok('git', ['annex', 'fsck'], { cwd: driveRepo });
  assert.doesNotMatch(fsck, /failed|bad/i);
});

test('a different drive mounted at the same path is not synced with', e2e, async () => {
  const { repo, drive, driveRepo } = await laptopWithUnpluggedDrive();
  const stranger = ext4Drive({ mountPoint: drive.mountPoint, label: 'BACKUP' });
  const theirs = await makeRepo({ bare: true, parent: drive.mountPoint, name: 'annex' });
  await arbor(theirs, 'init', 'somebody else\'s drive');
  const refsBefore = await git(theirs, 'show-ref');
  stranger.unmount();
  await startAssistant(repo);
  try {
    await eventually('the drive watcher has its baseline', () => daemonLog(repo).some((l) => /watching for drives/.test(l.msg)), { logOf: repo });
    stranger.mount();
    await eventually('the stranger is recognised and refused', () => daemonLog(repo).some((l) => /not syncing with it/.test(l.msg)), { logOf: repo });
    assert.equal(await git(theirs, 'show-ref'), refsBefore, 'nothing pushed to the other drive');
    assert.ok(!existsSync(join(theirs, 'annex/objects')) || readdirSync(join(theirs, 'annex/objects')).length === 0, 'no content sent to it');
    assert.equal(await git(repo, 'config', 'remote.BACKUP.url'), driveRepo);
  } finally {
    stranger.unmount();
    await stopAssistant(repo);
  }
});

test('while a different drive sits at the path, later commits are not pushed to it either', {
  ...e2e,
}, async () => {
  const { repo, drive } = await laptopWithUnpluggedDrive();
  const stranger = ext4Drive({ mountPoint: drive.mountPoint, label: 'BACKUP' });
  const theirs = await makeRepo({ bare: true, parent: drive.mountPoint, name: 'annex' });
  await arbor(theirs, 'init', 'somebody else\'s drive');
  const refsBefore = await git(theirs, 'show-ref');
  await startAssistant(repo);
  try {
    await eventually('the drive watcher has its baseline', () => daemonLog(repo).some((l) => /watching for drives/.test(l.msg)), { logOf: repo });
    writeFiles(repo, { 'diary.txt': 'private\n' });
    await eventually('diary.txt committed and a push round done', async () => (await git(repo, 'ls-files', 'diary.txt')) === 'diary.txt' && daemonLog(repo).some((l) => /committed/.test(l.msg)), { logOf: repo });
    // The pusher's round after the commit has dealt with BACKUP: refused it (another repository at
    // its path), or skipped it as away.
    await eventually('the push round after the commit has judged BACKUP', async () => {
      const s = await daemonStatus(repo);
      const commitAt: number | undefined = s.lastCommit?.time;
      const backup = s.remotes.BACKUP;
      return commitAt !== undefined && (backup?.state === 'away' || (backup?.lastFailure?.time ?? 0) >= commitAt);
    }, { logOf: repo });
    assert.equal(await git(theirs, 'show-ref'), refsBefore, 'nothing pushed to the other drive');
  } finally {
    stranger.unmount();
    await stopAssistant(repo);
  }
});

test('a drive pulled out in the middle of a large transfer gets it at the next plug-in; git annex fsck there is clean', e2e, async () => {
  const { repo, drive, driveRepo } = await laptopWithUnpluggedDrive(400);
  writeFileSync(join(repo, 'movie.bin'), Buffer.alloc(200 * 1024 * 1024, 'movie'));
  await arbor(repo, 'add', 'movie.bin');
  await git(repo, 'commit', '-q', '-m', 'movie');
  const key = await keyOf(repo, 'movie.bin');
  await startAssistant(repo);
  try {
    await eventually('the drive watcher has its baseline', () => daemonLog(repo).some((l) => /watching for drives/.test(l.msg)), { logOf: repo });
    drive.mount();
    const tmp = join(driveRepo, 'annex/tmp');
    // The partial file appears when the copy starts (a 200 MB copy with verification takes seconds).
    await eventually('the copy to the drive is under way', () => existsSync(tmp) && readdirSync(tmp).length > 0, { logOf: repo, timeoutMs: 120_000 });
    assert.equal(driveHasKey(driveRepo, key), false, 'caught while copying');
    yank(drive); // the cable is pulled: every write fails from now on
    drive.unmount();
    // The watcher reads the mount table every 2 s; the transferrer, retrying the drive every second,
    // may start the copy first, and a plug-in as short as this one may never be seen. When it was
    // seen, wait until the removal is too, so that the next mount is a new plug-in.
    await eventually('the removal is noticed, if the plug-in was', () => {
      const log = daemonLog(repo);
      return !log.some((l) => /plugged in/.test(l.msg)) || log.some((l) => /removed/.test(l.msg));
    }, { logOf: repo });
    drive.mount();
    assert.equal(driveHasKey(driveRepo, key), false, 'no partial object at its final path after the yank');
    await eventually('the transfer completes after the re-plug', () => driveHasKey(driveRepo, key), { logOf: repo, timeoutMs: 180_000 });
  } finally {
    await stopAssistant(repo);
  }
  const fsck = await ok('git', ['annex', 'fsck'], { cwd: driveRepo });
  assert.match(fsck, /movie\.bin|SHA256E-s209715200/);
  assert.doesNotMatch(fsck, /failed|bad/i);
  await ok('git', ['fsck', '--no-progress'], { cwd: driveRepo });
});
