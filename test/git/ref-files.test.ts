// Reading refs from git's files: the same answers as git rev-parse for loose and packed refs, HEAD, unborn and missing branches.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ASK_GIT, findPackedRef, listRefsFromFiles, readCurrentBranchFromFiles, readRefFromFiles } from '../../src/git/ref-files.js';
import { findRepository } from '../../src/git/repo.js';
import { commitFiles, initRepo, ok } from './fixtures/repo.js';

test('loose and packed branches, HEAD attached or detached, and missing refs read as git rev-parse reads them', async () => {
  const dir = await initRepo();
  const repo = await findRepository(dir);
  assert.equal(await readRefFromFiles(repo, 'HEAD'), undefined); // unborn branch
  const c1 = await commitFiles(dir, { 'a.txt': 'a' });
  await ok('git', ['branch', 'git-annex'], { cwd: dir });
  assert.equal(await readRefFromFiles(repo, 'HEAD'), c1);
  assert.equal(await readRefFromFiles(repo, 'refs/heads/git-annex'), c1);
  await ok('git', ['pack-refs', '--all'], { cwd: dir });
  assert.equal(await readRefFromFiles(repo, 'refs/heads/git-annex'), c1);
  const c2 = await commitFiles(dir, { 'a.txt': 'b' }); // a loose ref again, newer than the packed one
  assert.equal(await readRefFromFiles(repo, 'HEAD'), c2);
  assert.equal(await readRefFromFiles(repo, 'refs/heads/git-annex'), c1);
  assert.equal(await readRefFromFiles(repo, 'refs/heads/missing'), undefined);
  assert.equal(await readRefFromFiles(repo, 'refs/heads/git-annex/deeper'), undefined);
  await ok('git', ['checkout', '-q', '--detach', c1], { cwd: dir });
  assert.equal(await readRefFromFiles(repo, 'HEAD'), c1);
});

test('names and layouts the files do not settle are left to git', async () => {
  const dir = await initRepo();
  const c1 = await commitFiles(dir, { 'a.txt': 'a' });
  await ok('git', ['symbolic-ref', 'refs/heads/alias', 'refs/heads/master'], { cwd: dir });
  const repo = await findRepository(dir);
  for (const name of ['master', 'HEAD~1', 'HEAD^{tree}', `${c1}`, 'refs/heads/alias', 'refs/bisect/x']) assert.equal(await readRefFromFiles(repo, name), ASK_GIT, name);
  assert.equal(findPackedRef('# pack-refs with: peeled\n' + `${c1} refs/heads/a\n^${c1}\n`, 'refs/heads/a'), c1);
  assert.equal(findPackedRef(`${c1} refs/heads/ab\n`, 'refs/heads/b'), undefined);
});

test('listing refs by name from the files gives what git for-each-ref gives, packed and loose, sorted', async () => {
  const dir = await initRepo();
  const c1 = await commitFiles(dir, { 'a.txt': 'a' });
  for (const ref of ['refs/remotes/b/git-annex', 'refs/heads/synced/git-annex', 'refs/remotes/a/git-annex']) await ok('git', ['update-ref', ref, c1], { cwd: dir });
  await ok('git', ['pack-refs', '--all'], { cwd: dir });
  const c2 = await commitFiles(dir, { 'a.txt': 'b' });
  await ok('git', ['update-ref', 'refs/remotes/b/git-annex', c2], { cwd: dir });
  await ok('git', ['symbolic-ref', 'refs/remotes/b/HEAD', 'refs/remotes/b/git-annex'], { cwd: dir });
  const repo = await findRepository(dir);
  const wanted = (ref: string): boolean => ref.endsWith('/git-annex');
  const listed = (await ok('git', ['for-each-ref', '--format=%(refname) %(objectname)'], { cwd: dir })).trim().split('\n').map((l) => l.split(' ') as [string, string]).filter(([r]) => wanted(r));
  const fromFiles = await listRefsFromFiles(repo, wanted);
  assert.notEqual(fromFiles, ASK_GIT);
  assert.deepEqual([...(fromFiles as Map<string, string>)], listed);
  assert.equal(await listRefsFromFiles(repo, (ref) => ref.endsWith('/HEAD')), ASK_GIT); // a symbolic ref asked for
});

test('the current branch read from HEAD is what git symbolic-ref --short HEAD says, undefined when detached', async () => {
  const dir = await initRepo();
  const repo = await findRepository(dir);
  const c1 = await commitFiles(dir, { 'a.txt': 'a' });
  const git = async (): Promise<string> => (await ok('git', ['symbolic-ref', '--short', 'HEAD'], { cwd: dir })).trim();
  assert.equal(await readCurrentBranchFromFiles(repo), await git());
  await ok('git', ['checkout', '-q', '-b', 'feature/x'], { cwd: dir });
  assert.equal(await readCurrentBranchFromFiles(repo), 'feature/x');
  assert.equal(await git(), 'feature/x');
  await ok('git', ['checkout', '-q', '--detach', c1], { cwd: dir });
  assert.equal(await readCurrentBranchFromFiles(repo), undefined);
});
