// The merger's round on real repositories: a merge that uncommitted changes block asks for a commit and succeeds after it.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mergeRound } from '../../src/assistant/workers/merger.js';
import { commitWorkTree } from '../../src/sync/commit.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { assistantContext, signalled } from '../helpers/assistant-context.js';
import { git, writeFiles } from '../helpers/repo.js';

test('a merge blocked by uncommitted changes asks the committer for a rescan, and merges with both versions kept once they are committed', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'notes.txt': 'first\n' });
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  writeFileSync(join(b, 'notes.txt'), 'from B\n');
  await arbor(b, 'sync');
  // A's own edit of the same file, not committed yet (a write the watcher has not reported, or missed).
  writeFileSync(join(a, 'notes.txt'), 'from A\n');
  const { ctx, close } = await assistantContext(a);
  try {
    assert.equal(await mergeRound(ctx, ['origin']), false, 'the round reports that it was blocked');
    assert.ok(await signalled(ctx.rescan), 'the committer is asked to commit the work tree');
    assert.equal(readFileSync(join(a, 'notes.txt'), 'utf8'), 'from A\n', 'the uncommitted edit is untouched');
    assert.equal((await commitWorkTree(ctx.annex, {})).committed, true);
    assert.equal(await mergeRound(ctx, ['origin']), true);
    assert.ok(await signalled(ctx.commits), 'the pusher is told to push the merge');
    const files = (await git(a, 'ls-files')).split('\n');
    const versions = files.filter((f) => f.startsWith('notes')).map((f) => readFileSync(join(a, f), 'utf8')).sort();
    assert.deepEqual(versions, ['from A\n', 'from B\n'], 'both versions are kept');
  } finally {
    await close();
  }
});

test('a merge that keeps failing (a peer committed a name this file system cannot hold) is a problem in status until a merge of that ref works', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'notes.txt': 'first\n' });
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  // Committed without a work-tree file: 256 bytes is one more than a file name can be here.
  const long = `${'n'.repeat(252)}.txt`;
  const blob = (await git(b, 'hash-object', '-w', 'notes.txt')).trim();
  await git(b, 'update-index', '--add', '--cacheinfo', `100644,${blob},${long}`);
  await git(b, 'commit', '-q', '-m', 'a name too long for A');
  await git(b, 'push', '-q', 'origin', 'main');
  const { ctx, close } = await assistantContext(a);
  try {
    await mergeRound(ctx, ['origin']);
    const raised = ctx.problems.list().find((p) => p.id === 'merge:refs/remotes/origin/main');
    assert.ok(raised, `the failed merge is a problem: ${JSON.stringify(ctx.problems.list())}`);
    assert.match(raised.message, /could not merge refs\/remotes\/origin\/main, so changes from there wait: .*too long/i);
    await mergeRound(ctx, ['origin']);
    assert.equal(ctx.problems.list().filter((p) => p.id.startsWith('merge:')).length, 1, 'raised once, not once per try');
    await git(b, 'rm', '-q', '--cached', long);
    await git(b, 'commit', '-q', '-m', 'renamed away');
    await git(b, 'push', '-q', 'origin', 'main');
    assert.equal(await mergeRound(ctx, ['origin']), true);
    assert.equal(ctx.problems.has('merge:refs/remotes/origin/main'), false, 'cleared once the ref merges');
  } finally {
    await close();
  }
});
