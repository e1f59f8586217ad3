// discoverRepository: the file-system walk answers as git does for ordinary repositories, and hands every other layout to git.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { discoverRepository } from '../../src/git/discover.js';
import { tempDir } from '../helpers/tmp.js';
import { initRepo, ok } from './fixtures/repo.js';

test('an ordinary repository is found without git, from its top, a subdirectory and through a symbolic link, as git names it', async () => {
  const dir = await initRepo();
  mkdirSync(join(dir, 'a', 'b'), { recursive: true });
  const link = join(realpathSync(tempDir()), 'link');
  symlinkSync(join(dir, 'a'), link);
  const top = (await ok('git', ['rev-parse', '--show-toplevel'], { cwd: join(dir, 'a', 'b') })).trim();
  const expected = { gitDir: join(top, '.git'), workTree: top, bare: false, commonDir: join(top, '.git') };
  assert.deepEqual(await discoverRepository(dir), expected);
  assert.deepEqual(await discoverRepository(join(dir, 'a', 'b')), expected);
  assert.deepEqual(await discoverRepository(link), expected);
});

test('a bare repository named by its own directory is found without git, as git names it', async () => {
  const bare = await initRepo({ bare: true });
  assert.deepEqual(await discoverRepository(bare), { gitDir: bare, workTree: undefined, bare: true, commonDir: bare });
});

test('layouts the walk does not decide alone are left to git: inside a bare repository, inside .git, linked work trees, core.worktree, ceilings, no repository', async () => {
  const bare = await initRepo({ bare: true });
  assert.equal(await discoverRepository(join(bare, 'refs')), undefined);
  const dir = await initRepo();
  assert.equal(await discoverRepository(join(dir, '.git', 'refs')), undefined);
  await ok('git', ['commit', '-q', '--allow-empty', '-m', 'c'], { cwd: dir });
  const wt = join(realpathSync(tempDir()), 'wt');
  await ok('git', ['worktree', 'add', '-q', wt], { cwd: dir });
  assert.equal(await discoverRepository(wt), undefined);
  assert.equal(await discoverRepository(dir, { GIT_CEILING_DIRECTORIES: '/' }), undefined);
  const moved = await initRepo();
  await ok('git', ['config', 'core.worktree', realpathSync(tempDir())], { cwd: moved });
  assert.equal(await discoverRepository(moved), undefined);
  assert.equal(await discoverRepository(realpathSync(tempDir())), undefined);
});
