// A file that cannot be added is named and retried, never holding up the others; a git that crashes on a file being truncated wedges nothing.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { git, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, daemonStatus, eventually, logMessages, startAssistant, startAssistantWith, stopAssistant } from '../helpers/assistant.js';
import { openAnnex } from '../../src/annex/annex.js';
import { addIsolating } from '../../src/content/git-add.js';
import { tempDir } from '../helpers/tmp.js';

interface Status {
  pendingChanges: number;
  scanError?: string;
  couldNotAdd: Array<{ path: string; reason: string; attempts: number }>;
}

async function status(repo: string): Promise<Status> {
  return JSON.parse(await arbor(repo, 'status', '--json')) as Status;
}

/** A clone A of a hub, with one file committed and synced: the hub has a main branch to compare with. */
async function seededClone(): Promise<{ hub: string; a: string }> {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  return { hub, a };
}

async function onHub(hub: string, path: string): Promise<boolean> {
  return (await git(hub, 'ls-tree', '--name-only', 'main', '--', path).catch(() => '')) === path;
}

function daemonLog(repo: string): string {
  return readFileSync(join(repo, '.git/annex/arbor/daemon.log'), 'utf8');
}

test('a file git refuses is listed by name with its reason and retried, while the files written with it are committed and pushed', async () => {
  const { hub, a } = await seededClone();
  // With NTFS protection on, git refuses the name "git~1" (it could stand for .git on Windows).
  await git(a, 'config', 'core.protectNTFS', 'true');
  await configureFastAssistant(a);
  await startAssistant(a);
  try {
    writeFiles(a, { 'd/git~1': 'refused\n', 'd/one.txt': 'one\n', 'two.txt': 'two\n' });
    await eventually('the other files reach the hub', async () => (await onHub(hub, 'd/one.txt')) && (await onHub(hub, 'two.txt')), { logOf: a });
    await eventually('status lists the refused file', async () => ((await daemonStatus(a)).couldNotAdd ?? []).some((f) => f.path === 'd/git~1'), { logOf: a });
    const s = await status(a);
    const entry = s.couldNotAdd.find((f) => f.path === 'd/git~1');
    assert.match(entry?.reason ?? '', /invalid path/);
    assert.ok(s.pendingChanges >= 1, 'the refused file counts as pending');
    assert.ok(logMessages(a).some((m) => m.startsWith(`could not add "d/git~1": invalid path 'd/git~1'; trying again in`)), 'the log names the file and the reason');
    await eventually('it is tried again', async () => ((await daemonStatus(a)).couldNotAdd?.[0]?.attempts ?? 0) >= 2, { logOf: a });
    assert.match(await arbor(a, 'status'), /could not add "d\/git~1": invalid path/);
    // Once the user renames it, it is committed and the list is empty.
    rmSync(join(a, 'd/git~1'));
    writeFiles(a, { 'd/git-1': 'refused\n' });
    await eventually('the renamed file reaches the hub', () => onHub(hub, 'd/git-1'), { logOf: a });
    await eventually('nothing is pending', async () => {
      const t = await daemonStatus(a);
      return (t.couldNotAdd ?? []).length === 0 && t.pendingChanges === 0;
    }, { logOf: a });
    const t = await status(a);
    assert.deepEqual([t.couldNotAdd, t.pendingChanges], [[], 0], 'status agrees');
  } finally {
    await stopAssistant(a);
  }
});

test('a file that vanished between listing and git add does not stop the rest of its batch', async () => {
  const { clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'keep1.txt': '1\n', 'gone.txt': 'x\n', 'keep2.txt': '2\n' });
  rmSync(join(a, 'gone.txt')); // listed a moment ago; git now says "pathspec did not match"
  const annex = await openAnnex(a);
  try {
    const out = await addIsolating(annex, ['keep1.txt', 'gone.txt', 'keep2.txt'], { filter: false });
    assert.deepEqual(out.failed, []);
    assert.deepEqual(out.vanished, ['gone.txt']);
  } finally {
    await annex.close();
  }
  assert.deepEqual((await git(a, 'ls-files', '--', 'keep1.txt', 'keep2.txt')).split('\n'), ['keep1.txt', 'keep2.txt']);
});

test('a file truncated and rewritten in a loop while the assistant adds it (git dies of SIGBUS): no lock left, everything committed', async () => {
  const { hub, a } = await seededClone();
  // Everything in git: git add maps the file and hashes it, and dies of SIGBUS when it shrinks meanwhile.
  await git(a, 'config', 'annex.largefiles', 'nothing');
  await configureFastAssistant(a);
  await startAssistant(a);
  const data = randomBytes(1 << 20);
  const file = join(a, 'churn.dat');
  let rounds = 0;
  try {
    // Drive the race until the daemon reports a crashed git, at most 400 rewrites of 24 MiB.
    while (rounds < 400 && !/killed by signal 7/.test(daemonLog(a))) {
      const h = await open(file, 'w');
      for (let i = 0; i < 24; i++) await h.write(data);
      await h.close();
      rounds++;
      // Written during the churn: after the first rewrite (the race may be hit at any round).
      if (rounds === 1) writeFiles(a, { 'beside.txt': 'written during the churn\n' });
    }
    writeFiles(a, { 'churn.dat': 'final\n' });
    const hit = logMessages(a).some((m) => /killed by signal 7/.test(m));
    if (!hit) console.log(`# the SIGBUS race was not hit in ${rounds} rewrites; checking the end state only`);
    else console.log(`# git died of SIGBUS after ${rounds} rewrites`);
    await eventually('the final churn.dat and beside.txt reach the hub', async () => (await git(hub, 'show', 'main:churn.dat').catch(() => '')) === 'final' && (await onHub(hub, 'beside.txt')), { logOf: a });
    await eventually('nothing is pending', async () => {
      const s = await status(a);
      return s.pendingChanges === 0 && s.couldNotAdd.length === 0;
    }, { logOf: a });
    assert.equal(existsSync(join(a, '.git/index.lock')), false, 'no index.lock left behind');
    assert.equal(await git(a, 'status', '--porcelain'), '');
  } finally {
    await stopAssistant(a);
  }
});

