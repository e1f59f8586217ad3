// Stopping pushes what the stop committed; kill -9 and an immediate restart lose nothing and leave no lock, but never take a live process's lock.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { processAlive } from '../../src/util/process-alive.js';
import { git, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, daemonStatus, eventually, logMessages, forget, startAssistant, stopAssistant } from '../helpers/assistant.js';

async function hubFiles(hub: string): Promise<Set<string>> {
  return new Set((await git(hub, 'ls-tree', '-r', '--name-only', 'main')).split('\n'));
}

test('--stop commits what is pending, pushes it, and returns with the daemon gone', async () => {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  // The committer would wait 10 minutes on its own: only the stop commits.
  await git(a, 'config', 'arbor.assistant.quietms', '600000');
  await git(a, 'config', 'arbor.assistant.maxdelayms', '600000');
  const pid = await startAssistant(a);
  await eventually('the watcher runs and the startup scan is done', async () =>
    logMessages(a).some((m) => m.startsWith('watching /')) && !(await daemonStatus(a)).scanning, { logOf: a });
  writeFiles(a, { 'late.txt': 'written just before the stop\n' });
  await eventually('the daemon has seen the change', async () => (await daemonStatus(a)).pendingChanges >= 1, { logOf: a });
  assert.ok((JSON.parse(await arbor(a, 'status', '--json')) as { pendingChanges: number }).pendingChanges >= 1, 'status counts it pending');
  assert.equal((await hubFiles(hub)).has('late.txt'), false);
  const r = await runArbor(['assistant', '--stop', '--json'], { cwd: a });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).pid, pid);
  forget(pid);
  assert.equal(processAlive(pid), false, 'the daemon process is gone');
  assert.equal((await hubFiles(hub)).has('late.txt'), true, 'the stop pushed its commit to the hub');
  assert.equal(await git(a, 'rev-parse', 'main'), await git(hub, 'rev-parse', 'main'));
  assert.ok(logMessages(a).includes('pushing the last commits before stopping'));
});

test('kill -9 mid-burst, locks left as by a dead git (before the restart and while it runs), an immediate restart: everything committed and pushed; a lock a live process holds is kept', async () => {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  const pid = await startAssistant(a);
  const expected: string[] = [];
  for (let d = 0; d < 4; d++) {
    mkdirSync(join(a, `d${d}`));
    for (let i = 0; i < 50; i++) {
      const p = `d${d}/f${i}.${i % 10 === 0 ? 'bin' : 'txt'}`;
      writeFileSync(join(a, p), i % 10 === 0 ? Buffer.from([0, d, i, 255, 0]) : `file ${d}/${i}\n`);
      expected.push(p);
    }
    if (d === 1) {
      await eventually('the first commits of the burst', async () => (await git(a, 'rev-list', '--count', 'HEAD')) !== '1', { logOf: a });
      process.kill(pid, 'SIGKILL');
      forget(pid);
    }
  }
  // What a git killed with the daemon leaves (unless it still runs: then it holds it and finishes).
  if (!existsSync(join(a, '.git/index.lock'))) writeFileSync(join(a, '.git/index.lock'), '');
  // A lock that a live process (not a child of arbor) holds open: it must survive the start.
  const held = join(a, '.git/refs/heads/held.lock');
  const holder = spawn('sh', ['-c', `exec 3>"${held}"; exec sleep 600`], { stdio: 'ignore', detached: true });
  try {
    await eventually('the holder has the lock', () => existsSync(held));
    await startAssistant(a); // at once: no waiting for the lock to age
    try {
      // While it runs, a git dies again and leaves its lock (as SIGBUS under `git add` does): the
      // daemon must not wedge on it.
      await eventually('the restarted daemon has committed the burst', async () => {
        const files = new Set((await git(a, 'ls-tree', '-r', '--name-only', 'HEAD')).split('\n'));
        return expected.every((p) => files.has(p));
      }, { logOf: a, timeoutMs: 180_000 });
      try {
        writeFileSync(join(a, '.git/index.lock'), '', { flag: 'wx' });
      } catch {
        // a git of the daemon holds it right now: it will be gone when that git ends
      }
      writeFiles(a, { 'after-lock.txt': 'written after the lock was left\n' });
      expected.push('after-lock.txt');
      await eventually('the hub has every file of the burst', async () => {
        const files = await hubFiles(hub);
        return expected.every((p) => files.has(p));
      }, { logOf: a, timeoutMs: 180_000 });
      await eventually('the work tree is clean', async () => (await git(a, 'status', '--porcelain')) === '', { logOf: a });
      assert.equal(existsSync(join(a, '.git/index.lock')), false);
      assert.equal(existsSync(held), true, 'the held lock is not removed');
      assert.equal(processAlive(holder.pid ?? 0), true, 'its holder still runs');
    } finally {
      await stopAssistant(a);
    }
  } finally {
    try {
      process.kill(-(holder.pid ?? 0), 'SIGKILL');
    } catch {
      // gone
    }
  }
  assert.equal(await git(a, 'rev-parse', 'main'), await git(hub, 'rev-parse', 'main'));
});
