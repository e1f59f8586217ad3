// The assistant end to end: real daemons on real repositories, no user action between write and sync.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, renameSync, lstatSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { configureFastAssistant, daemonRemotes, eventually, startAssistant, stopAssistant } from '../helpers/assistant.js';

async function committedAt(repo: string, ref: string, path: string): Promise<boolean> {
  const r = await git(repo, 'ls-tree', '--name-only', ref, '--', path).catch(() => '');
  return r === path;
}

test('a write in A reaches a bare hub and a non-bare peer without user action; a second start says it is already running; --stop stops it', async () => {
  const { hub, clones: [a], parent } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await git(parent, 'clone', '-q', a, 'peer');
  const peer = join(parent, 'peer');
  await arbor(peer, 'init', 'peer');
  await git(a, 'remote', 'add', 'peer', peer);
  await configureFastAssistant(a);
  const pid = await startAssistant(a);
  try {
    const again = await runArbor(['assistant'], { cwd: a });
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`already running.*${pid}`));
    writeFileSync(join(a, 'hello.txt'), 'hello\n');
    writeFileSync(join(a, 'big.bin'), Buffer.alloc(200_000, 7));
    await eventually('hub has hello.txt', () => committedAt(hub, 'main', 'hello.txt'), { logOf: a });
    await eventually('peer has synced/main with hello.txt', () => committedAt(peer, 'synced/main', 'hello.txt'), { logOf: a });
    await eventually('hub has big.bin content', async () => {
      const whereis = (await runArbor(['whereis', '--json', 'big.bin'], { cwd: a })).stdout;
      return whereis.includes('hub') || JSON.parse(whereis).whereis.length >= 2;
    }, { logOf: a });
    const state = JSON.parse((await runArbor(['status', '--json'], { cwd: a })).stdout);
    assert.equal(state.running, true);
    assert.ok(state.remotes.origin?.lastSync, 'status shows the last sync per remote');
    assert.ok(!lstatSync(join(a, 'big.bin')).isSymbolicLink(), 'the assistant adds large files unlocked: still a normal file');
  } finally {
    await stopAssistant(a);
  }
  assert.equal(JSON.parse((await runArbor(['status', '--json'], { cwd: a })).stdout).running, false);
  assert.equal(existsSync(join(a, '.git/annex/arbor/daemon.pid')), false, 'pid file removed on a clean stop');
});

test('a chain A → B → C with assistants on all three propagates A\'s change to C', async () => {
  const c = await makeRepo({ name: 'c' });
  const parent = join(c, '..');
  await arbor(c, 'init', 'C');
  writeFiles(c, { 'seed.txt': 'seed\n' });
  await arbor(c, 'sync');
  await git(parent, 'clone', '-q', c, 'b');
  const b = join(parent, 'b');
  await arbor(b, 'init', 'B');
  await git(parent, 'clone', '-q', b, 'a');
  const a = join(parent, 'a');
  await arbor(a, 'init', 'A');
  for (const r of [a, b, c]) await configureFastAssistant(r);
  for (const r of [a, b, c]) await startAssistant(r);
  try {
    writeFileSync(join(a, 'from-a.txt'), 'travels\n');
    await eventually('C has from-a.txt in its work tree', () => existsSync(join(c, 'from-a.txt')), { logOf: b });
    assert.equal(readFileSync(join(c, 'from-a.txt'), 'utf8'), 'travels\n');
  } finally {
    for (const r of [a, b, c]) await stopAssistant(r);
  }
});