test('a start-up scan that fails (the user\'s git commit holds index.lock) is said in status and retried until what was written while the assistant was stopped is committed', async () => {
  const { hub, a } = await seededClone();
  await configureFastAssistant(a);
  // Written while no assistant ran: only the start-up scan finds these.
  writeFiles(a, { 'seed.txt': 'changed while stopped\n', 'while-down.txt': 'written while stopped\n' });
  // The user's `git commit -a` waits on its editor and holds index.lock (a live git: never removed).
  const dir = tempDir('arbor-editor-');
  const marker = join(dir, 'editing');
  const editor = join(dir, 'editor.sh');
  writeFileSync(editor, `#!/bin/sh\n: > "${marker}"\nexec sleep 6012\n`);
  chmodSync(editor, 0o755);
  const user = spawn('sh', ['-c', 'git commit -a </dev/null >/dev/null 2>&1 &'], { cwd: a, env: { ...process.env, GIT_EDITOR: editor }, stdio: 'ignore', detached: true });
  const quitEditor = (): void => {
    try {
      process.kill(-(user.pid ?? 0), 'SIGKILL');
    } catch {
      // gone already
    }
  };
  try {
    await eventually('the editor runs', () => existsSync(marker));
    await startAssistant(a);
    await eventually('status says the scan failed, naming the lock', async () => /index\.lock/.test((await daemonStatus(a)).scanError ?? ''), { logOf: a });
    assert.match(await arbor(a, 'status'), /scan failed \(retrying\): .*index\.lock/);
    assert.equal(await onHub(hub, 'while-down.txt'), false);
    // The user gives up on the commit: git removes its lock, and the next try of the scan commits both files.
    quitEditor();
    await eventually('what was written while stopped reaches the hub', async () => (await onHub(hub, 'while-down.txt')) && (await git(hub, 'show', 'main:seed.txt')) === 'changed while stopped', { logOf: a });
    await eventually('status no longer shows the failure', async () => (await daemonStatus(a)).scanError === undefined, { logOf: a });
    assert.equal((await status(a)).scanError, undefined, 'status agrees');
    assert.ok(logMessages(a).some((m) => /^scan failed: .*index\.lock.*; scanning the whole tree again in \d+ s$/.test(m)), 'the log says it will try again');
  } finally {
    quitEditor();
    await stopAssistant(a);
  }
});

test('a git add that dies of SIGBUS holding index.lock (every time it is hit, not only when a race is won): the lock is cleared, the add retried, everything committed', async () => {
  const { hub, a } = await seededClone();
  await configureFastAssistant(a);
  // The git the assistant runs: the first `git add` after the marker appears takes index.lock and
  // dies of SIGBUS, as git does when a file it maps is truncated; every other run is the real git.
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  const dir = tempDir('arbor-sigbus-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const arm = join(dir, 'armed');
  const fired = join(dir, 'fired');
  writeFileSync(
    join(bin, 'git'),
    `#!/bin/sh
for a in "$@"; do
  if [ "$a" = add ] && [ -e "${arm}" ] && [ ! -e "${fired}" ]; then
    : > "${fired}"
    : > "$(${realGit} rev-parse --git-dir)/index.lock"
    kill -BUS $$
  fi
done
exec ${realGit} "$@"
`,
  );
  chmodSync(join(bin, 'git'), 0o755);
  await startAssistantWith(a, [], { PATH: `${bin}:${process.env.PATH ?? ''}` });
  try {
    writeFileSync(arm, '');
    writeFiles(a, { 'crash.txt': 'added by a git that crashes\n', 'beside.txt': 'written with it\n' });
    await eventually('both files reach the hub', async () => (await onHub(hub, 'crash.txt')) && (await onHub(hub, 'beside.txt')), { logOf: a });
    assert.ok(existsSync(fired), 'the crashing git did run');
    assert.ok(logMessages(a).some((m) => /index\.lock.*killed by signal 7|killed by signal 7.*index\.lock/.test(m)), `the log says which lock was cleared and why:\n${logMessages(a).join('\n')}`);
    assert.equal(existsSync(join(a, '.git/index.lock')), false, 'no index.lock left behind');
    await eventually('nothing is pending', async () => {
      const st = await status(a);
      return st.pendingChanges === 0 && st.couldNotAdd.length === 0;
    }, { logOf: a });
  } finally {
    await stopAssistant(a);
  }
});
