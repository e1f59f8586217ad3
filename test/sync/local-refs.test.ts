// A fetch from or a push to a remote on a local path is skipped only when it would change nothing; anything it would bring or send still goes.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { openAnnex } from '../../src/annex/annex.js';
import { localFetchWouldBeEmpty, localPushWouldBeEmpty } from '../../src/sync/local-refs.js';

/** A bare hub with one commit on main, a clone of it (an annex, for openAnnex), and a second clone that pushes. */
async function hubAndClones(): Promise<{ hub: string; mine: string; other: string }> {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  const parent = join(hub, '..');
  await git(parent, 'clone', '-q', hub, 'other');
  const other = join(parent, 'other');
  writeFiles(other, { 'a.txt': 'a\n' });
  await git(other, 'add', 'a.txt');
  await git(other, 'commit', '-q', '-m', 'a');
  await git(other, 'push', '-q', 'origin', 'HEAD:main');
  await git(parent, 'clone', '-q', hub, 'mine');
  const mine = join(parent, 'mine');
  await git(mine, 'config', 'annex.uuid', randomUUID());
  return { hub, mine, other };
}

async function pushNew(other: string, file: string, ref = 'HEAD:main'): Promise<void> {
  writeFiles(other, { [file]: `${file}\n` });
  await git(other, 'add', file);
  await git(other, 'commit', '-q', '-m', file);
  await git(other, 'push', '-q', 'origin', ref);
}

test('nothing new on the hub: the fetch is skipped; a new commit, a new branch or a packed ref is seen', async () => {
  const { hub, mine, other } = await hubAndClones();
  const annex = await openAnnex(mine);
  try {
    assert.equal(await localFetchWouldBeEmpty(annex, 'origin', hub), true, 'a fresh clone has everything');
    await pushNew(other, 'b.txt');
    assert.equal(await localFetchWouldBeEmpty(annex, 'origin', hub), false, 'a new commit on main');
    await git(mine, 'fetch', '-q', 'origin');
    assert.equal(await localFetchWouldBeEmpty(annex, 'origin', hub), true, 'fetched');
    await pushNew(other, 'c.txt', 'HEAD:refs/heads/synced/main');
    assert.equal(await localFetchWouldBeEmpty(annex, 'origin', hub), false, 'a new branch');
    await git(mine, 'fetch', '-q', 'origin');
    await git(hub, 'pack-refs', '--all');
    assert.equal(await localFetchWouldBeEmpty(annex, 'origin', hub), true, 'the hub\'s refs packed, nothing new');
    await pushNew(other, 'd.txt', 'HEAD:refs/heads/synced/main');
    assert.equal(await localFetchWouldBeEmpty(annex, 'origin', hub), false, 'a loose ref over a packed one');
  } finally {
    await annex.close();
  }
});

test('a deleted branch counts only when fetches prune; an unusual refspec always leaves it to git', async () => {
  const { hub, mine, other } = await hubAndClones();
  await pushNew(other, 'b.txt', 'HEAD:refs/heads/topic');
  await git(mine, 'fetch', '-q', 'origin');
  await git(other, 'push', '-q', 'origin', ':topic');
  const annex = await openAnnex(mine);
  try {
    assert.equal(await localFetchWouldBeEmpty(annex, 'origin', hub), true, 'without prune a fetch keeps origin/topic: nothing to do');
    await git(mine, 'config', 'fetch.prune', 'true');
    const pruning = await openAnnex(mine);
    try {
      assert.equal(await localFetchWouldBeEmpty(pruning, 'origin', hub), false, 'a pruning fetch would delete origin/topic');
    } finally {
      await pruning.close();
    }
    await git(mine, 'config', 'fetch.prune', 'false');
    await git(mine, 'config', '--add', 'remote.origin.fetch', '+refs/tags/*:refs/tags/*');
    const tags = await openAnnex(mine);
    try {
      assert.equal(await localFetchWouldBeEmpty(tags, 'origin', hub), false, 'another refspec: git decides');
    } finally {
      await tags.close();
    }
  } finally {
    await annex.close();
  }
});

test('a push is skipped only when the hub holds all four refs a sync pushes; a new commit or a pushurl sends it', async () => {
  const { hub, mine } = await hubAndClones();
  const branch = await git(mine, 'symbolic-ref', '--short', 'HEAD');
  await git(mine, 'branch', 'git-annex', 'HEAD');
  const refspecs = [`${branch}:synced/${branch}`, 'git-annex:synced/git-annex', 'git-annex:git-annex', `${branch}:${branch}`];
  const annex = await openAnnex(mine);
  try {
    assert.equal(await localPushWouldBeEmpty(annex, 'origin', hub, branch), false, 'the hub has no synced branches yet');
    await git(mine, 'push', '-q', 'origin', ...refspecs);
    assert.equal(await localPushWouldBeEmpty(annex, 'origin', hub, branch), true, 'everything is there');
    writeFiles(mine, { 'new.txt': 'new\n' });
    await git(mine, 'add', 'new.txt');
    await git(mine, 'commit', '-q', '-m', 'new');
    assert.equal(await localPushWouldBeEmpty(annex, 'origin', hub, branch), false, 'a new commit here');
    await git(mine, 'push', '-q', 'origin', ...refspecs);
    assert.equal(await localPushWouldBeEmpty(annex, 'origin', hub, branch), true, 'pushed');
  } finally {
    await annex.close();
  }
  await git(mine, 'config', 'remote.origin.pushurl', '/elsewhere.git');
  const withPushUrl = await openAnnex(mine);
  try {
    assert.equal(await localPushWouldBeEmpty(withPushUrl, 'origin', hub, branch), false, 'pushes go to the pushurl: git decides');
  } finally {
    await withPushUrl.close();
  }
});
