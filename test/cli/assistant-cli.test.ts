// `git arbor assistant` controls: --foreground logs to stderr and stops cleanly on SIGTERM; --autostart;
// a folder argument that creates, git-inits and initialises the folder (the README's quick start).
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { ARBOR_ROOT, testEnv } from '../helpers/env.js';
import { git, makeRepo } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { configureFastAssistant, eventually, startAssistantWith, stopAssistant } from '../helpers/assistant.js';
import { bindMountReadOnly } from '../helpers/mount.js';
import { tempDir } from '../helpers/tmp.js';

test('--foreground logs readable lines to stderr, commits, and SIGTERM stops it cleanly', async () => {
  const repo = await makeRepo();
  await arbor(repo, 'init', 'fg');
  await configureFastAssistant(repo);
  const child = spawn(process.execPath, [join(ARBOR_ROOT, 'bin/git-arbor.js'), 'assistant', '--foreground'], { cwd: repo, env: testEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await eventually('the assistant says it started', () => /assistant started/.test(stderr));
    writeFileSync(join(repo, 'a.txt'), 'a\n');
    await eventually('a.txt committed', async () => (await git(repo, 'ls-tree', '--name-only', 'HEAD', 'a.txt').catch(() => '')) === 'a.txt');
    // The commit lands before its log line reaches the pipe: wait for the line itself.
    await eventually('the commit is logged as a readable line', () => /^\d\d:\d\d:\d\d info \[committer\] committed \d+ file/m.test(stderr));
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, 'clean exit on SIGTERM');
  assert.match(stderr, /assistant stopped/);
  assert.equal(existsSync(join(repo, '.git/annex/arbor/daemon.pid')), false);
});

test('--autostart --print shows a systemd user unit that runs this repository\'s assistant', async () => {
  const repo = await makeRepo();
  await arbor(repo, 'init');
  const r = await runArbor(['assistant', '--autostart', '--print'], { cwd: repo });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\[Service\]$/m);
  assert.match(r.stdout, new RegExp(`^WorkingDirectory=${repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  // The daemon trades speed for memory (V8 options), measured in the bench (figure 3).
  assert.match(r.stdout, /^ExecStart=\S*node --optimize-for-size --max-semi-space-size=1 \S*git-arbor\.js assistant --foreground$/m);
  assert.match(r.stdout, /systemctl --user enable --now arbor-repo-[0-9a-f]{8}\.service/);
});

test('--stop when nothing runs says so and exits 0; conflicting modes are a usage error', async () => {
  const repo = await makeRepo();
  await arbor(repo, 'init');
  const r = await runArbor(['assistant', '--stop'], { cwd: repo });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /not running/);
  const bad = await runArbor(['assistant', '--stop', '--foreground'], { cwd: repo });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /choose one of/);
});

test('a folder argument creates the folder, makes it a git repository, initialises it and starts the assistant there, even with no git identity', async () => {
  const parent = tempDir('arbor-folder-');
  const elsewhere = tempDir('arbor-cwd-');
  const folder = join(parent, 'deep', 'Sync');
  // A fresh machine: an empty home, so git has no user.name/user.email (the README's quick start).
  const fresh: NodeJS.ProcessEnv = { ...testEnv, HOME: tempDir('arbor-fresh-home-') };
  for (const v of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL']) delete fresh[v];
  const first = await startAssistantWith(elsewhere, [folder], fresh);
  assert.deepEqual({ ...first, pid: 0 }, { started: true, pid: 0, folder, createdFolder: true, gitInit: true, initialised: true });
  assert.equal(await git(folder, 'rev-parse', '--show-toplevel'), folder);
  assert.match(await git(folder, 'config', 'annex.uuid'), /^[0-9a-f-]{36}$/);
  const status = JSON.parse(await arbor(folder, 'status', '--json')) as { running?: boolean };
  assert.equal(status.running, true, 'the assistant runs in the folder');
  assert.equal(existsSync(join(elsewhere, '.git')), false, 'nothing is made where the command ran');
  // --stop takes the folder too; a second start finds everything done and says only that it started.
  const stopped = await runArbor(['assistant', '--stop', folder], { cwd: elsewhere, env: fresh });
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /^assistant stopped \(pid \d+\)$/m);
  const uuid = await git(folder, 'config', 'annex.uuid');
  const again = await runArbor(['assistant', 'Sync'], { cwd: join(parent, 'deep') });
  try {
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^assistant started in ${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(pid \\d+\\); log: \\S+daemon\\.log\n$`));
  } finally {
    await stopAssistant(folder);
  }
  assert.equal(await git(folder, 'config', 'annex.uuid'), uuid, 'an initialised repository is kept as it is');
});

test('a folder argument inside another repository gets its own; an existing repository folder is only initialised', async () => {
  const outer = await makeRepo();
  const inner = join(outer, 'Sync');
  mkdirSync(inner);
  const nested = await startAssistantWith(outer, ['Sync']);
  await stopAssistant(inner);
  assert.deepEqual([nested.createdFolder, nested.gitInit, nested.initialised], [false, true, true]);
  assert.equal(await git(inner, 'rev-parse', '--show-toplevel'), inner, 'like git init there, the folder is a repository of its own');
  assert.equal(await git(outer, 'config', '--default', '', 'annex.uuid'), '', 'the outer repository is not initialised');
  const plain = await makeRepo();
  const r = await startAssistantWith(tempDir('arbor-cwd-'), [plain]);
  await stopAssistant(plain);
  assert.deepEqual([r.createdFolder, r.gitInit, r.initialised], [false, false, true]);
});

test('a folder argument that is a file, lies under a file or cannot be created says why in one line and exits 1', async () => {
  const parent = tempDir('arbor-folder-');
  const file = join(parent, 'notes.txt');
  writeFileSync(file, 'x\n');
  // Root writes anywhere permissions allow nothing: a read-only mount refuses even root.
  const unwritable = process.getuid?.() === 0 ? bindMountReadOnly(tempDir('arbor-ro-src-')) : tempDir('arbor-ro-');
  if (process.getuid?.() !== 0) chmodSync(unwritable, 0o555);
  const cases: [string, RegExp][] = [
    [file, /^git-arbor: cannot use \S+notes\.txt for the assistant: it is a file, not a folder\n$/],
    [join(file, 'Sync'), /^git-arbor: cannot use \S+notes\.txt\/Sync for the assistant: cannot create it: \S+notes\.txt is a file\n$/],
    [join(unwritable, 'Sync'), /^git-arbor: cannot use \S+\/Sync for the assistant: cannot create it: \S+ is (read-only|not writable) \((EROFS|EACCES)\)\n$/],
    [unwritable, /^git-arbor: cannot use \S+ for the assistant: it is (read-only|not writable) \((EROFS|EACCES)\)\n$/],
  ];
  for (const [folder, message] of cases) {
    const r = await runArbor(['assistant', folder], { cwd: parent });
    assert.equal(r.code, 1, `${folder}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  }
  assert.equal(existsSync(join(parent, '.git')), false);
});
