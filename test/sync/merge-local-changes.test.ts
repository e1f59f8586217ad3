// A peer's merge that uncommitted work is in the way of: refused, and nothing in the work tree rewritten meanwhile.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, ftruncateSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { Annex, openAnnex } from '../../src/annex/annex.js';
import { mergeRef } from '../../src/sync/merge.js';
import { openGit } from '../../src/git/git.js';
import { nodeSpawner, type SpawnResult, type Spawner } from '../../src/util/spawn.js';
import { systemClock } from '../../src/util/clock.js';

const PLAIN = ['-c', 'filter.annex.process=', '-c', 'filter.annex.clean=', '-c', 'filter.annex.smudge='];

async function commitAll(dir: string, message: string): Promise<void> {
  await git(dir, ...PLAIN, 'add', '-A');
  await git(dir, ...PLAIN, 'commit', '-q', '-m', message);
}

/**
 * A repository whose branch and the branch `peer` both moved on from a common commit (a real
 * merge, not a fast-forward): the peer changed shared.txt, we added ours.txt.
 */
async function divergedRepo(): Promise<string> {
  const dir = await makeRepo();
  await git(dir, 'config', 'annex.uuid', randomUUID());
  writeFiles(dir, { 'notes.txt': 'v0\n', 'shared.txt': 's0\n', 'gone.txt': 'g0\n' });
  await commitAll(dir, 'base');
  const ours = await git(dir, 'symbolic-ref', '--short', 'HEAD');
  await git(dir, 'checkout', '-q', '-b', 'peer');
  writeFiles(dir, { 'shared.txt': 's1 from the peer\n' });
  await commitAll(dir, 'peer');
  await git(dir, 'checkout', '-q', ours);
  writeFiles(dir, { 'ours.txt': 'o\n' });
  await commitAll(dir, 'ours');
  return dir;
}

test('a merge refused for a local edit in its way rewrites no file: a program still writing to another file keeps its writes', async () => {
  const dir = await divergedRepo();
  const head = await git(dir, 'rev-parse', 'HEAD');
  // Uncommitted work: an edit in the merge's way (the peer changed shared.txt too), an edit and a
  // deletion it does not touch, and notes.txt held open by a program that goes on writing to it.
  writeFiles(dir, { 'shared.txt': 'local edit\n', 'notes.txt': 'v1\n' });
  await git(dir, 'rm', '-q', 'gone.txt');
  const notes = join(dir, 'notes.txt');
  const inode = statSync(notes).ino;
  const fd = openSync(notes, 'r+');
  const annex = await openAnnex(dir);
  try {
    const outcome = await mergeRef(annex, 'refs/heads/peer');
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.blockedByLocalChanges, true, outcome.error);
    ftruncateSync(fd, 0);
    writeSync(fd, 'v2 written after the refused merge\n', 0);
  } finally {
    closeSync(fd);
    await annex.close();
  }
  assert.equal(readFileSync(notes, 'utf8'), 'v2 written after the refused merge\n', 'the open file is still the file at that name');
  assert.equal(statSync(notes).ino, inode, 'notes.txt was not replaced');
  assert.equal(readFileSync(join(dir, 'shared.txt'), 'utf8'), 'local edit\n');
  assert.equal(await git(dir, 'ls-files', 'gone.txt'), '', 'the staged deletion stays staged');
  assert.throws(() => statSync(join(dir, 'gone.txt')), 'the deleted file does not come back');
  assert.equal(await git(dir, 'rev-parse', 'HEAD'), head, 'nothing merged');
  assert.equal(await git(dir, 'rev-parse', '-q', '--verify', 'MERGE_HEAD').catch(() => ''), '', 'not left mid-merge');
});

test('once nothing is in its way the merge goes through and keeps uncommitted edits and staged changes elsewhere', async () => {
  const dir = await divergedRepo();
  const head = await git(dir, 'rev-parse', 'HEAD');
  const peer = await git(dir, 'rev-parse', 'peer');
  writeFiles(dir, { 'notes.txt': 'v1, not committed yet\n' });
  await git(dir, 'rm', '-q', 'gone.txt');
  const inode = statSync(join(dir, 'notes.txt')).ino;
  const annex = await openAnnex(dir);
  try {
    const outcome = await mergeRef(annex, 'refs/heads/peer');
    assert.equal(outcome.status, 'merged', outcome.error);
  } finally {
    await annex.close();
  }
  assert.equal(await git(dir, 'rev-parse', 'HEAD^1'), head);
  assert.equal(await git(dir, 'rev-parse', 'HEAD^2'), peer);
  assert.equal(readFileSync(join(dir, 'shared.txt'), 'utf8'), 's1 from the peer\n');
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'v1, not committed yet\n');
  assert.equal(statSync(join(dir, 'notes.txt')).ino, inode, 'a file the merge does not change is not rewritten');
  assert.throws(() => statSync(join(dir, 'gone.txt')), 'the uncommitted deletion stays');
  assert.equal(await git(dir, ...PLAIN, 'status', '--porcelain'), 'D  gone.txt\n M notes.txt', 'only our own changes are left to commit');
});

