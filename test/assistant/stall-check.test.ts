// The watchdog's judgement on status snapshots: what has waited too long is named with its reason, and busy but healthy work is not.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findStalls, type StallMemory } from '../../src/assistant/stall-check.js';
import type { StatusSnapshot } from '../../src/assistant/daemon-status.js';

const MIN = 60_000;
const T0 = 1_800_000_000_000;
const LIMIT = 10 * MIN;
const fmt = (t: number): string => `T+${(t - T0) / MIN}m`;

function snapshot(over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    pid: 1, startedAt: T0, updatedAt: T0, scanning: false, pendingChanges: 0, remotes: {}, transfers: { running: [], queued: 0 },
    watcher: { backend: 'chokidar', degraded: false }, workers: {}, problems: [], ready: true, stopping: false, ...over,
  };
}

/** Looks at the snapshots in turn at the given minutes, carrying the memory; returns the last look's stalls. */
function lookAt(looks: Array<[minute: number, s: StatusSnapshot]>, paused = false): string[] {
  let memory: StallMemory = {};
  let last: string[] = [];
  for (const [minute, s] of looks) {
    const r = findStalls({ snapshot: s, now: T0 + minute * MIN, limitMs: LIMIT, transfersPaused: paused, memory, format: fmt });
    memory = r.memory;
    last = r.stalls.map((x) => `${x.id} | ${x.message}`);
  }
  return last;
}

test('changes that wait with no commit made are reported after the limit, with the committer\'s reason', () => {
  const stuck = snapshot({ pendingChanges: 3, couldNotAdd: [{ path: 'a', reason: 'a: permission denied', attempts: 2, nextTry: T0 }] });
  assert.deepEqual(lookAt([[0, stuck], [5, stuck]]), [], 'not yet: 5 minutes of a 10-minute limit');
  assert.deepEqual(lookAt([[0, stuck], [5, stuck], [11, stuck]]), ['stall:commit | changes waiting to be committed since T+0m: a: permission denied']);
});

test('a whole-tree scan that keeps failing is a stall even when it could not count what it owes', () => {
  const failing = snapshot({ pendingChanges: 0, scanError: 'index.lock: File exists' });
  assert.deepEqual(lookAt([[0, failing], [11, failing]]), ['stall:commit | changes waiting to be committed since T+0m: index.lock: File exists']);
});

test('a steady stream of changes that keeps being committed is not a stall', () => {
  const looks: Array<[number, StatusSnapshot]> = [];
  for (let m = 0; m <= 30; m += 2) looks.push([m, snapshot({ pendingChanges: 5, lastCommit: { time: T0 + (m - 1) * MIN, sha: 'x', files: 5 } })]);
  assert.deepEqual(lookAt(looks), []);
});

test('a commit that has not reached a remote which answers is reported with the push error; unreachable and away remotes are reported as such, not as push stalls', () => {
  const commit = { time: T0, sha: 'abc', files: 1 };
  const s = snapshot({
    lastCommit: commit,
    remotes: {
      hub: { attempts: 2, state: 'reachable', lastSync: T0 - MIN, lastFailure: { time: T0 + MIN, error: 'push to hub failed: pre-receive hook declined' } },
      ok: { attempts: 0, state: 'reachable', lastSync: T0 + MIN },
      nas: { attempts: 3, state: 'unreachable', unreachableSince: T0 - 2 * MIN, reason: 'no answer for 60 s (stalled)', lastSync: T0 - 5 * MIN },
      usb: { attempts: 0, state: 'away', unreachableSince: T0 - 60 * MIN, lastSync: T0 - 60 * MIN },
      fetchonly: { attempts: 0, state: 'reachable' },
    },
  });
  assert.deepEqual(lookAt([[5, s]]), []);
  assert.deepEqual(lookAt([[11, s]]), [
    'stall:push:hub | the commit of T+0m has not reached hub: push to hub failed: pre-receive hook declined',
    'stall:remote:nas | nas unreachable since T-2m (no answer for 60 s (stalled)); changes wait for it'.replace('T-2m', fmt(T0 - 2 * MIN)),
  ]);
});

test('queued transfers with none running are reported after three times the limit, unless the user paused them', () => {
  const waiting = snapshot({ transfers: { running: [], queued: 4 } });
  assert.deepEqual(lookAt([[0, waiting], [25, waiting]]), []);
  assert.deepEqual(lookAt([[0, waiting], [25, waiting], [31, waiting]]), ['stall:transfers | content transfers queued since T+0m and none running']);
  assert.deepEqual(lookAt([[0, waiting], [31, waiting]], true), [], 'paused by the user: waiting is what was asked for');
  const moving = snapshot({ transfers: { running: [{ file: 'f', key: 'k', remote: 'r', direction: 'upload', done: 1, total: 2 }], queued: 4 } });
  assert.deepEqual(lookAt([[0, waiting], [20, moving], [31, waiting]]), [], 'a transfer ran in between: the wait began again');
});

test('a running transfer whose byte count stops moving is reported after the limit; one that moves, or is held by a pause, is not', () => {
  const running = (done: number, held = false): StatusSnapshot =>
    snapshot({ transfers: { running: [{ file: 'big.iso', key: 'SHA256E-s9--k.iso', remote: 'nas', direction: 'upload', done, total: 9 << 20, ...(held ? { held } : {}) }], queued: 0 } });
  assert.deepEqual(lookAt([[0, running(100)], [5, running(100)], [10, running(100)]]), [], 'not yet: exactly the limit');
  assert.deepEqual(lookAt([[0, running(100)], [5, running(100)], [11, running(100)]]), ['stall:transfer:upload:nas:SHA256E-s9--k.iso | the upload of big.iso to nas has made no progress since T+0m']);
  assert.deepEqual(lookAt([[0, running(100)], [6, running(200)], [12, running(200)]]), [], 'it moved at minute 6: waiting began then');
  assert.deepEqual(lookAt([[0, running(100)], [6, running(200)], [17, running(200)]]), ['stall:transfer:upload:nas:SHA256E-s9--k.iso | the upload of big.iso to nas has made no progress since T+6m']);
  assert.deepEqual(lookAt([[0, running(100, true)], [11, running(100, true)], [20, running(100)]]), [], 'held by a pause until minute 11, then 9 minutes without progress');
  // A different transfer (another key) that starts with the same byte count is a new transfer.
  const other = snapshot({ transfers: { running: [{ file: 'b.iso', key: 'SHA256E-s9--other.iso', remote: 'nas', direction: 'upload', done: 100, total: 9 << 20 }], queued: 0 } });
  assert.deepEqual(lookAt([[0, running(100)], [9, other], [15, other]]), []);
  // A program that reports no progress shows 0 bytes until it is done: silence says nothing there.
  assert.deepEqual(lookAt([[0, running(0)], [30, running(0)]]), []);
});
