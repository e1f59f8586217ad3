// Merge conflicts of annexed files resolved by `git annex sync` and by arbor's resolveConflicts: the same names, the same tree.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lstatSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openAnnex } from '../../src/annex/annex.js';
import type { ResolvedConflict } from '../../src/sync/conflicts.js';
import { resolveConflicts } from '../../src/sync/conflicts.js';
import { variantPath } from '../../src/sync/variant.js';
import { annex, cloneWithGitAnnex, makeGitAnnexRepo, simpleFiles } from '../helpers/annex-fixtures.js';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { ok, run } from '../helpers/run.js';
import { git, writeFiles } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';

/** Replaces `path` with `content`, annexed and locked. */
async function lockedFile(dir: string, path: string, content: string): Promise<void> {
  rmSync(join(dir, path), { force: true });
  writeFiles(dir, { [path]: content });
  await annex(dir, 'add', '-q', '--', path);
}

/** Replaces `path` with `content`, annexed and unlocked. */
async function unlockedFile(dir: string, path: string, content: string): Promise<void> {
  await lockedFile(dir, path, content);
  await annex(dir, 'unlock', '-q', '--', path);
}

/** Replaces `path` with `content` kept in git. */
async function gitFile(dir: string, path: string, content: string): Promise<void> {
  await git(dir, 'rm', '-q', '--', path);
  writeFiles(dir, { [path]: content });
  await git(dir, '-c', 'annex.largefiles=nothing', 'add', '--', path);
}

async function commit(dir: string, message: string): Promise<void> {
  await git(dir, 'commit', '-q', '-a', '-m', message);
}

/** `git merge` of `ref` as sync runs it, which must stop on conflicts; then arbor resolves and commits. */
async function mergeWithArbor(dir: string, ref: string): Promise<ResolvedConflict[]> {
  const merge = await run('git', ['-c', 'merge.directoryRenames=false', 'merge', '--no-edit', ref], { cwd: dir });
  assert.notEqual(merge.code, 0, `merging ${ref} in ${dir} should conflict`);
  const a = await openAnnex(dir);
  try {
    const resolved = await resolveConflicts(a);
    await git(dir, 'commit', '-q', '--no-edit');
    assert.equal(await git(dir, 'status', '--porcelain'), '', `nothing left to commit in ${dir}`);
    return resolved;
  } finally {
    await a.close();
  }
}

/** The key of an annexed path at HEAD, as git-annex reads it. */
async function keyAt(dir: string, rev: string, path: string): Promise<string> {
  const blob = await git(dir, 'cat-file', 'blob', `${rev}:${path}`);
  return blob.slice(blob.lastIndexOf('/') + 1);
}

/** Work-tree files (not .git) with what they hold: "-> target" for symlinks, the content otherwise. */
function workTree(root: string, dir = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(join(root, dir))) {
    const rel = dir ? `${dir}/${name}` : name;
    if (rel === '.git') continue;
    const st = lstatSync(join(root, rel));
    if (st.isDirectory()) for (const [k, v] of workTree(root, rel)) out.set(k, v);
    else out.set(rel, st.isSymbolicLink() ? `-> ${readlinkSync(join(root, rel))}` : readFileSync(join(root, rel), 'utf8'));
  }
  return out;
}

