// The cross-process lock: exclusion, queueing in one process, takeover from dead owners.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireLock, OWNERLESS_LOCK_STALE_MS, withLock } from '../../src/util/lockfile.js';
import { tempDir } from '../helpers/tmp.js';

test('callers in one process run one at a time, in order', async () => {
  const path = join(tempDir(), 'l.lock');
  const log: string[] = [];
  const task = (name: string) =>
    withLock(path, async () => {
      log.push(`${name}+`);
      await new Promise((r) => setImmediate(r)); // yield: a queued caller would run here if the lock let it
      log.push(`${name}-`);
    });
  await Promise.all([task('a'), task('b'), task('c')]);
  assert.deepEqual(log, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  assert.equal(existsSync(path), false, 'released');
});

test('a lock left by a dead process is taken over', async () => {
  const path = join(tempDir(), 'l.lock');
  writeFileSync(path, '999999999\n');
  const lock = await acquireLock(path, { timeoutMs: 1000 });
  await lock.release();
});

test('the lock file appears with its owner already in it, and nothing else is left beside it', async () => {
  const dir = tempDir();
  const path = join(dir, 'l.lock');
  const lock = await acquireLock(path);
  assert.match(readFileSync(path, 'utf8'), new RegExp(`^${process.pid} [0-9a-f]+\n$`));
  assert.deepEqual(readdirSync(dir), ['l.lock']);
  await lock.release();
  assert.deepEqual(readdirSync(dir), []);
});

test('a lock file with no owner in it (its creator killed before writing one) is waited on while fresh and taken over once old', async () => {
  const path = join(tempDir(), 'l.lock');
  writeFileSync(path, '');
  await assert.rejects(acquireLock(path, { timeoutMs: 30, sleep: async () => undefined }), /timed out waiting for lock/, 'a writer may be about to write its pid');
  const old = (Date.now() - OWNERLESS_LOCK_STALE_MS - 60_000) / 1000;
  utimesSync(path, old, old);
  const lock = await acquireLock(path, { timeoutMs: 30, sleep: async () => undefined });
  assert.match(readFileSync(path, 'utf8'), new RegExp(`^${process.pid} `));
  await lock.release();
});

test('a lock held by a live process times out with a one-line error', async () => {
  const path = join(tempDir(), 'l.lock');
  writeFileSync(path, `${process.ppid}\n`);
  await assert.rejects(acquireLock(path, { timeoutMs: 30, sleep: async () => undefined }), /timed out waiting for lock .*held by pid/);
});

test('a lock of this process that came back after its directory was renamed away and back is taken over, not waited on forever', async () => {
  const root = tempDir();
  const dir = join(root, 'flap.git');
  mkdirSync(dir);
  const path = join(dir, 'journal.lock');
  const held = await acquireLock(path);
  // The remote is renamed away while the lock is held: the release cannot remove the file.
  renameSync(dir, `${dir}.away`);
  await held.release();
  renameSync(`${dir}.away`, dir);
  assert.equal(existsSync(path), true, 'the lock file came back with its directory');
  // The owner named in it is this very process, alive: only the token tells it is stale.
  await withLock(path, async () => undefined, { timeoutMs: 1000 });
  assert.equal(existsSync(path), false);
  // A lock this process really holds (through another path to the same file) is still waited on.
  const again = await acquireLock(path);
  symlinkSync(dir, join(root, 'link'));
  await assert.rejects(withLock(join(root, 'link', 'journal.lock'), async () => undefined, { timeoutMs: 200, sleep: () => Promise.resolve() }), /timed out waiting for lock/);
  await again.release();
});
