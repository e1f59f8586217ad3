// Tests for inotify limit detection: /proc parsing, watch counting, error classification, and real ENOSPC in a user namespace.
import '../../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../helpers/tmp.js';
import { run } from '../../helpers/run.js';
import { ARBOR_ROOT } from '../../helpers/env.js';
import {
  classifyWatchError,
  countInotifyWatches,
  fitsWatchLimit,
  readInotifyLimits,
  watchLimitReason,
  watchesNeeded,
} from '../../../src/assistant/watch/inotify-limits.js';

const FDINFO = 'pos:\t0\nflags:\t02004000\nmnt_id:\t15\nino:\t1057\ninotify wd:2 ino:5a2 sdev:800001 mask:fce ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:a205000000000000\ninotify wd:1 ino:2 sdev:800001 mask:fce ignored_mask:0 fhandle-bytes:8 fhandle-type:1 f_handle:0200000000000000\n';

test('countInotifyWatches counts the watch lines of an fdinfo file', () => {
  assert.equal(countInotifyWatches(FDINFO), 2);
  assert.equal(countInotifyWatches('pos:\t0\nflags:\t02\n'), 0);
});

test('readInotifyLimits takes the lower of the global and the user-namespace limit and counts only this user\'s watches', async () => {
  const proc = tempDir('arbor-proc-');
  mkdirSync(join(proc, 'sys/fs/inotify'), { recursive: true });
  mkdirSync(join(proc, 'sys/user'), { recursive: true });
  writeFileSync(join(proc, 'sys/fs/inotify/max_user_watches'), '8192\n');
  writeFileSync(join(proc, 'sys/fs/inotify/max_queued_events'), '16384\n');
  writeFileSync(join(proc, 'sys/user/max_inotify_watches'), '500\n');
  const proc1 = join(proc, '100');
  mkdirSync(join(proc1, 'fd'), { recursive: true });
  mkdirSync(join(proc1, 'fdinfo'));
  symlinkSync('anon_inode:inotify', join(proc1, 'fd', '3'));
  writeFileSync(join(proc1, 'fdinfo', '3'), FDINFO);
  symlinkSync('/dev/null', join(proc1, 'fd', '4'));
  writeFileSync(join(proc1, 'fdinfo', '4'), 'inotify wd:9 is not an inotify fd\n');
  const other = join(proc, '200'); // another user's process
  mkdirSync(join(other, 'fd'), { recursive: true });
  mkdirSync(join(other, 'fdinfo'));
  symlinkSync('anon_inode:inotify', join(other, 'fd', '3'));
  writeFileSync(join(other, 'fdinfo', '3'), FDINFO);
  chownSync(other, 4321, 4321);
  const uid = process.getuid?.() ?? 0;
  assert.deepEqual(await readInotifyLimits({ procRoot: proc, uid }), { maxUserWatches: 500, maxQueuedEvents: 16384, inUse: 2 });
  assert.deepEqual(await readInotifyLimits({ procRoot: proc, uid, countInUse: false }), { maxUserWatches: 500, maxQueuedEvents: 16384 });
  assert.equal((await readInotifyLimits({ procRoot: proc, uid, maxProcesses: 1 }))?.inUse, undefined, 'too many processes: not counted');
  assert.equal(await readInotifyLimits({ procRoot: tempDir('arbor-noproc-') }), undefined);
});

test('readInotifyLimits on this machine sees a watch this process holds', { skip: process.platform !== 'linux' && 'Linux only' }, async () => {
  const dir = tempDir('arbor-watched-');
  const w = watch(dir);
  try {
    const limits = await readInotifyLimits();
    assert.ok(limits !== undefined && limits.maxUserWatches > 0);
    assert.ok((limits.inUse ?? 0) >= 1, `inUse=${limits.inUse}`);
  } finally {
    w.close();
  }
});

test('watchesNeeded and fitsWatchLimit: chokidar needs a watch per entry, parcel per directory, with headroom', () => {
  assert.equal(watchesNeeded('chokidar', { files: 100_000, dirs: 1_011 }), 101_011);
  assert.equal(watchesNeeded('parcel', { files: 100_000, dirs: 1_011 }), 1_011);
  const limits = { maxUserWatches: 192_536 };
  assert.equal(fitsWatchLimit(101_011, limits), true);
  assert.equal(fitsWatchLimit(190_000, limits), false, 'leaves 10% for other programs');
  assert.equal(fitsWatchLimit(101_011, { ...limits, inUse: 80_000 }), false);
});

