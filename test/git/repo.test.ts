// findRepository: work trees, subdirectories, bare repositories, the git dir itself, non-repositories.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotAGitRepositoryError } from '../../src/git/errors.js';
import { findRepository, gitEnv } from '../../src/git/repo.js';
import { tempDir } from '../helpers/tmp.js';
import { initRepo, ok } from './fixtures/repo.js';

test('a work tree top, a subdirectory and a file inside all find the same repository', async () => {
  const dir = await initRepo();
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  writeFileSync(join(dir, 'a', 'f.txt'), 'x');
  const expected = { gitDir: join(dir, '.git'), workTree: dir, bare: false, commonDir: join(dir, '.git') };
  assert.deepEqual(await findRepository(dir), expected);
  assert.deepEqual(await findRepository(join(dir, 'a', 'b')), expected);
  assert.deepEqual(await findRepository(join(dir, 'a', 'f.txt')), expected);
});

test('inside the .git directory the work tree is still known', async () => {
  const dir = await initRepo();
  assert.deepEqual(await findRepository(join(dir, '.git', 'refs')), { gitDir: join(dir, '.git'), workTree: dir, bare: false, commonDir: join(dir, '.git') });
});

test('a bare repository has no work tree', async () => {
  const dir = await initRepo({ bare: true });
  assert.deepEqual(await findRepository(dir), { gitDir: dir, workTree: undefined, bare: true, commonDir: dir });
});

test('a linked work tree has its own git dir and the main common dir', async () => {
  const dir = await initRepo();
  await ok('git', ['commit', '-q', '--allow-empty', '-m', 'c'], { cwd: dir });
  const wt = join(realpathSync(tempDir()), 'wt');
  await ok('git', ['worktree', 'add', '-q', wt], { cwd: dir });
  const info = await findRepository(wt);
  assert.equal(info.workTree, wt);
  assert.equal(info.gitDir, join(dir, '.git', 'worktrees', 'wt'));
  assert.equal(info.commonDir, join(dir, '.git'));
  assert.equal((await findRepository(info.gitDir)).workTree, wt);
});

test('a directory outside any repository and a missing path throw NotAGitRepositoryError', async () => {
  const plain = realpathSync(tempDir());
  await assert.rejects(findRepository(plain), (e: unknown) => e instanceof NotAGitRepositoryError && e.code === 'ENOTREPO' && e.message === `not a git repository: ${plain}`);
  await assert.rejects(findRepository(join(plain, 'missing', 'deeper')), NotAGitRepositoryError);
});

test('an inherited GIT_DIR does not redirect the search', async () => {
  const dir = await initRepo();
  const other = await initRepo();
  const saved = process.env.GIT_DIR;
  process.env.GIT_DIR = join(other, '.git');
  try {
    assert.equal(gitEnv().GIT_DIR, undefined);
    assert.equal((await findRepository(dir)).workTree, dir);
  } finally {
    if (saved === undefined) delete process.env.GIT_DIR;
    else process.env.GIT_DIR = saved;
  }
});