test('git annex sync and arbor resolve the same annexed-file conflicts to the same tree, from either side', needsGitAnnex, async () => {
  const parent = tempDir('arbor-interop-conflicts-');
  const photo = 'sub dir/photo one.jpg';
  const files = simpleFiles([photo, 'unl.bin', 'gone.txt', 'mixed.dat', 'same.dat'], { unlocked: ['unl.bin'] });
  const origin = await makeGitAnnexRepo({ description: 'origin', files, parent, name: 'origin' });
  const peer = await cloneWithGitAnnex({ origin: origin.dir, description: 'peer', parent, name: 'peer' });
  await annex(peer.dir, 'get', '-q', '.');

  await lockedFile(origin.dir, photo, 'photo from origin\n');
  await unlockedFile(origin.dir, 'unl.bin', 'unlocked from origin\n');
  await git(origin.dir, 'rm', '-q', 'gone.txt');
  await gitFile(origin.dir, 'mixed.dat', 'now a small file in git\n');
  await unlockedFile(origin.dir, 'same.dat', 'same new content\n');
  await commit(origin.dir, 'origin changes');

  await lockedFile(peer.dir, photo, 'photo from peer\n');
  await unlockedFile(peer.dir, 'unl.bin', 'unlocked from peer\n');
  await lockedFile(peer.dir, 'gone.txt', 'kept alive by peer\n');
  await lockedFile(peer.dir, 'mixed.dat', 'bigger annexed change\n');
  await lockedFile(peer.dir, 'same.dat', 'same new content\n');
  await commit(peer.dir, 'peer changes');

  // Two copies before git-annex touches anything: arbor merges the same way round in one and the
  // other way round (peer's branch into origin) in the other.
  const sameWay = join(parent, 'same-way');
  const otherWay = join(parent, 'other-way');
  await ok('cp', ['-a', peer.dir, sameWay]);
  await ok('cp', ['-a', origin.dir, otherWay]);
  await git(otherWay, 'remote', 'add', 'peer', peer.dir);
  await git(otherWay, 'fetch', '-q', 'peer');

  const sync = await run('git', ['-c', 'annex.debug=false', 'annex', 'sync', '--no-push'], { cwd: peer.dir });
  assert.equal(sync.code, 0, `git annex sync failed: ${sync.stdout}${sync.stderr}`);
  assert.match(sync.stdout + sync.stderr, /automatically resolved/);

  await git(sameWay, 'fetch', '-q', 'origin');
  const resolved = await mergeWithArbor(sameWay, 'refs/remotes/origin/main');
  const resolvedOtherWay = await mergeWithArbor(otherWay, 'refs/remotes/peer/main');

  const annexTree = await git(peer.dir, 'rev-parse', 'HEAD^{tree}');
  assert.equal(await git(sameWay, 'rev-parse', 'HEAD^{tree}'), annexTree, 'arbor merging the same way commits git-annex\'s tree');
  assert.equal(await git(otherWay, 'rev-parse', 'HEAD^{tree}'), annexTree, 'arbor merging the other way commits git-annex\'s tree');
  assert.deepEqual(workTree(sameWay), workTree(peer.dir), 'the same work tree as git-annex left (symlinks, content, pointers)');

  // The names themselves: variants named after the keys of both sides.
  const k = (rev: string, path: string): Promise<string> => keyAt(sameWay, rev, path);
  const expected: ResolvedConflict[] = [
    { path: 'gone.txt', kind: 'modify-delete', results: [variantPath('gone.txt', await k('HEAD^1', 'gone.txt'))] },
    { path: 'mixed.dat', kind: 'annexed-vs-git', results: ['mixed.dat', variantPath('mixed.dat', await k('HEAD^1', 'mixed.dat'))].sort() },
    { path: 'same.dat', kind: 'annexed-both', results: ['same.dat'] },
    { path: photo, kind: 'annexed-both', results: [variantPath(photo, await k('HEAD^1', photo)), variantPath(photo, await k('HEAD^2', photo))].sort() },
    { path: 'unl.bin', kind: 'annexed-both', results: [variantPath('unl.bin', await k('HEAD^1', 'unl.bin')), variantPath('unl.bin', await k('HEAD^2', 'unl.bin'))].sort() },
  ];
  assert.deepEqual(resolved, expected);
  assert.deepEqual(resolvedOtherWay, expected);
  const tree = (await git(peer.dir, 'ls-tree', '-r', '--name-only', '-z', 'HEAD')).split('\0').filter(Boolean).sort();
  assert.deepEqual(tree, [...new Set(expected.flatMap((c) => c.results))].sort());
  assert.match(await git(peer.dir, 'ls-tree', 'HEAD', 'same.dat'), /^100644 /, 'the same key, locked and unlocked: unlocked wins');
});

test('an annexed file against a directory: arbor uses the variant name git-annex derives from the key', needsGitAnnex, async () => {
  const parent = tempDir('arbor-interop-conflicts-');
  const origin = await makeGitAnnexRepo({ description: 'origin', files: simpleFiles(['keep.txt']), parent, name: 'origin' });
  const peer = await cloneWithGitAnnex({ origin: origin.dir, description: 'peer', parent, name: 'peer' });
  await lockedFile(origin.dir, 'x.bin', 'a file\n');
  await commit(origin.dir, 'file');
  writeFiles(peer.dir, { 'x.bin/inside': 'in a directory\n' });
  await annex(peer.dir, 'add', '-q', 'x.bin');
  await commit(peer.dir, 'directory');
  const arborCopy = join(parent, 'arbor');
  await ok('cp', ['-a', peer.dir, arborCopy]);

  const sync = await run('git', ['-c', 'annex.debug=false', 'annex', 'sync', '--no-push'], { cwd: peer.dir });
  assert.equal(sync.code, 0, `git annex sync failed: ${sync.stdout}${sync.stderr}`);
  await git(arborCopy, 'fetch', '-q', 'origin');
  const resolved = await mergeWithArbor(arborCopy, 'refs/remotes/origin/main');

  const variant = variantPath('x.bin', await keyAt(arborCopy, 'HEAD^2', 'x.bin'));
  assert.deepEqual(resolved, [{ path: 'x.bin', kind: 'file-directory', results: [variant] }]);
  const annexNames = (await git(peer.dir, 'ls-tree', '-r', '--name-only', 'HEAD')).split('\n');
  // git-annex 10.20230126 with git's ort merge keeps git's temporary "~<ref>" suffix after the
  // variant name (so its result depends on the ref's name); without it the names are equal.
  const annexVariant = annexNames.find((n) => n.startsWith('x.variant-'));
  assert.ok(annexVariant === variant || annexVariant?.startsWith(`${variant}~`), `git-annex named it ${annexVariant}`);
  assert.ok(annexNames.includes('x.bin/inside'));
});