test('classifyWatchError: watch limit and descriptor exhaustion degrade, other errors are only counted', () => {
  const limits = { maxUserWatches: 8192 };
  const enospc = Object.assign(new Error('ENOSPC: System limit for number of file watchers reached, watch \'/x\''), { code: 'ENOSPC' });
  assert.deepEqual(classifyWatchError(enospc, limits), {
    degraded: true,
    reason: 'inotify watch limit reached (fs.inotify.max_user_watches=8192): falling back to periodic rescans',
  });
  const parcel = new Error("inotify_add_watch on '/x/y' failed: No space left on device");
  assert.equal(classifyWatchError(parcel, limits).degraded, true);
  assert.equal(classifyWatchError(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }), limits).degraded, true);
  const eacces = Object.assign(new Error("EACCES: permission denied, watch '/x/private'"), { code: 'EACCES' });
  assert.deepEqual(classifyWatchError(eacces, limits), { degraded: false, reason: "watch error: EACCES: permission denied, watch '/x/private'" });
  assert.match(watchLimitReason(undefined), /max_user_watches=unknown/);
});

/** Why the namespace test cannot run here, or undefined when it can. */
async function userNamespaceUnavailable(): Promise<string | false> {
  if (process.platform !== 'linux') return 'Linux only';
  const r = await run('unshare', ['-r', 'sh', '-c', 'echo 100 > /proc/sys/user/max_inotify_watches']).catch(() => undefined);
  return r?.code === 0 ? false : 'unshare -r cannot lower user.max_inotify_watches here';
}

/** Runs the fixture watcher in a user namespace whose inotify watch limit is `limit`. */
async function watchUnderLimit(opts: { backend: string; root: string; limit: number; probe?: string }): Promise<{
  health: { backend: string; degraded: boolean; errors: number; reason?: string };
  sawProbe?: boolean;
}> {
  const fixture = join(ARBOR_ROOT, 'test/assistant/watch/fixtures/limited-watch.ts');
  const script = `echo ${opts.limit} > /proc/sys/user/max_inotify_watches && exec "$@"`;
  const args = [process.execPath, '--import', 'tsx', fixture, opts.backend, opts.root, ...(opts.probe ? [opts.probe] : [])];
  const r = await run('unshare', ['-r', 'sh', '-c', script, 'sh', ...args], { cwd: ARBOR_ROOT });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '') as Awaited<ReturnType<typeof watchUnderLimit>>;
}

/** 40 directories of 3 files: 161 entries, 41 directories. */
function smallTree(): string {
  const root = tempDir('arbor-limit-');
  for (let d = 0; d < 40; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let f = 0; f < 3; f++) writeFileSync(join(root, `d${d}`, `f${f}`), '');
  }
  return root;
}

test('over the watch limit (lowered in a user namespace) chokidar reports degraded health instead of failing silently', async (t) => {
  const why = await userNamespaceUnavailable();
  if (why) return t.skip(`needs a user namespace (unshare -r): ${why}`);
  const { health } = await watchUnderLimit({ backend: 'chokidar', root: smallTree(), limit: 60 });
  assert.equal(health.degraded, true);
  assert.ok(health.errors > 0);
  assert.equal(health.reason, 'inotify watch limit reached (fs.inotify.max_user_watches=60): falling back to periodic rescans');
});

test('under the same limit parcel fits (one watch per directory) and sees changes; below the directory count it degrades', async (t) => {
  const why = await userNamespaceUnavailable();
  if (why) return t.skip(`needs a user namespace (unshare -r): ${why}`);
  const fits = await watchUnderLimit({ backend: 'parcel', root: smallTree(), limit: 60, probe: 'd39/probe' });
  assert.equal(fits.health.degraded, false);
  assert.equal(fits.sawProbe, true);
  const over = await watchUnderLimit({ backend: 'parcel', root: smallTree(), limit: 20 });
  assert.equal(over.health.degraded, true);
  assert.match(over.health.reason ?? '', /^inotify watch limit reached \(fs\.inotify\.max_user_watches=20\)/);
});
