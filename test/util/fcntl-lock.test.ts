// Content locks through the process's one lock helper: the answers other processes (git-annex among
// them) get, the same answers inside this process, and recovery when the helper dies.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tryFcntlLock } from '../../src/util/fcntl-lock.js';
import { tempDir } from '../helpers/tmp.js';

/** The pids /proc/locks shows holding a POSIX lock on `path`'s inode. */
function holdersOf(path: string): number[] {
  const { ino } = statSync(path);
  const line = new RegExp(`^\\d+: POSIX +ADVISORY +(?:READ|WRITE) +(\\d+) [0-9a-f]+:[0-9a-f]+:${ino} `, 'gm');
  return [...readFileSync('/proc/locks', 'utf8').matchAll(line)].map((m) => Number(m[1]));
}

/** Asks a separate perl process to try the lock, as git-annex would: "ok" or "busy". */
function otherProcessTries(path: string, mode: 'shared' | 'exclusive'): Promise<string> {
  const script = String.raw`
use Fcntl; my ($p, $m) = @ARGV;
sysopen(my $fh, $p, ($m eq 'shared' ? O_RDONLY : O_RDWR) | O_CREAT) or die "$!";
my $fl = pack('s s x4 q q l x4', $m eq 'shared' ? F_RDLCK : F_WRLCK, 0, 0, 0, 0);
print fcntl($fh, F_SETLK, $fl) ? "ok" : "busy";`;
  return new Promise((resolve, reject) => {
    const child = spawn('perl', ['-e', script, path, mode]);
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.once('error', reject);
    child.once('close', () => resolve(out));
  });
}

test('one helper process holds every lock of this process, and other processes see them', async () => {
  const dir = tempDir();
  const files = ['a.lck', 'b.lck', 'c.lck'].map((f) => join(dir, f));
  const locks = await Promise.all(files.map((f, i) => tryFcntlLock(f, i === 0 ? 'exclusive' : 'shared')));
  assert.ok(locks.every(Boolean));
  const pids = new Set(files.flatMap(holdersOf));
  assert.equal(pids.size, 1, `one process holds all three (${[...pids].join(', ')})`);
  assert.ok(!pids.has(process.pid), 'held by the helper, not by node');
  assert.equal(await otherProcessTries(files[0]!, 'shared'), 'busy', 'exclusive keeps out readers');
  assert.equal(await otherProcessTries(files[1]!, 'shared'), 'ok', 'shared lets readers in');
  assert.equal(await otherProcessTries(files[1]!, 'exclusive'), 'busy', 'shared keeps out a writer');
  await Promise.all(locks.map((l) => l!.release()));
  for (const f of files) assert.equal(await otherProcessTries(f, 'exclusive'), 'ok', `${f} released`);
});

test('inside one process, locks answer as between two: shared locks share, exclusive conflicts, the last release frees', async () => {
  const path = join(tempDir(), 'obj.lck');
  const first = await tryFcntlLock(path, 'shared');
  const second = await tryFcntlLock(path, 'shared');
  assert.ok(first && second, 'two shared holders');
  assert.equal(await tryFcntlLock(path, 'exclusive'), undefined, 'no exclusive while shared holders remain');
  await first.release();
  await first.release(); // idempotent: does not release the second holder's share
  assert.equal(await otherProcessTries(path, 'exclusive'), 'busy', 'the second holder still holds it');
  assert.equal(await tryFcntlLock(path, 'exclusive'), undefined);
  await second.release();
  const mine = await tryFcntlLock(path, 'exclusive');
  assert.ok(mine, 'free once the last holder let go');
  assert.equal(await tryFcntlLock(path, 'shared'), undefined, 'an exclusive holder keeps out a shared one here too');
  await mine.release();
});

test('two attempts on one path at the same moment get one lock between them, never two opens that undo each other', async () => {
  const path = join(tempDir(), 'race.lck');
  const [a, b] = await Promise.all([tryFcntlLock(path, 'exclusive'), tryFcntlLock(path, 'exclusive')]);
  assert.equal([a, b].filter(Boolean).length, 1, 'exactly one exclusive lock');
  const [s1, s2] = await Promise.all([(a ?? b)!.release().then(() => tryFcntlLock(path, 'shared')), tryFcntlLock(path, 'shared')]);
  // Whichever order they ran in, the shares end up held and releasing one keeps the other.
  const shares = [s1, s2].filter((l) => l !== undefined);
  assert.ok(shares.length >= 1);
  await shares[0]!.release();
  if (shares.length === 2) assert.equal(await otherProcessTries(path, 'exclusive'), 'busy');
  for (const s of shares.slice(1)) await s!.release();
  assert.equal(await otherProcessTries(path, 'exclusive'), 'ok');
});

test('a lock file that cannot be created is one line naming it, with its errno', async () => {
  const file = join(tempDir(), 'plain');
  writeFileSync(file, '');
  await assert.rejects(tryFcntlLock(join(file, 'x.lck'), 'shared'), (err: Error & { errno?: string }) => {
    assert.match(err.message, /^cannot lock .*plain\/x\.lck: Not a directory$/);
    assert.equal(err.errno, 'ENOTDIR');
    return true;
  });
});

test('when the helper dies its locks are gone, and the next lock starts a new helper', async () => {
  const path = join(tempDir(), 'victim.lck');
  const lock = await tryFcntlLock(path, 'exclusive');
  assert.ok(lock);
  const [pid] = holdersOf(path);
  assert.ok(pid);
  const dead = new Promise<void>((resolve) => {
    const child = spawn('tail', [`--pid=${pid}`, '-f', '/dev/null']);
    child.once('close', () => resolve());
  });
  process.kill(pid, 'SIGKILL');
  await dead;
  const again = await tryFcntlLock(path, 'exclusive');
  assert.ok(again, 'taken again through a new helper');
  const [now] = holdersOf(path);
  assert.notEqual(now, pid);
  await lock.release(); // the old holder's release is harmless
  assert.equal(await otherProcessTries(path, 'shared'), 'busy', 'the new lock is still held');
  await again.release();
});
