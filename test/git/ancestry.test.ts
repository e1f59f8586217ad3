// Ancestry and trees read through cat-file: the same answers as git merge-base and rev-parse, or "ask git" past the walk's limit.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAncestorByWalk, readCommitHeader } from '../../src/git/ancestry.js';
import { openGit } from '../../src/git/git.js';
import { commitFiles, initRepo, ok } from './fixtures/repo.js';

test('ancestry through merges and diverged branches answers as git merge-base, and a long walk gives the question to git', async () => {
  const dir = await initRepo();
  const base = await commitFiles(dir, { 'a.txt': 'a' });
  await ok('git', ['checkout', '-q', '-b', 'side'], { cwd: dir });
  const side = await commitFiles(dir, { 'b.txt': 'b' });
  await ok('git', ['checkout', '-q', 'main'], { cwd: dir });
  const main = await commitFiles(dir, { 'c.txt': 'c' });
  await ok('git', ['merge', '-q', '--no-edit', 'side'], { cwd: dir });
  const merge = (await ok('git', ['rev-parse', 'HEAD'], { cwd: dir })).trim();
  const git = await openGit(dir);
  const cat = git.catFile();
  try {
    assert.equal(await isAncestorByWalk(cat, side, merge), true);
    assert.equal(await isAncestorByWalk(cat, base, merge), true);
    assert.equal(await isAncestorByWalk(cat, merge, merge), true);
    assert.equal(await isAncestorByWalk(cat, side, main), false);
    assert.equal(await isAncestorByWalk(cat, merge, base), false);
    assert.equal(await isAncestorByWalk(cat, base, merge, 1), undefined);
    assert.equal(await isAncestorByWalk(cat, 'main', merge), undefined);
    assert.equal(await git.isAncestor(side, merge), true);
    assert.equal(await git.isAncestor(side, main), false);
    const tree = (await ok('git', ['rev-parse', `${merge}^{tree}`], { cwd: dir })).trim();
    assert.equal((await readCommitHeader(cat, merge))?.tree, tree);
    assert.deepEqual((await readCommitHeader(cat, merge))?.parents, [main, side]);
    assert.equal(await git.treeOf(merge), tree);
  } finally {
    await git.close();
  }
});