/** Like divergedRepo, but both sides changed shared.txt: the merge conflicts. */
async function conflictedRepo(): Promise<string> {
  const dir = await divergedRepo();
  writeFiles(dir, { 'shared.txt': 's1 from us\n' });
  await commitAll(dir, 'ours changes shared.txt too');
  return dir;
}

test('a conflicted merge is resolved and committed without git merge: files it does not change keep their inode and later writes, both versions are kept', async () => {
  const dir = await conflictedRepo();
  const head = await git(dir, 'rev-parse', 'HEAD');
  const peer = await git(dir, 'rev-parse', 'peer');
  writeFiles(dir, { 'notes.txt': 'v1, not committed yet\n' });
  await git(dir, 'rm', '-q', 'gone.txt');
  const notes = join(dir, 'notes.txt');
  const inode = statSync(notes).ino;
  const fd = openSync(notes, 'r+');
  const annex = await openAnnex(dir);
  try {
    const outcome = await mergeRef(annex, 'refs/heads/peer');
    assert.equal(outcome.status, 'conflicts-resolved', outcome.error);
    assert.deepEqual(outcome.conflicts.map((c) => c.path), ['shared.txt']);
    ftruncateSync(fd, 0);
    writeSync(fd, 'v2 written after the merge\n', 0);
  } finally {
    closeSync(fd);
    await annex.close();
  }
  assert.equal(await git(dir, 'rev-parse', 'HEAD^1'), head);
  assert.equal(await git(dir, 'rev-parse', 'HEAD^2'), peer);
  assert.equal(await git(dir, 'rev-parse', '-q', '--verify', 'MERGE_HEAD').catch(() => ''), '', 'not left mid-merge');
  const shared = (await git(dir, 'ls-files')).split('\n').filter((p) => p.startsWith('shared')).sort();
  const texts = shared.map((p) => readFileSync(join(dir, p), 'utf8')).sort();
  assert.deepEqual(texts, ['s1 from the peer\n', 's1 from us\n'], `both versions are in the work tree: ${shared.join(', ')}`);
  assert.ok(texts.every((t) => !t.includes('<<<<<<<')), 'no conflict markers');
  assert.equal(readFileSync(notes, 'utf8'), 'v2 written after the merge\n');
  assert.equal(statSync(notes).ino, inode, 'notes.txt was not replaced');
  assert.throws(() => statSync(join(dir, 'gone.txt')), 'the uncommitted deletion stays');
  assert.equal(await git(dir, ...PLAIN, 'status', '--porcelain'), 'D  gone.txt\n M notes.txt', 'only our own changes are left to commit');
});

test('a conflicted merge never overwrites a local edit to the conflicted file: refused, or merged with the edit kept where it is', async () => {
  const dir = await conflictedRepo();
  const head = await git(dir, 'rev-parse', 'HEAD');
  writeFiles(dir, { 'shared.txt': 'local edit, not committed\n' });
  const inode = statSync(join(dir, 'shared.txt')).ino;
  const annex = await openAnnex(dir);
  let status: string;
  try {
    const outcome = await mergeRef(annex, 'refs/heads/peer');
    status = outcome.status;
    // The version that keeps the name is chosen by blob id: when it is ours, the merge leaves
    // shared.txt alone and may go through; when it is the peer's, the edit is in the way.
    if (status === 'failed') assert.equal(outcome.blockedByLocalChanges, true, outcome.error);
    else assert.equal(status, 'conflicts-resolved', outcome.error);
  } finally {
    await annex.close();
  }
  assert.equal(readFileSync(join(dir, 'shared.txt'), 'utf8'), 'local edit, not committed\n');
  assert.equal(statSync(join(dir, 'shared.txt')).ino, inode, 'shared.txt was not replaced');
  assert.equal(await git(dir, 'rev-parse', '-q', '--verify', 'MERGE_HEAD').catch(() => ''), '', 'not left mid-merge');
  if (status === 'failed') assert.equal(await git(dir, 'rev-parse', 'HEAD'), head, 'nothing merged');
  else {
    const variants = (await git(dir, 'ls-files')).split('\n').filter((p) => p.startsWith('shared') && p !== 'shared.txt');
    assert.deepEqual(variants.map((p) => readFileSync(join(dir, p), 'utf8')), ['s1 from the peer\n'], 'the peer\'s version is kept beside it');
  }
});

/**
 * The repository opened with a git that runs `meanwhile` (the user's own git command, real) just
 * before arbor's merge commit is made: after read-tree has brought the merge into the work tree
 * and before HEAD moves. Resolves `meanwhile`'s result through the returned promise.
 */
