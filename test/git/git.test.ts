// The Git operations against real repositories: config, refs, objects, commits, trees, remotes.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GitCommandError } from '../../src/git/errors.js';
import { createGit, openGit, parseConfigRegexpZ } from '../../src/git/git.js';
import { findRepository } from '../../src/git/repo.js';
import { commitFiles, initRepo, ok } from './fixtures/repo.js';

test('config get/set/unset round-trips, including multi-line values and dotted subsections', async () => {
  const git = await openGit(await initRepo());
  assert.equal(await git.configGet('arbor.missing'), undefined);
  await git.configSet('arbor.value', 'one two');
  assert.equal(await git.configGet('arbor.value'), 'one two');
  await git.configSet('arbor.value', 'line1\nline2');
  assert.equal(await git.configGet('arbor.value'), 'line1\nline2');
  await git.configSet('remote.my.usb.annex-uuid', 'u1');
  assert.deepEqual(await git.configGetRegexp('^remote\\.my\\.usb\\.'), [['remote.my.usb.annex-uuid', 'u1']]);
  await git.configUnset('arbor.value');
  await git.configUnset('arbor.value'); // unsetting what is not set is fine
  assert.equal(await git.configGet('arbor.value'), undefined);
  // The value really is in the repository's config file.
  assert.equal((await ok('git', ['config', '--local', 'remote.my.usb.annex-uuid'], { cwd: git.repo.workTree ?? '' })).trim(), 'u1');
});

test('multi-valued keys: getAll lists them, set replaces them all, get returns the last', async () => {
  const dir = await initRepo();
  await ok('git', ['config', '--add', 'arbor.multi', 'a'], { cwd: dir });
  await ok('git', ['config', '--add', 'arbor.multi', 'b'], { cwd: dir });
  const git = await openGit(dir);
  assert.deepEqual(await git.configGetAll('arbor.multi'), ['a', 'b']);
  assert.equal(await git.configGet('arbor.multi'), 'b');
  await git.configSet('arbor.multi', 'c');
  assert.deepEqual(await git.configGetAll('arbor.multi'), ['c']);
  assert.deepEqual(await git.configGetAll('arbor.none'), []);
});

test('boolean config reads the way git reads it', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  await git.configSet('arbor.yes', 'on');
  await git.configSet('arbor.no', '0');
  assert.equal(await git.configGetBool('arbor.yes'), true);
  assert.equal(await git.configGetBool('arbor.no'), false);
  assert.equal(await git.configGetBool('arbor.unset'), undefined);
  await git.configSet('arbor.junk', 'maybe');
  await assert.rejects(git.configGetBool('arbor.junk'), GitCommandError);
});

test('a bad config key is an error, not "unset"', async () => {
  const git = await openGit(await initRepo());
  await assert.rejects(git.configGet('nodot'), (e: unknown) => e instanceof GitCommandError && e.code === 'EGIT' && /^git config failed: /.test(e.message));
});

test('parseConfigRegexpZ handles bare keys and newlines in values', () => {
  assert.deepEqual(parseConfigRegexpZ(Buffer.from('a.b\nx\ny\0a.flag\0')), [['a.b', 'x\ny'], ['a.flag', '']]);
  assert.deepEqual(parseConfigRegexpZ(Buffer.alloc(0)), []);
});

test('updateRef creates, moves with compare-and-swap, and refuses a stale old value', async () => {
  const dir = await initRepo();
  const c1 = await commitFiles(dir, { 'a.txt': 'a' });
  const c2 = await commitFiles(dir, { 'a.txt': 'b' });
  const git = await openGit(dir);
  await git.updateRef('refs/heads/synced/main', c1, '');
  assert.equal(await git.revParse('refs/heads/synced/main'), c1);
  await assert.rejects(git.updateRef('refs/heads/synced/main', c2, ''), GitCommandError); // must not exist, but does
  await git.updateRef('refs/heads/synced/main', c2, c1);
  await assert.rejects(git.updateRef('refs/heads/synced/main', c1, c1), (e: unknown) => e instanceof GitCommandError && /update-ref/.test(e.message));
  assert.equal(await git.revParse('refs/heads/synced/main'), c2);
  await git.deleteRef('refs/heads/synced/main', c2);
  assert.equal(await git.revParse('refs/heads/synced/main'), undefined);
});

test('showRefs lists full names by prefix; revParse returns undefined for what does not resolve', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  assert.deepEqual(await git.showRefs(), new Map());
  assert.equal(await git.revParse('HEAD'), undefined); // unborn
  const c = await commitFiles(dir, { 'f': 'x' });
  await git.updateRef('refs/heads/synced/main', c);
  await git.updateRef('refs/remotes/origin/main', c);
  assert.deepEqual(await git.showRefs(['refs/heads/']), new Map([['refs/heads/main', c], ['refs/heads/synced/main', c]]));
  assert.deepEqual([...(await git.showRefs(['refs/remotes/*/main'])).keys()], ['refs/remotes/origin/main']);
  assert.equal((await git.showRefs()).size, 3);
  assert.equal(await git.revParse('HEAD'), c);
  assert.equal(await git.revParse('no-such-branch'), undefined);
  assert.equal(await git.revParse('--all'), undefined);
});