test('simultaneous edits of one file on two nodes converge with both versions kept', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'doc.bin': Buffer.alloc(150_000, 1) });
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  for (const r of [a, b]) await configureFastAssistant(r);
  await startAssistant(a);
  await startAssistant(b);
  try {
    // Each side saves a new version (editors replace the file; the old one is a locked link here).
    rmSync(join(a, 'doc.bin'));
    rmSync(join(b, 'doc.bin'));
    writeFileSync(join(a, 'doc.bin'), Buffer.alloc(150_000, 2));
    writeFileSync(join(b, 'doc.bin'), Buffer.alloc(150_000, 3));
    const variants = async (repo: string): Promise<string[]> => (await git(repo, 'ls-files')).split('\n').filter((f) => f.startsWith('doc.variant-'));
    await eventually('both nodes hold both variants and the same tree', async () => {
      const [va, vb] = [await variants(a), await variants(b)];
      return va.length === 2 && vb.length === 2 && (await git(a, 'rev-parse', 'HEAD^{tree}')) === (await git(b, 'rev-parse', 'HEAD^{tree}'));
    }, { logOf: [a, b], timeoutMs: 120_000 });
    const conflicts = JSON.parse((await runArbor(['status', '--json'], { cwd: a })).stdout).conflicts.concat(JSON.parse((await runArbor(['status', '--json'], { cwd: b })).stdout).conflicts);
    assert.ok(conflicts.length >= 1, 'the conflict is recorded for the user');
  } finally {
    await stopAssistant(a);
    await stopAssistant(b);
  }
});

test('an unreachable remote is retried on schedule and catches up when it returns', async () => {
  const { hub, clones: [a], parent } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  renameSync(hub, join(parent, 'unplugged.git'));
  await startAssistant(a);
  try {
    writeFileSync(join(a, 'while-away.txt'), 'queued\n');
    await eventually('the assistant notes the push failure', async () => (await daemonRemotes(a)).origin?.lastFailure !== undefined, { logOf: a });
    assert.ok(JSON.parse((await runArbor(['status', '--json'], { cwd: a })).stdout).remotes.origin?.lastFailure, 'status --json shows it');
    renameSync(join(parent, 'unplugged.git'), hub);
    await eventually('the hub caught up', () => committedAt(hub, 'main', 'while-away.txt'), { logOf: a });
  } finally {
    await stopAssistant(a);
  }
});

test('the hook runs after a sync that changed something, with the changed files on stdin', async () => {
  const { clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  const out = join(a, '..', 'hook.out');
  await git(a, 'config', 'arbor.assistant.hook', `cat >> '${out}'; echo "new=$ARBOR_NEW_HEAD" >> '${out}'`);
  await startAssistant(a);
  try {
    writeFileSync(join(a, 'note.txt'), 'n\n');
    await eventually('the hook saw note.txt and finished', () => existsSync(out) && /note\.txt[\s\S]*new=/.test(readFileSync(out, 'utf8')), { logOf: a });
    assert.match(readFileSync(out, 'utf8'), /^A\tnote\.txt$/m);
    assert.match(readFileSync(out, 'utf8'), /^new=[0-9a-f]{40}$/m);
  } finally {
    await stopAssistant(a);
  }
});

test('a burst of 2,000 files becomes a few commits, and ignored files are never committed', async () => {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { '.gitignore': 'scratch/\n*.tmp\n' });
  await arbor(a, 'sync');
  await configureFastAssistant(a);
  await startAssistant(a);
  const before = Number(await git(a, 'rev-list', '--count', 'HEAD'));
  try {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) files[`burst/d${i % 20}/f${i}.txt`] = `${i}\n`;
    files['scratch/notes'] = 'ignored dir\n';
    files['x.tmp'] = 'ignored file\n';
    writeFiles(a, files);
    await eventually('all 2,000 files reached the hub', async () => (await git(hub, 'ls-tree', '-r', '--name-only', 'main', 'burst')).split('\n').length === 2000, { logOf: a });
  } finally {
    await stopAssistant(a);
  }
  const commits = Number(await git(a, 'rev-list', '--count', 'HEAD')) - before;
  assert.ok(commits >= 1 && commits <= 20, `batched into a few commits, not thousands (got ${commits})`);
  const tracked = await git(a, 'ls-files');
  assert.doesNotMatch(tracked, /scratch\/|x\.tmp/);
});
