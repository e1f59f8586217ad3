// Waiting fcntl locks: exclusion against other processes (git-annex among them), a bounded wait with
// a one-line error, and the journal lock git-annex honours.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFcntlWaitLock } from '../../src/util/fcntl-wait-lock.js';
import { tryFcntlLock } from '../../src/util/fcntl-lock.js';
import { openGit } from '../../src/git/git.js';
import { AnnexBranch } from '../../src/annex/branch.js';
import { tempDir } from '../helpers/tmp.js';
import { git, makeRepo } from '../helpers/repo.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { annex } from '../helpers/annex-fixtures.js';

test('while the lock is held no other process can take it; after, one can', async () => {
  const path = join(tempDir(), 'journal.lck');
  await withFcntlWaitLock(path, async () => {
    assert.equal(await tryFcntlLock(path, 'exclusive'), undefined, 'another process finds it held');
    assert.equal(await tryFcntlLock(path, 'shared'), undefined, 'not even a shared lock');
  });
  const other = await tryFcntlLock(path, 'exclusive');
  assert.ok(other, 'released when fn returned');
  await other.release();
});

test('callers in one process take it one at a time, in order, and it is released when fn throws', async () => {
  const path = join(tempDir(), 'journal.lck');
  const log: string[] = [];
  const task = (name: string) =>
    withFcntlWaitLock(path, async () => {
      log.push(`${name}+`);
      await new Promise((r) => setImmediate(r));
      log.push(`${name}-`);
    });
  await Promise.all([task('a'), task('b'), task('c')]);
  assert.deepEqual(log, ['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
  await assert.rejects(withFcntlWaitLock(path, async () => { throw new Error('boom'); }), /boom/);
  const other = await tryFcntlLock(path, 'exclusive');
  assert.ok(other, 'released after the throw');
  await other.release();
});

test('a lock another process keeps is waited for, up to the bound, then one line names the file', async () => {
  const path = join(tempDir(), 'journal.lck');
  const holder = await tryFcntlLock(path, 'exclusive');
  assert.ok(holder);
  let ran = false;
  await assert.rejects(withFcntlWaitLock(path, async () => { ran = true; }, 1), (err: Error) => {
    assert.match(err.message, /^timed out after 1 s waiting for lock .*journal\.lck/);
    return true;
  });
  assert.equal(ran, false, 'fn never ran without the lock');
  // Once the other process lets go, the lock is taken at once.
  const waited = withFcntlWaitLock(path, async () => 'mine');
  await holder.release();
  assert.equal(await waited, 'mine');
});

test('a lock file that cannot be opened fails at once with one line naming it', async () => {
  const file = join(tempDir(), 'not-a-dir');
  writeFileSync(file, '');
  await assert.rejects(withFcntlWaitLock(join(file, 'journal.lck'), async () => undefined), /cannot lock .*not-a-dir\/journal\.lck: Not a directory/);
});

/**
 * Resolves once /proc/locks shows a process blocked waiting for a POSIX lock on the inode of `path`.
 * /proc/locks sends no notification, so this looks again every 20 ms: it waits for the state, with
 * a bound only a wedged process reaches, and never passes or fails by timing.
 */
async function someoneWaitsOn(path: string): Promise<void> {
  const { ino } = statSync(path);
  const blocked = new RegExp(`^\\d+: -> POSIX +ADVISORY +WRITE +\\d+ [0-9a-f]+:[0-9a-f]+:${ino} `, 'm');
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (blocked.test(readFileSync('/proc/locks', 'utf8'))) return;
    if (Date.now() > deadline) throw new Error(`no process waited on ${path} within 60 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('git-annex waits while arbor holds the journal lock, then writes; arbor\'s journal commit and git-annex\'s change both land', needsGitAnnex, async () => {
  const repo = await makeRepo();
  await annex(repo, 'init', '-q', 'before');
  const g = await openGit(repo);
  const annexDir = join(g.repo.gitDir, 'annex');
  const branch = new AnnexBranch({ git: g, annexDir });
  const lockFile = join(annexDir, 'journal.lck');
  let annexExited = false;
  let describe: Promise<number> | undefined;
  await branch.locked(async () => {
    // git-annex's describe journals uuid.log and commits it, both under journal.lck.
    const child = spawn('git', ['annex', 'describe', 'here', 'from git-annex'], { cwd: repo, stdio: 'ignore' });
    describe = new Promise((resolve) => child.once('close', (code) => { annexExited = true; resolve(code ?? 1); }));
    await someoneWaitsOn(lockFile);
    assert.equal(annexExited, false, 'git-annex is still waiting for the lock');
    assert.equal(existsSync(join(annexDir, 'journal', 'uuid.log')), false, 'git-annex wrote nothing to the journal meanwhile');
  });
  await branch.change('trust.log', () => `${'0'.repeat(8)}-0000-0000-0000-000000000000 1 timestamp=1s\n`);
  await branch.commit();
  await g.close();
  assert.equal(await describe, 0, 'git annex describe succeeded once the lock was free');
  await annex(repo, 'merge'); // git-annex commits anything it left in its journal
  assert.match(await git(repo, 'show', 'git-annex:uuid.log'), /from git-annex/);
  assert.match(await git(repo, 'show', 'git-annex:trust.log'), /^00000000-0000-0000-0000-000000000000 1/);
});
