// The one-line verdict at the top of the status page and in `status --json`: each state from the snapshot that leads to it.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictOf } from '../../src/assistant/status-report.js';
import type { StatusSnapshot } from '../../src/assistant/daemon-status.js';

const T0 = 1_800_000_000_000;

function snapshot(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    pid: 1, startedAt: T0, updatedAt: T0, scanning: false, pendingChanges: 0, remotes: {}, transfers: { running: [], queued: 0 },
    watcher: { backend: 'chokidar', degraded: false }, workers: {}, problems: [], ready: true, stopping: false, ...over,
  };
}

const running = (s: StatusSnapshot): { running: boolean; status: StatusSnapshot } => ({ running: true, status: s });
const transfer = { file: 'big.iso', key: 'SHA256E-s9--k.iso', remote: 'nas', direction: 'upload' as const, done: 1, total: 9 };

test('nothing pending and nothing wrong: in sync', () => {
  assert.deepEqual(verdictOf(running(snapshot()), false, T0), { state: 'in-sync', title: 'in sync' });
});

test('changes, running and queued transfers are counted together as pending; a scan in progress is pending too', () => {
  const v = verdictOf(running(snapshot({ pendingChanges: 2, transfers: { running: [transfer], queued: 3 } })), false, T0);
  assert.deepEqual(v, { state: 'pending', title: '6 changes pending', count: 6 });
  assert.equal(verdictOf(running(snapshot({ pendingChanges: 1 })), false, T0).title, '1 change pending');
  assert.deepEqual(verdictOf(running(snapshot({ scanning: true })), false, T0), { state: 'pending', title: 'scanning the work tree', count: 0 });
});

test('a failed scan of the work tree is never "in sync", even with nothing counted as pending', () => {
  const v = verdictOf(running(snapshot({ scanError: "Unable to create '.git/index.lock': File exists." })), false, T0);
  assert.equal(v.state, 'pending');
  assert.match(v.title, /scan of the work tree failed/);
  assert.equal(v.reason, "Unable to create '.git/index.lock': File exists.");
});

test('a problem blocks: the oldest one is the reason, with what to do and how many more there are', () => {
  const problems = [
    { id: 'stall:push:nas', message: 'the commit of 14:02 has not reached nas: push to nas failed: pre-receive hook declined', since: T0 },
    { id: 'remote:usb', message: 'usb unreachable', since: T0 + 1 },
  ];
  const v = verdictOf(running(snapshot({ pendingChanges: 4, problems })), false, T0);
  assert.equal(v.state, 'blocked');
  assert.equal(v.title, 'blocked (and 1 more)');
  assert.equal(v.reason, problems[0]?.message);
  assert.match(v.action ?? '', /keeps trying/);
  assert.equal(v.count, 2);
  const one = verdictOf(running(snapshot({ problems: [{ id: 'settings:arbor.assistant.quietms', message: 'arbor.assistant.quietms=abc is not a number', since: T0 }] })), false, T0);
  assert.equal(one.title, 'blocked');
  assert.match(one.action ?? '', /git config/);
});

test('paused transfers with work waiting block, and say to resume; paused with nothing waiting is in sync', () => {
  const v = verdictOf(running(snapshot({ transfers: { running: [{ ...transfer, held: true }], queued: 1 } })), true, T0);
  assert.deepEqual(v, { state: 'blocked', title: 'transfers paused', reason: '2 transfer(s) wait while transfers are paused', action: 'resume transfers', count: 2 });
  assert.equal(verdictOf(running(snapshot()), true, T0).state, 'in-sync');
});

test('not running: stopped, with the reason the last run ended and how to start it', () => {
  const crashed = snapshot({ exit: { time: T0, clean: false, reason: 'the committer failed 5 times: EROFS' } });
  const v = verdictOf({ running: false, status: crashed }, false, T0 + 60_000);
  assert.equal(v.state, 'stopped');
  assert.match(v.reason ?? '', /the committer failed 5 times: EROFS/);
  assert.equal(v.action, 'start it with: git arbor assistant');
  assert.equal(verdictOf({ running: false }, false, T0).state, 'stopped');
});
