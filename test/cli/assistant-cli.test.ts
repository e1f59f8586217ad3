// `git arbor assistant` controls: --foreground logs to stderr and stops cleanly on SIGTERM; --autostart.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { ARBOR_ROOT, testEnv } from '../helpers/env.js';
import { git, makeRepo } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { configureFastAssistant, eventually } from '../helpers/assistant.js';

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