async function annexWithUserGitDuringMerge(dir: string, meanwhile: readonly string[]): Promise<{ annex: Annex; user: Promise<SpawnResult> }> {
  let resolveUser!: (r: SpawnResult) => void;
  const user = new Promise<SpawnResult>((resolve) => (resolveUser = resolve));
  let done = false;
  const spawner: Spawner = {
    ...nodeSpawner,
    async run(cmd, args, opts) {
      if (!done && args[0] === 'commit-tree') {
        done = true;
        resolveUser(await nodeSpawner.run('git', [...PLAIN, ...meanwhile], { cwd: dir }));
      }
      return nodeSpawner.run(cmd, args, opts);
    },
  };
  const g = await openGit(dir, { spawner });
  const uuid = await git(dir, 'config', 'annex.uuid');
  return { annex: new Annex({ git: g, uuid, deps: { clock: systemClock } }), user };
}

/** Files arbor's index lock may leave: the lock and its private index copies. */
function leftovers(dir: string): string[] {
  return readdirSync(join(dir, '.git')).filter((f) => f === 'index.lock' || f.startsWith('arbor-index-'));
}

test("a git commit the user makes while a merge is being applied is refused as during any git command, and neither side's change is lost or undone", async () => {
  const dir = await divergedRepo();
  const head = await git(dir, 'rev-parse', 'HEAD');
  const peer = await git(dir, 'rev-parse', 'peer');
  writeFiles(dir, { 'notes.txt': 'v1, the user is committing this\n' });
  const { annex, user } = await annexWithUserGitDuringMerge(dir, ['commit', '-q', '-m', 'mine', 'notes.txt']);
  try {
    const outcome = await mergeRef(annex, 'refs/heads/peer');
    assert.equal(outcome.status, 'merged', outcome.error);
  } finally {
    await annex.close();
  }
  const during = await user;
  assert.notEqual(during.code, 0, 'the commit in the middle of the merge was refused');
  assert.match(during.stderr, /index\.lock': File exists/);
  assert.equal(await git(dir, 'rev-parse', 'HEAD^1'), head);
  assert.equal(await git(dir, 'rev-parse', 'HEAD^2'), peer, 'HEAD is the merge');
  assert.equal(readFileSync(join(dir, 'shared.txt'), 'utf8'), 's1 from the peer\n', "the peer's change is in the work tree");
  assert.equal(await git(dir, 'status', '--porcelain'), 'M notes.txt', "only the user's edit is uncommitted: nothing of the merge is undone");
  assert.deepEqual(leftovers(dir), []);
  // Once the merge is done the user's commit goes through, on top of it.
  await git(dir, ...PLAIN, 'commit', '-q', '-m', 'mine', 'notes.txt');
  assert.equal(await git(dir, 'show', 'HEAD:shared.txt'), 's1 from the peer');
  assert.equal(await git(dir, 'show', 'HEAD:notes.txt'), 'v1, the user is committing this');
});

test('when HEAD moves without the index during a merge, the merge is called off: the work tree and the index are as they were', async () => {
  const dir = await divergedRepo();
  const head = await git(dir, 'rev-parse', 'HEAD');
  const staged = await git(dir, 'ls-files', '-s');
  const { annex, user } = await annexWithUserGitDuringMerge(dir, ['update-ref', 'HEAD', 'HEAD~1']);
  try {
    const outcome = await mergeRef(annex, 'refs/heads/peer');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error ?? '', /HEAD/);
  } finally {
    await annex.close();
  }
  assert.equal((await user).code, 0, 'update-ref does not take the index lock');
  assert.equal(await git(dir, 'rev-parse', 'HEAD'), await git(dir, 'rev-parse', `${head}~1`), "the user's move stands");
  assert.equal(readFileSync(join(dir, 'shared.txt'), 'utf8'), 's0\n', 'the work tree went back');
  assert.equal(await git(dir, 'ls-files', '-s'), staged, 'the index is untouched');
  assert.ok(existsSync(join(dir, 'ours.txt')));
  assert.deepEqual(leftovers(dir), []);
});

test("a merge while another git holds the index lock is refused with git's own line, and the index lock is left to its owner", async () => {
  const dir = await divergedRepo();
  const head = await git(dir, 'rev-parse', 'HEAD');
  const lock = join(dir, '.git', 'index.lock');
  const fd = openSync(lock, 'wx'); // held open, as a running git holds it
  const annex = await openAnnex(dir);
  try {
    const outcome = await mergeRef(annex, 'refs/heads/peer');
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.error ?? '', /index\.lock': File exists/);
  } finally {
    await annex.close();
    closeSync(fd);
  }
  assert.ok(existsSync(lock), "the other git's lock stays");
  assert.equal(await git(dir, 'rev-parse', 'HEAD'), head);
  assert.equal(readFileSync(join(dir, 'shared.txt'), 'utf8'), 's0\n');
});
