// git arbor sync with a remote that accepts connections and never answers: the others sync, each remote gets its line, nothing is left running.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { eventually } from '../helpers/assistant.js';
import { startHungHost, sshProcessesFor } from '../helpers/hung-host.js';
import { git, writeFiles } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';

const proc = { skip: process.platform === 'linux' ? false : 'reads /proc to look for leftover ssh processes' };

test('sync with a hung ssh remote: the healthy remote syncs, each remote gets a line, exit 1, no ssh left behind', proc, async () => {
  const hung = await startHungHost();
  try {
    const { hub, clones: [a, b] } = await hubAndClones(['A', 'B']);
    assert.ok(a && b);
    writeFiles(b, { 'from-b.txt': 'B\n' });
    await arbor(b, 'sync');
    await git(a, 'remote', 'add', 'nas', `ssh://127.0.0.1:${hung.port}/srv/annex`);
    // A wrapper arbor cannot add ssh options to (so ssh's own ConnectTimeout is not there to help):
    // only the stall watch can end it, and it must end the wrapper's ssh too.
    await git(a, 'config', 'core.sshCommand', `sh -c 'exec ssh -o StrictHostKeyChecking=no -o BatchMode=yes "$@"' ssh-wrapper`);
    await git(a, 'config', 'ssh.variant', 'ssh');
    await git(a, 'config', 'arbor.network.stallseconds', '2');
    writeFiles(a, { 'from-a.txt': 'A\n' });

    const r = await runArbor(['sync'], { cwd: a });
    assert.equal(r.code, 1, `a failed remote is a failed sync:\n${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.split('\n');
    assert.ok(lines.includes('origin: pulled, pushed ok'), r.stdout);
    const nas = lines.find((l) => l.startsWith('nas: '));
    assert.match(nas ?? '', /^nas: pull failed \(fetch from nas failed: no answer for 2 s \(stalled\)\)$/, r.stdout);
    assert.equal(r.stderr, 'git-arbor: fetch from nas failed: no answer for 2 s (stalled)\n', 'one warning line, as it happens');

    assert.equal(await git(a, 'ls-files', 'from-b.txt'), 'from-b.txt', 'B\'s change arrived through the healthy remote');
    assert.equal(await git(hub, 'ls-tree', '--name-only', 'synced/main', 'from-a.txt'), 'from-a.txt', 'A\'s change reached the healthy remote');
    assert.deepEqual(sshProcessesFor(hung.port), [], 'no ssh to the hung host is left running');
    await eventually('every connection to the hung host is closed', () => hung.open() === 0);
  } finally {
    await hung.close();
  }
});

test('sync --json names the unreachable remote and why', proc, async () => {
  const hung = await startHungHost();
  try {
    const { clones: [a] } = await hubAndClones(['A']);
    assert.ok(a);
    await git(a, 'remote', 'add', 'nas', `ssh://127.0.0.1:${hung.port}${join('/srv', 'annex')}`);
    await git(a, 'config', 'arbor.network.stallseconds', '2');
    const r = await runArbor(['sync', '--json'], { cwd: a });
    assert.equal(r.code, 1);
    const result = JSON.parse(r.stdout) as { ok: boolean; remotes: Array<{ remote: string; fetched: boolean; unreachable?: string; errors: string[] }> };
    assert.equal(result.ok, false);
    const nas = result.remotes.find((x) => x.remote === 'nas');
    assert.equal(nas?.fetched, false);
    // Plain ssh gets ConnectTimeout from the stall setting: ssh itself gives up on the silent host.
    assert.match(nas?.unreachable ?? '', /^remote nas: /);
    assert.equal(result.remotes.find((x) => x.remote === 'origin')?.errors.length, 0);
    assert.deepEqual(sshProcessesFor(hung.port), []);
  } finally {
    await hung.close();
  }
});

test('a bad network setting is one line naming the key', async () => {
  const { clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  await git(a, 'config', 'arbor.network.stallseconds', 'soon');
  const r = await runArbor(['sync'], { cwd: a });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /arbor\.network\.stallseconds=soon is not a number of seconds/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});