test('hashObject matches git and writes only when asked', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  const content = Buffer.from([0, 1, 2, 255, 10]);
  const sha = await git.hashObject(content);
  assert.equal(sha, (await ok('git', ['hash-object', '--stdin'], { cwd: dir, input: content })).trim());
  assert.equal((await git.tryRun(['cat-file', '-e', sha])).code, 1);
  assert.equal(await git.hashObject(content, { write: true }), sha);
  assert.deepEqual((await git.tryRun(['cat-file', 'blob', sha])).stdout, content);
  assert.equal(await git.hashObject('hello\n'), 'ce013625030ba8dba906f756967f9e9ca394464a');
});

test('commitTree builds history that isAncestor follows', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  const blob = await git.hashObject('x', { write: true });
  const tree = (await git.run(['mktree'], { input: `100644 blob ${blob}\tx\n` })).trim();
  const root = await git.commitTree({ tree, parents: [], message: 'root\n\nbody\n' });
  const left = await git.commitTree({ tree, parents: [root], message: 'left' });
  const right = await git.commitTree({ tree, parents: [root], message: 'right' });
  const merge = await git.commitTree({ tree, parents: [left, right], message: 'merge' });
  assert.equal(await git.isAncestor(root, merge), true);
  assert.equal(await git.isAncestor(right, merge), true);
  assert.equal(await git.isAncestor(left, right), false);
  assert.equal(await git.isAncestor(merge, root), false);
  assert.equal(await git.isAncestor(root, root), true);
  assert.equal((await git.run(['log', '--format=%B', '-1', root])).trim(), 'root\n\nbody');
  assert.equal((await git.run(['rev-list', '--parents', '-1', merge])).trim(), `${merge} ${left} ${right}`);
  await assert.rejects(git.isAncestor('0'.repeat(40), root), GitCommandError);
});

test('currentBranch: unborn, normal and detached HEAD', async () => {
  const dir = await initRepo();
  const git = await openGit(dir);
  assert.equal(await git.currentBranch(), 'main');
  const c = await commitFiles(dir, { f: '1' });
  await ok('git', ['switch', '-q', '-c', 'feature/x'], { cwd: dir });
  assert.equal(await git.currentBranch(), 'feature/x');
  await ok('git', ['checkout', '-q', '--detach', c], { cwd: dir });
  assert.equal(await git.currentBranch(), undefined);
});

test('remotes lists names (dots included) with their urls in config order', async () => {
  const dir = await initRepo();
  await ok('git', ['remote', 'add', 'origin', '/srv/a.git'], { cwd: dir });
  await ok('git', ['remote', 'add', 'usb.drive', '/media/usb/repo'], { cwd: dir });
  const git = await openGit(dir);
  assert.deepEqual(await git.remotes(), [
    { name: 'origin', url: '/srv/a.git' },
    { name: 'usb.drive', url: '/media/usb/repo' },
  ]);
});

test('lsTree parses names with spaces, tabs, newlines and non-ASCII characters', async () => {
  const dir = await initRepo();
  mkdirSync(join(dir, 'dir with space'));
  const names = ['dir with space/ä ö.txt', 'tab\there', 'new\nline', 'plain'];
  await commitFiles(dir, Object.fromEntries(names.map((n) => [n, n])));
  const git = await openGit(dir);
  const all = await git.lsTree('HEAD', { recursive: true });
  assert.deepEqual(all.map((e) => e.path).sort(), [...names].sort());
  for (const e of all) {
    assert.equal(e.mode, '100644');
    assert.equal(e.type, 'blob');
    assert.equal(e.sha, await git.hashObject(e.path));
  }
  const top = await git.lsTree('HEAD');
  assert.deepEqual(top.find((e) => e.path === 'dir with space')?.type, 'tree');
  const one = await git.lsTree('HEAD', { recursive: true, paths: ['dir with space'] });
  assert.deepEqual(one.map((e) => e.path), ['dir with space/ä ö.txt']);
  // Paths are relative to the top even when the Git was opened from a subdirectory.
  const fromSub = await openGit(join(dir, 'dir with space'));
  assert.equal((await fromSub.lsTree('HEAD')).length, 4);
});

test('commands in a bare repository run there', async () => {
  const bare = await initRepo({ bare: true });
  const git = createGit(await findRepository(bare));
  await git.configSet('annex.uuid', 'x');
  assert.equal(await git.configGet('annex.uuid'), 'x');
  assert.equal(existsSync(join(bare, 'config')), true);
  const blob = await git.hashObject('data', { write: true });
  assert.equal((await git.catFile().get(blob))?.content.toString(), 'data');
  await git.close();
});

test('run throws GitCommandError with a one-line message and the details in data; tryRun does not throw', async () => {
  const git = await openGit(await initRepo());
  const err = await git.run(['cat-file', '-p', 'nope']).then(
    () => assert.fail('expected failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof GitCommandError);
  assert.equal(err.message, 'git cat-file failed: Not a valid object name nope');
  assert.deepEqual(err.data.args, ['cat-file', '-p', 'nope']);
  assert.equal(err.data.exitCode, 128);
  assert.equal((await git.tryRun(['cat-file', '-p', 'nope'])).code, 128);
});
