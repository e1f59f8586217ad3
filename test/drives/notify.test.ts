// Drive notices: always a log line; notify-send only when it exists and a desktop session is there.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createNotifier, findOnPath } from '../../src/drives/notify.js';
import { tempDir } from '../helpers/tmp.js';

function capture(): { log: ReturnType<typeof pino>; lines: Array<{ level: number; msg: string }> } {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      cb();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

test('without a desktop session: a log line and no notifier process', async () => {
  const { log, lines } = capture();
  const launched: string[][] = [];
  const notify = createNotifier({ log, env: { PATH: '/usr/bin' }, launch: (p, a) => void launched.push([p, ...a]), findProgram: async () => '/usr/bin/notify-send' });
  notify({ title: 'Drive usb', body: 'syncing' });
  notify({ title: 'Drive usb', body: 'sync failed: disk full', level: 'warn' });
  await settle();
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [[30, 'Drive usb: syncing'], [40, 'Drive usb: sync failed: disk full']]);
  assert.deepEqual(launched, []);
});

test('with a session and notify-send on PATH: it is launched with title and body; without notify-send nothing is', async () => {
  const { log } = capture();
  const launched: string[][] = [];
  const notify = createNotifier({ log, env: { DISPLAY: ':0' }, launch: (p, a) => void launched.push([p, ...a]), findProgram: async () => '/usr/bin/notify-send' });
  notify({ title: 'Drive usb', body: 'synced' });
  await settle();
  assert.equal(launched.length, 1);
  assert.equal(launched[0]?.[0], '/usr/bin/notify-send');
  assert.deepEqual(launched[0]?.slice(-2), ['Drive usb', 'synced']);
  const none: string[][] = [];
  const quiet = createNotifier({ log, env: { DISPLAY: ':0' }, launch: (p, a) => void none.push([p, ...a]), findProgram: async () => undefined });
  quiet({ title: 'x', body: 'y' });
  await settle();
  assert.deepEqual(none, []);
});

test('findOnPath finds executables only', async () => {
  const dir = tempDir('arbor-path-');
  writeFileSync(join(dir, 'notify-send'), '#!/bin/sh\n');
  writeFileSync(join(dir, 'not-exec'), '');
  chmodSync(join(dir, 'notify-send'), 0o755);
  assert.equal(await findOnPath('notify-send', `/nonexistent:${dir}`), join(dir, 'notify-send'));
  assert.equal(await findOnPath('not-exec', dir), undefined);
  assert.equal(await findOnPath('missing', dir), undefined);
});
