// "Safe to unplug": yes only when nothing moves or waits and every copy is counted on the drive; anything unknown counts against.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unplugAnswer, type DriveFacts } from '../../src/assistant/unplug-safety.js';

const idle: DriveFacts = { present: true, running: [], queuedUploads: 0, queuedDownloads: 0, recordsCounted: true, commitsCounted: true };

test('a plugged-in drive with nothing moving and every copy counted is safe to unplug', () => {
  assert.deepEqual(unplugAnswer(idle), { safe: 'yes', reasons: [] });
});

test('a drive that is not there is not plugged in, whatever else is known', () => {
  assert.deepEqual(unplugAnswer({ ...idle, present: false, running: [{ file: 'x', direction: 'upload' }] }), { safe: 'unplugged', reasons: ['not plugged in'] });
});

test('each thing that makes unplugging unsafe is named', () => {
  const a = unplugAnswer({
    ...idle,
    running: [{ file: 'big.bin', direction: 'upload' }, { file: 'old.bin', direction: 'download' }],
    syncingSince: 1,
    queuedUploads: 2,
    queuedDownloads: 1,
    recordsCounted: false,
    commitsCounted: undefined,
  });
  assert.equal(a.safe, 'no');
  assert.deepEqual(a.reasons, [
    'writing big.bin to it',
    'reading old.bin from it',
    'the sync it started when plugged in is still running',
    '2 files wait to be copied to it',
    '1 download waits, which may read from it',
    'its git-annex branch lacks the latest records of where copies are (the next push brings them)',
    'its branch cannot be read',
  ]);
});
