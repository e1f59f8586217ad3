// The problems channel: one log line per raise and per clear, one notification per problem, the active list in status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DaemonStatus } from '../../src/assistant/daemon-status.js';
import { Problems } from '../../src/assistant/problems.js';
import type { DesktopNotice } from '../../src/util/desktop-notify.js';
import { tempDir } from '../helpers/tmp.js';
import { join } from 'node:path';

test('raising again does not repeat itself; a new message is logged but not notified again; clear logs once', async () => {
  const lines: Array<{ level: number; msg: string }> = [];
  const log = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, cb) => void (lines.push(JSON.parse(c.toString('utf8')) as { level: number; msg: string }), cb()) }));
  const notices: DesktopNotice[] = [];
  let now = 1000;
  const status = new DaemonStatus({ file: join(tempDir('arbor-problems-'), 'status.json'), now: () => now, pid: 1 });
  const problems = new Problems({ log, now: () => now, status, notify: (n) => notices.push(n), title: 'arbor: photos' });

  problems.raise('remote:nas', 'remote nas cannot be reached: connection timed out');
  problems.raise('remote:nas', 'remote nas cannot be reached: connection timed out');
  now = 2000;
  problems.raise('remote:nas', 'remote nas cannot be reached: host key changed');
  problems.raise('file:a.txt', 'a.txt cannot be added: permission denied');
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [
    [40, 'remote nas cannot be reached: connection timed out'],
    [40, 'remote nas cannot be reached: host key changed'],
    [40, 'a.txt cannot be added: permission denied'],
  ]);
  assert.deepEqual(notices, [
    { title: 'arbor: photos', body: 'remote nas cannot be reached: connection timed out', level: 'warn' },
    { title: 'arbor: photos', body: 'a.txt cannot be added: permission denied', level: 'warn' },
  ]);
  assert.deepEqual(status.snapshot.problems, [
    { id: 'remote:nas', message: 'remote nas cannot be reached: host key changed', since: 1000 },
    { id: 'file:a.txt', message: 'a.txt cannot be added: permission denied', since: 2000 },
  ]);

  lines.length = 0;
  problems.clear('remote:nas');
  problems.clear('remote:nas');
  problems.clear('never-raised');
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [[30, 'resolved: remote nas cannot be reached: host key changed']]);
  assert.deepEqual(status.snapshot.problems.map((p) => p.id), ['file:a.txt']);
  assert.equal(problems.has('remote:nas'), false);
  await status.flush();
});
