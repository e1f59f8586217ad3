// Settings from git config: defaults, every range checked, a bad value is one line naming the key, the value and what is allowed.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import cron from 'node-cron';
import { describeConfigChange, readSettings, settingsFromConfig } from '../../src/assistant/settings.js';
import { openAnnex } from '../../src/annex/annex.js';
import { arbor } from '../helpers/arbor.js';
import { git, makeRepo } from '../helpers/repo.js';

const validate = (e: string): boolean => cron.validate(e);
const parse = (entries: Array<[string, string]>) => settingsFromConfig(entries, validate);

test('unset keys give the documented defaults', () => {
  const s = parse([]);
  assert.deepEqual(
    { quietMs: s.quietMs, maxDelayMs: s.maxDelayMs, maxBatch: s.maxBatch, retry: s.retrySchedule, fetch: s.fetchSchedule, rescan: s.rescanMinutes, hook: s.hook, watcher: s.watcher, unlocked: s.unlocked, content: s.content, usb: s.usbDrives, slots: s.transfers.slots },
    { quietMs: 100, maxDelayMs: 3000, maxBatch: 5000, retry: '*/30 * * * *', fetch: '*/15 * * * *', rescan: 60, hook: undefined, watcher: 'auto', unlocked: true, content: true, usb: true, slots: 2 },
  );
});

test('a bad value is rejected with one line naming the key, the value and what is allowed', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['arbor.assistant.quietms', 'abc', /^git config arbor\.assistant\.quietms=abc is not a number: use a whole number \(0 or more\)$/],
    ['arbor.assistant.quietms', '-5', /^git config arbor\.assistant\.quietms=-5 is not a number/],
    ['arbor.assistant.quietms', '1.5', /^git config arbor\.assistant\.quietms=1\.5 is not a number/],
    ['arbor.assistant.maxdelayms', '', /^git config arbor\.assistant\.maxdelayms= is not a number/],
    ['arbor.assistant.maxbatch', '0', /^git config arbor\.assistant\.maxbatch=0 is too small: use a whole number of at least 1$/],
    ['arbor.assistant.rescan', 'hourly', /^git config arbor\.assistant\.rescan=hourly is not a number/],
    ['arbor.assistant.fetch', 'every 5 minutes', /^git config arbor\.assistant\.fetch=every 5 minutes is not a valid cron expression/],
    ['arbor.assistant.retry', '61 * * * *', /^git config arbor\.assistant\.retry=61 \* \* \* \* is not a valid cron expression/],
    ['arbor.assistant.watcher', 'inotify', /^git config arbor\.assistant\.watcher=inotify is not a watcher: use auto, chokidar or parcel$/],
    ['arbor.assistant.content', 'maybe', /^git config arbor\.assistant\.content=maybe is not a boolean: use true or false$/],
    ['arbor.drives.usb', 'sometimes', /^git config arbor\.drives\.usb=sometimes is not a boolean/],
    ['arbor.transfers.slots', 'many', /^git config arbor\.transfers\.slots=many: expected a whole number of at least 1$/],
    ['arbor.transfers.slots', '0', /^git config arbor\.transfers\.slots=0: expected a whole number of at least 1$/],
    ['remote.nas.arbor-ratelimit', 'fast', /^git config remote\.nas\.arbor-ratelimit=fast: /],
  ];
  for (const [key, value, message] of cases) {
    assert.throws(() => parse([[key, value]]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'EBADCONFIG', key);
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });
  }
});

test('good values are taken as git reads them; the last of repeated keys wins', () => {
  const s = parse([
    ['arbor.assistant.quietms', '0'],
    ['arbor.assistant.maxbatch', '1'],
    ['arbor.assistant.maxbatch', '7'],
    ['arbor.assistant.content', 'no'],
    ['arbor.assistant.unlocked', '0'],
    ['arbor.drives.usb', 'off'],
    ['arbor.assistant.fetch', '*/2 * * * * *'],
    ['arbor.transfers.slots', '4'],
    ['arbor.transfers.ratelimit', '1MiB'],
  ]);
  assert.deepEqual([s.quietMs, s.maxBatch, s.content, s.unlocked, s.usbDrives, s.fetchSchedule, s.transfers.slots, s.transfers.rate], [0, 7, false, false, false, '*/2 * * * * *', 4, 1 << 20]);
});

test('one git config call reads every key of a real repository (assistant, drives, transfers, per-remote limits)', async () => {
  const repo = await makeRepo();
  await arbor(repo, 'init');
  await git(repo, 'config', 'arbor.assistant.quietms', '250');
  await git(repo, 'config', 'arbor.drives.usb', 'false');
  await git(repo, 'config', 'arbor.transfers.slots', '3');
  await git(repo, 'config', 'remote.nas.annex-bwlimit', '100KiB');
  await git(repo, 'config', 'arbor.assistant.maxbatch', '0');
  const annex = await openAnnex(repo);
  try {
    await assert.rejects(readSettings(annex.git, validate), /arbor\.assistant\.maxbatch=0 is too small/);
    await git(repo, 'config', 'arbor.assistant.maxbatch', '10');
    const s = await readSettings(annex.git, validate);
    assert.deepEqual([s.quietMs, s.usbDrives, s.transfers.slots, s.transfers.remoteRates.get('nas'), s.maxBatch], [250, false, 3, 100 * 1024, 10]);
  } finally {
    await annex.close();
  }
});

test('a change is described key by key for the log', () => {
  assert.deepEqual(
    describeConfigChange(
      [['arbor.assistant.quietms', '100'], ['arbor.assistant.hook', 'notify']],
      [['arbor.assistant.quietms', '5000'], ['arbor.transfers.slots', '4']],
    ),
    ['arbor.assistant.quietms=5000 (was 100)', 'arbor.assistant.hook unset (was notify)', 'arbor.transfers.slots=4'],
  );
});
