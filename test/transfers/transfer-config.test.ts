// Transfer settings from git config: slots, global and per-remote limits (with git-annex's bwlimit as fallback), schedule.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openGit } from '../../src/git/git.js';
import { configuredThrottle, loadTransferSettings, transferSettingsFromConfig, TransferLimits } from '../../src/transfers/transfer-config.js';
import { git, makeRepo } from '../helpers/repo.js';
import { ManualClock } from './manual-clock.js';

const MIB = 1 << 20;

test('defaults: two slots, no limits', () => {
  const s = transferSettingsFromConfig([]);
  assert.equal(s.slots, 2);
  assert.equal(s.rate, Infinity);
  assert.deepEqual(s.schedule, []);
  assert.equal(s.remoteRates.size, 0);
});

test('arbor settings win over git-annex bwlimit ones, per remote as well; the last value of a key wins', () => {
  const s = transferSettingsFromConfig([
    ['annex.bwlimit', '1MiB'],
    ['arbor.transfers.ratelimit', '2MiB/s'],
    ['arbor.transfers.slots', '3'],
    ['arbor.transfers.slots', '4'],
    ['arbor.transfers.schedule', '00:00-07:00 unlimited'],
    ['remote.usb.arbor-ratelimit', '5MiB/s'],
    ['remote.usb.annex-bwlimit', '1KiB'],
    ['remote.Cloud.Box.annex-bwlimit', '100KiB'],
  ]);
  assert.equal(s.slots, 4);
  assert.equal(s.rate, 2 * MIB);
  assert.deepEqual(s.schedule, [{ start: 0, end: 420, rate: Infinity }]);
  assert.deepEqual([...s.remoteRates].sort(), [['Cloud.Box', 100 * 1024], ['usb', 5 * MIB]]);
  assert.equal(transferSettingsFromConfig([['annex.bwlimit', '1MiB']]).rate, MIB, 'annex.bwlimit alone applies');
});

test('bad values are errors naming the key', () => {
  assert.throws(() => transferSettingsFromConfig([['arbor.transfers.slots', '0']]), { code: 'EBADCONFIG', message: /arbor\.transfers\.slots/ });
  assert.throws(() => transferSettingsFromConfig([['arbor.transfers.slots', '1.5']]), { code: 'EBADCONFIG' });
  assert.throws(() => transferSettingsFromConfig([['remote.usb.arbor-ratelimit', 'fast']]), { code: 'EBADCONFIG', message: /remote\.usb\.arbor-ratelimit/ });
  assert.throws(() => transferSettingsFromConfig([['arbor.transfers.schedule', 'nights']]), { code: 'EBADCONFIG', message: /arbor\.transfers\.schedule/ });
});

test('settings are read from real git config, remote names keeping their case', async () => {
  const repo = await makeRepo();
  await git(repo, 'config', 'arbor.transfers.slots', '3');
  await git(repo, 'config', 'annex.bwlimit', '1MiB');
  await git(repo, 'config', 'remote.MyDrive.arbor-ratelimit', '256KiB/s');
  await git(repo, 'config', 'remote.MyDrive.url', '/nowhere');
  const g = await openGit(repo);
  try {
    const s = await loadTransferSettings(g);
    assert.equal(s.slots, 3);
    assert.equal(s.rate, MIB);
    assert.deepEqual([...s.remoteRates], [['MyDrive', 256 * 1024]]);
  } finally {
    await g.close();
  }
});

test('limits: a limited remote gets its own bucket on top of the global one; nothing limited means no throttle', () => {
  const clock = new ManualClock({ auto: true });
  const limited = new TransferLimits(transferSettingsFromConfig([['remote.usb.arbor-ratelimit', '1MiB']]), clock);
  assert.equal(limited.limitersFor('usb').length, 2);
  assert.equal(limited.limitersFor('usb')[1], limited.limitersFor('usb')[1], 'one bucket per remote, shared by its transfers');
  assert.equal(limited.limitersFor('cloud').length, 1);
  assert.ok(limited.throttleFor('usb'));
  assert.equal(limited.throttleFor('cloud'), undefined);
  const none = new TransferLimits(transferSettingsFromConfig([]), clock);
  assert.equal(none.throttleFor('usb'), undefined);
  const scheduled = new TransferLimits(transferSettingsFromConfig([['arbor.transfers.schedule', '09:00-17:00 1MiB']]), clock);
  assert.ok(scheduled.throttleFor('usb'), 'a schedule window with a limit needs a throttle even without a base limit');
});

test('configuredThrottle shares one set of buckets per open repository', async () => {
  const clock = new ManualClock({ auto: true });
  const repo = { git: { configGetRegexp: async () => [['arbor.transfers.ratelimit', '1MiB'] as [string, string]] }, deps: { clock } };
  const t0 = clock.now();
  const a = (await configuredThrottle(repo))('x');
  const b = (await configuredThrottle(repo))('y');
  assert.ok(a && b);
  await a(Buffer.alloc(MIB));
  await b(Buffer.alloc(MIB));
  assert.ok(clock.now() - t0 >= 1980, 'the second MiB waited for the first: one global bucket');
});

test('limits follow a live settings change: the global rate applies to the next chunk of a running transfer, a remote limit to its next transfer', () => {
  const clock = new ManualClock({ auto: true });
  const limits = new TransferLimits(transferSettingsFromConfig([]), clock);
  const [global] = limits.limitersFor('usb');
  assert.ok(global);
  const t = clock.now();
  assert.equal(global.reserve(MIB, t), t, 'unlimited: no wait');
  limits.update(transferSettingsFromConfig([['arbor.transfers.ratelimit', '1MiB'], ['remote.usb.arbor-ratelimit', '512KiB']]));
  // The same limiter object (held by a running transfer) now makes a 1 MiB chunk wait about a second.
  assert.ok(global.reserve(MIB, t) >= t + 900, 'the running transfer is limited from its next chunk');
  const next = limits.limitersFor('usb');
  assert.equal(next.length, 2, 'a new transfer with usb also gets its own limit');
  assert.ok(limits.throttleFor('usb'));
  limits.update(transferSettingsFromConfig([]));
  assert.equal(limits.throttleFor('usb'), undefined, 'and back to no throttle at all');
});
