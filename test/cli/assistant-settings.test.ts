// The assistant's settings as a user meets them: a bad one stops the start with one line and a non-zero exit, a change applies without restart.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo } from '../helpers/repo.js';
import { arbor } from '../helpers/arbor.js';
import { configureFastAssistant, daemonStatus, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { processAlive } from '../../src/util/process-alive.js';

async function status(repo: string): Promise<{ code: number; text: string; json: Record<string, unknown> & { running: boolean; problems: Array<{ id: string; message: string }> } }> {
  const text = await runArbor(['status'], { cwd: repo });
  const json = await runArbor(['status', '--json'], { cwd: repo });
  assert.equal(json.code, text.code, 'status and status --json agree on the exit code');
  return { code: text.code, text: text.stdout, json: JSON.parse(json.stdout) };
}

function daemonLog(repo: string): string {
  try {
    return readFileSync(join(repo, '.git/annex/arbor/daemon.log'), 'utf8');
  } catch {
    return '';
  }
}

test('a bad setting at start: the detached start exits non-zero with that one line, and status says why it is not running', async () => {
  const repo = await makeRepo();
  await arbor(repo, 'init');
  await git(repo, 'config', 'arbor.assistant.quietms', 'abc');
  const r = await runArbor(['assistant'], { cwd: repo });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '', 'never "assistant started"');
  assert.equal(r.stderr, 'git-arbor: git config arbor.assistant.quietms=abc is not a number: use a whole number (0 or more)\n');
  const s = await status(repo);
  assert.equal(s.code, 1, 'status exits 1: the assistant needs attention');
  assert.match(s.text, /^assistant: not running: last start failed at \d\d:\d\d: git config arbor\.assistant\.quietms=abc is not a number/m);
  assert.equal(s.json.running, false);
  assert.match(String(s.json.startError), /arbor\.assistant\.quietms=abc/);

  // Fixed, it starts; stopped by the user, status is content again.
  await git(repo, 'config', 'arbor.assistant.quietms', '100');
  await startAssistant(repo);
  await stopAssistant(repo);
  const after = await status(repo);
  assert.equal(after.code, 0);
  assert.match(after.text, /^assistant: not running \(stopped at \d\d:\d\d; start it with: git arbor assistant\)$/m);
});

test('maxbatch=0 and transfers.slots=many are refused at start, naming the key', async () => {
  const repo = await makeRepo();
  await arbor(repo, 'init');
  for (const [key, value, line] of [
    ['arbor.assistant.maxbatch', '0', 'git config arbor.assistant.maxbatch=0 is too small: use a whole number of at least 1'],
    ['arbor.transfers.slots', 'many', 'git config arbor.transfers.slots=many: expected a whole number of at least 1'],
  ] as const) {
    await git(repo, 'config', key, value);
    const r = await runArbor(['assistant', '--json'], { cwd: repo });
    assert.equal(r.code, 1, key);
    assert.equal(r.stderr, `git-arbor: ${line}\n`);
    const s = await status(repo);
    assert.equal(s.json.running, false);
    assert.equal(s.json.startError, line);
    await git(repo, 'config', '--unset', key);
  }
});

test('a change to git config applies without restart; a bad change keeps the previous settings and shows in status until fixed', async () => {
  const repo = await makeRepo();
  await arbor(repo, 'init');
  await configureFastAssistant(repo);
  const pid = await startAssistant(repo);
  try {
    await eventually('the startup scan finished', async () => (await daemonStatus(repo)).scanning === false, { logOf: repo });
    const commitsBefore = Number(await git(repo, 'rev-list', '--count', 'HEAD'));

    // Live: at most one file per commit from now on (the default is 5000).
    await git(repo, 'config', 'arbor.assistant.maxbatch', '1');
    await eventually('the daemon read the change', () => daemonLog(repo).includes('settings changed: arbor.assistant.maxbatch=1'), { logOf: repo });
    for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(repo, name), `${name}\n`);
    await eventually('three files committed', async () => (await git(repo, 'ls-tree', '--name-only', 'HEAD')).split('\n').filter((n) => n.endsWith('.txt')).length === 3, { logOf: repo });
    const perCommit = (await git(repo, 'log', '--format=%x00', '--name-only', `HEAD~${Number(await git(repo, 'rev-list', '--count', 'HEAD')) - commitsBefore}..HEAD`))
      .split('\0')
      .map((c) => c.split('\n').filter(Boolean))
      .filter((files) => files.length > 0);
    assert.deepEqual(perCommit.map((files) => files.length), [1, 1, 1], 'each commit holds one file: maxbatch=1 applied without restart');

    // A bad change: the daemon keeps running with the previous settings, and says so.
    await git(repo, 'config', 'arbor.assistant.quietms', 'abc');
    await eventually('the assistant notes the bad setting', async () => (await daemonStatus(repo)).problems.some((p) => p.id === 'settings'), { logOf: repo });
    const bad = await status(repo);
    assert.match(bad.text, new RegExp(`^assistant: running \\(pid ${pid}\\), but git config arbor\\.assistant\\.quietms=abc is not a number: use a whole number \\(0 or more\\) \\(the assistant keeps its previous settings until this is fixed\\)$`, 'm'));
    assert.deepEqual(bad.json.problems.map((p) => p.id), ['settings']);
    assert.ok(processAlive(pid));
    writeFileSync(join(repo, 'd.txt'), 'd\n');
    await eventually('d.txt committed with the previous settings', async () => (await git(repo, 'ls-tree', '--name-only', 'HEAD', 'd.txt')) === 'd.txt', { logOf: repo });

    await git(repo, 'config', 'arbor.assistant.quietms', '100');
    await eventually('the problem clears once fixed', async () => (await daemonStatus(repo)).problems.length === 0, { logOf: repo });
    const fixed = await status(repo);
    assert.deepEqual([fixed.code, fixed.json.problems], [0, []]);
    const log = daemonLog(repo);
    assert.equal(log.split('\n').filter((l) => l.includes('"level":40') && l.includes('"problem":"settings"') && l.includes('quietms=abc is not a number')).length, 1, 'one line when raised');
    assert.match(log, /resolved: git config arbor\.assistant\.quietms=abc/);
  } finally {
    await stopAssistant(repo);
  }
});
