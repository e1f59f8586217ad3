// Staging into a separate index file, writing its tree, and reading a tree into it.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GitCommandError } from '../../src/git/errors.js';
import { openGit } from '../../src/git/git.js';
import { formatIndexInfo, readTreeIntoIndex, updateIndexInfo, writeTree } from '../../src/git/update-index.js';
import type { IndexEntry } from '../../src/git/update-index.js';
import { UsageError } from '../../src/util/errors.js';
import { commitFiles, initRepo, ok } from './fixtures/repo.js';

const ZERO = '0'.repeat(40);

test('stages into a separate index file without touching the repository index', async () => {
  const dir = await initRepo();
  await commitFiles(dir, { 'work.txt': 'w' });
  const ownIndex = readFileSync(join(dir, '.git', 'index'));
  const git = await openGit(dir);
  const a = await git.hashObject('log a\n', { write: true });
  const b = await git.hashObject('log b\n', { write: true });
  const indexFile = join(dir, '.git', 'arbor', 'index');
  mkdirSync(join(dir, '.git', 'arbor'));

  await updateIndexInfo({ cwd: dir, indexFile, entries: [
    { mode: '100644', sha: a, path: 'uuid.log' },
    { mode: '100644', sha: b, path: 'aa/bb/key with space ü.log' },
  ] });
  const tree = await writeTree({ cwd: dir, indexFile });
  assert.deepEqual((await git.lsTree(tree, { recursive: true })).map((e) => [e.path, e.sha]), [
    ['aa/bb/key with space ü.log', b],
    ['uuid.log', a],
  ]);
  assert.deepEqual(readFileSync(join(dir, '.git', 'index')), ownIndex);
  assert.equal((await git.run(['status', '--porcelain'])).trim(), '');

  // Removing with mode 0, and a later entry for the same path winning.
  await updateIndexInfo({ cwd: dir, indexFile, entries: [
    { mode: '0', sha: ZERO, path: 'uuid.log' },
    { mode: '100644', sha: a, path: 'aa/bb/key with space ü.log' },
  ] });
  const tree2 = await writeTree({ cwd: dir, indexFile });
  assert.deepEqual((await git.lsTree(tree2, { recursive: true })).map((e) => [e.path, e.sha]), [['aa/bb/key with space ü.log', a]]);
});

test('an async iterable of many entries streams through', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  const sha = await git.hashObject('same', { write: true });
  async function* entries(): AsyncGenerator<IndexEntry> {
    for (let i = 0; i < 20000; i++) yield { mode: '100644', sha, path: `d${i % 100}/f${i}` };
  }
  const indexFile = join(dir, '.git', 'big-index');
  await updateIndexInfo({ cwd: dir, indexFile, entries: entries() });
  const tree = await writeTree({ cwd: dir, indexFile });
  assert.equal((await git.lsTree(tree, { recursive: true })).length, 20000);
});

test('readTreeIntoIndex replaces the index contents with a tree, in a bare repository too', async () => {
  const dir = await initRepo();
  await commitFiles(dir, { 'x.txt': 'x', 'y.txt': 'y' });
  const bare = await initRepo({ bare: true });
  await ok('git', ['push', '-q', bare, 'main'], { cwd: dir });
  const indexFile = join(bare, 'arbor-index');
  const git = await openGit(bare);
  const sha = await git.hashObject('z', { write: true });
  await updateIndexInfo({ cwd: bare, indexFile, entries: [{ mode: '100644', sha, path: 'stale.txt' }] });
  await readTreeIntoIndex({ cwd: bare, indexFile, treeish: 'main' });
  await updateIndexInfo({ cwd: bare, indexFile, entries: [{ mode: '100644', sha, path: 'z.txt' }] });
  const tree = await writeTree({ cwd: bare, indexFile });
  assert.deepEqual((await git.lsTree(tree)).map((e) => e.path), ['x.txt', 'y.txt', 'z.txt']);
  assert.equal(existsSync(join(bare, 'index')), false);
});

test('malformed entries are refused before anything is written; git errors become GitCommandError', async () => {
  const dir = await initRepo();
  const indexFile = join(dir, '.git', 'idx');
  const git = await openGit(dir);
  const sha = await git.hashObject('q', { write: true });
  async function* bad(): AsyncGenerator<IndexEntry> {
    yield { mode: '100644', sha, path: 'ok.txt' };
    yield { mode: '100644', sha, path: 'nul\0path' };
  }
  await assert.rejects(updateIndexInfo({ cwd: dir, indexFile, entries: bad() }), UsageError);
  assert.equal(existsSync(indexFile), false);
  assert.equal(existsSync(`${indexFile}.lock`), false);
  assert.throws(() => formatIndexInfo({ mode: 'abc', sha, path: 'p' }), UsageError);
  assert.throws(() => formatIndexInfo({ mode: '100644', sha: 'xyz', path: 'p' }), UsageError);
  // Paths git would silently ignore are refused.
  for (const path of ['a/.git/x', '../x', '/abs', 'a//b', './a', 'a/']) {
    assert.throws(() => formatIndexInfo({ mode: '100644', sha, path }), UsageError, path);
  }
  // git's own failures (here a corrupt index file) become GitCommandError.
  writeFileSync(indexFile, 'not an index');
  await assert.rejects(updateIndexInfo({ cwd: dir, indexFile, entries: [{ mode: '100644', sha, path: 'x' }] }), (e: unknown) => e instanceof GitCommandError && e.message.startsWith('git update-index failed: '));
  await assert.rejects(writeTree({ cwd: dir, indexFile }), GitCommandError);
});

test('formatIndexInfo writes the -z record form', () => {
  assert.equal(formatIndexInfo({ mode: '100644', sha: 'a'.repeat(40), path: 'p q\tr' }), `100644 ${'a'.repeat(40)}\tp q\tr\0`);
});
