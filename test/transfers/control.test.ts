// The persisted pause state and the transfer listing read from the assistant's status file.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatTransferControl, listTransfers, parseTransferControl, readTransferControl, setTransfersPaused, transferControlPath, transfersFromStatus } from '../../src/transfers/control.js';
import { tempDir } from '../helpers/tmp.js';

test('the control file round-trips', () => {
  for (const c of [{ paused: false }, { paused: true }, { paused: true, since: 1_700_000_000_123 }]) {
    assert.deepEqual(parseTransferControl(formatTransferControl(c)), c);
  }
  assert.deepEqual(parseTransferControl('{"paused":false,"since":5}'), { paused: false }, 'since only means something while paused');
  for (const bad of ['', '[]', '{"paused":"yes"}', '{}', 'paused']) assert.throws(() => parseTransferControl(bad), { code: 'EBADCONTROL' }, bad);
});

test('pause and resume persist; a second pause keeps the original time; no file means not paused', async () => {
  const gitDir = tempDir();
  const file = transferControlPath(gitDir);
  assert.equal(file, join(gitDir, 'annex', 'arbor', 'transfers.json'));
  assert.deepEqual(await readTransferControl(file), { paused: false });
  assert.deepEqual(await setTransfersPaused({ file, paused: true, now: 1000 }), { paused: true, since: 1000 });
  assert.deepEqual(await setTransfersPaused({ file, paused: true, now: 5000 }), { paused: true, since: 1000 });
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { paused: true, since: 1000 });
  assert.deepEqual(await setTransfersPaused({ file, paused: false, now: 6000 }), { paused: false });
  assert.deepEqual(await readTransferControl(file), { paused: false });
  writeFileSync(file, 'garbage');
  await assert.rejects(readTransferControl(file), { code: 'EBADCONTROL' });
  assert.deepEqual(await setTransfersPaused({ file, paused: true, now: 7000 }), { paused: true, since: 7000 }, 'a damaged file can be overwritten');
});

test('transfers are listed from a running assistant\'s status file, malformed entries left out', async () => {
  const dir = tempDir();
  mkdirSync(join(dir, 'annex', 'arbor'), { recursive: true });
  const statusFile = join(dir, 'annex', 'arbor', 'daemon.status.json');
  const good = { file: 'a.bin', key: 'SHA256E-s10--x.bin', remote: 'usb', direction: 'upload', done: 4, total: 10 };
  writeFileSync(statusFile, JSON.stringify({ pid: 1, transfers: { running: [good, { file: 3 }, { ...good, direction: 'sideways' }], queued: 7, waiting: [{ file: 'b.bin', remote: 'usb', direction: 'download' }, { file: 'c.bin' }] } }));
  const controlFile = transferControlPath(dir);
  await setTransfersPaused({ file: controlFile, paused: true, now: 42 });
  assert.deepEqual(await listTransfers({ controlFile, statusFile, assistantRunning: true }), { paused: true, since: 42, running: [good], queued: 7, waiting: [{ file: 'b.bin', remote: 'usb', direction: 'download' }] });
  assert.deepEqual(await listTransfers({ controlFile, statusFile, assistantRunning: false }), { paused: true, since: 42, running: [], queued: 0, waiting: [] }, 'a stopped assistant\'s stale status lists nothing');
  assert.deepEqual(transfersFromStatus(undefined), { running: [], queued: 0, waiting: [] });
  assert.deepEqual(transfersFromStatus({ transfers: { running: [{ ...good, total: null }] } }).running[0]?.total, undefined);
});
