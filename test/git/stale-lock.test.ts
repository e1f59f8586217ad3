// Stale git locks with real processes: a lock nobody holds is removed, a user's running git keeps its lock.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { eventually } from '../helpers/assistant.js';
import { tempDir } from '../helpers/tmp.js';
import { findRepository } from '../../src/git/repo.js';
import { createGit } from '../../src/git/git.js';
import { lockInUse, removeStaleLocks } from '../../src/git/stale-lock.js';

const self = { now: Date.now() };

/** Starts `cmd` in its own process group; the returned stop kills the whole group (also what it left running). */
function startGroup(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): { child: ChildProcess; stop: () => void } {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: 'ignore', detached: true });
  return {
    child,
    stop: () => {
      try {
        process.kill(-(child.pid ?? 0), 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

async function repoWithCommit(): Promise<string> {
  const repo = await makeRepo();
  writeFiles(repo, { 'a.txt': 'a\n' });
  await git(repo, 'add', 'a.txt');
  await git(repo, 'commit', '-q', '-m', 'one');
  return repo;
}

test('a lock no process holds is removed at start whatever its age; one held open by a process stays', async () => {
  const repo = await repoWithCommit();
  const info = await findRepository(repo);
  const stale = join(repo, '.git/index.lock');
  const held = join(repo, '.git/refs/heads/other.lock');
  writeFileSync(stale, ''); // as a git killed a moment ago leaves it
  const holder = startGroup('sh', ['-c', `exec 3>"${held}"; exec sleep 600`], { cwd: repo });
  try {
    await eventually('the holder has the lock open', async () => (await lockInUse(held, info, self)) !== undefined);
    assert.match((await lockInUse(held, info, self)) ?? '', /held open by pid/);
    const removed = await removeStaleLocks(info, self);
    assert.deepEqual(removed, [stale]);
    assert.equal(existsSync(stale), false, 'the stale index.lock is gone');
    assert.equal(existsSync(held), true, 'the lock a live process holds open is kept');
  } finally {
    holder.stop();
  }
});

test("a user's git commit waiting on its editor keeps index.lock (closed, but git runs in the repository)", async () => {
  const repo = await repoWithCommit();
  const info = await findRepository(repo);
  writeFiles(repo, { 'a.txt': 'changed\n' });
  const dir = tempDir('arbor-editor-');
  const marker = join(dir, 'editing');
  const editor = join(dir, 'editor.sh');
  writeFileSync(editor, `#!/bin/sh\n: > "${marker}"\nexec sleep 600\n`);
  chmodSync(editor, 0o755);
  // Started through a shell that exits at once, as a user's git is no child of the daemon.
  const user = startGroup('sh', ['-c', 'git commit -a </dev/null >/dev/null 2>&1 &'], { cwd: repo, env: { GIT_EDITOR: editor } });
  try {
    await eventually('the editor runs', () => existsSync(marker));
    const lock = join(repo, '.git/index.lock');
    assert.equal(existsSync(lock), true, 'git commit -a keeps index.lock while the editor runs');
    assert.match((await lockInUse(lock, info, self)) ?? '', /git \(pid \d+\) is running in this repository/);
    assert.deepEqual(await removeStaleLocks(info, self), []);
    assert.equal(existsSync(lock), true);
    // arbor's own command fails on it rather than break the user's commit.
    const r = await createGit(info).tryRun(['add', 'a.txt']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /index\.lock': File exists/);
    assert.equal(existsSync(lock), true);
  } finally {
    user.stop();
  }
});

test('a git command that trips over a stale index.lock removes it, says so and runs again', async () => {
  const repo = await repoWithCommit();
  const info = await findRepository(repo);
  writeFiles(repo, { 'b.txt': 'b\n' });
  writeFileSync(join(repo, '.git/index.lock'), '');
  const g = createGit(info);
  const seen: string[] = [];
  g.onStaleLock((l) => seen.push(`${l.lock}: ${l.reason}`));
  await g.run(['add', '--', 'b.txt']);
  assert.equal(await git(repo, 'ls-files', 'b.txt'), 'b.txt', 'the add went through');
  assert.deepEqual(seen, [`${join(repo, '.git/index.lock')}: no process holds it`]);
  assert.equal(existsSync(join(repo, '.git/index.lock')), false);
});
