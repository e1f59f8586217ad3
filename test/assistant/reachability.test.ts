// The shared reachability state: one warning when a remote goes, back-off between tries, one line when it is back, away for unplugged drives.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DaemonStatus } from '../../src/assistant/daemon-status.js';
import { Reachability } from '../../src/assistant/reachability.js';
import { ManualClock } from '../transfers/manual-clock.js';
import { tempDir } from '../helpers/tmp.js';

function harness(): { clock: ManualClock; reach: Reachability; status: DaemonStatus; logs: Array<{ level: number; msg: string }> } {
  const clock = new ManualClock();
  const logs: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (c: Buffer, _e, cb) => void (logs.push(JSON.parse(c.toString()) as { level: number; msg: string }), cb()) }));
  const status = new DaemonStatus({ file: join(tempDir(), 'status.json'), now: () => clock.now(), pid: 1 });
  return { clock, reach: new Reachability({ clock, log, status, retryMs: () => 60_000 }), status, logs };
}

test('a remote that keeps failing gives one warning, then backs off quietly; its return is one line', async () => {
  const { clock, reach, status, logs } = harness();
  const why = 'remote nas: no answer for 30 s (stalled)';
  reach.failed('nas', why, clock.now());
  assert.equal(reach.get('nas').state, 'unreachable');
  assert.equal(reach.waiting('nas'), true);
  assert.deepEqual(reach.due(), []);
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    const next = reach.get('nas').nextTry ?? 0;
    waits.push(next - clock.now());
    await clock.tick(next - clock.now());
    assert.deepEqual(reach.due(), ['nas']);
    reach.failed('nas', why, clock.now());
  }
  assert.deepEqual(waits, [60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000], 'the wait doubles, up to an hour: a host that comes back is used again within the hour');
  const warnings = logs.filter((l) => l.level >= 40);
  assert.deepEqual(warnings.map((l) => l.msg), [`${why}; will retry in 1 min`]);
  const rs = status.snapshot.remotes.nas;
  assert.equal(rs?.state, 'unreachable');
  assert.equal(rs?.reason, why);
  assert.equal(rs?.nextTry, reach.get('nas').nextTry);
  assert.ok(rs?.unreachableSince !== undefined && rs.unreachableSince < clock.now());

  reach.reached('nas');
  reach.reached('nas');
  assert.equal(reach.get('nas').state, 'reachable');
  assert.equal(logs.filter((l) => /nas is reachable again/.test(l.msg)).length, 1);
  assert.equal(status.snapshot.remotes.nas?.state, 'reachable');
  assert.equal(status.snapshot.remotes.nas?.nextTry, undefined);
});

test('a fetch and a push of the same try that both fail count as one try', () => {
  const { clock, reach } = harness();
  const started = clock.now();
  reach.failed('nas', 'remote nas: stalled', started);
  clock.advance(5000);
  reach.failed('nas', 'remote nas: stalled', started); // the push, begun with the fetch
  assert.equal(reach.get('nas').attempts, 1);
  assert.equal(reach.get('nas').nextTry, started + 60_000);
});

test('an unplugged drive is away: nothing is tried, no warning; plugged in, it is reachable at once', () => {
  const { reach, logs, status } = harness();
  reach.away('usb', 'drive removed (/media/usb)');
  reach.failed('usb', 'remote usb: does not appear to be a git repository');
  assert.equal(reach.get('usb').state, 'away');
  assert.equal(reach.waiting('usb'), true);
  assert.deepEqual(reach.due(), []);
  assert.equal(status.snapshot.remotes.usb?.state, 'away');
  reach.returned('usb');
  assert.equal(reach.get('usb').state, 'reachable');
  assert.equal(reach.waiting('usb'), false);
  assert.deepEqual(logs.filter((l) => l.level >= 40), []);
});

test('a local remote whose path is back is due at once, and says it is back when a try works', () => {
  const { reach, logs } = harness();
  reach.failed('backup', 'remote backup: does not appear to be a git repository');
  reach.returned('backup');
  assert.deepEqual(reach.due(), ['backup']);
  reach.reached('backup');
  assert.equal(logs.filter((l) => /backup is reachable again/.test(l.msg)).length, 1);
});
