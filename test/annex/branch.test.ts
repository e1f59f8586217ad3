// The git-annex branch: journal, commit through the separate index, union merge of siblings.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openGit } from '../../src/git/git.js';
import { AnnexBranch } from '../../src/annex/branch.js';
import { makeRepo, git, writeFiles } from '../helpers/repo.js';
import { needsGitAnnex } from '../helpers/git-annex.js';

async function branchOf(path: string): Promise<{ branch: AnnexBranch; close: () => Promise<void> }> {
  const g = await openGit(path);
  return { branch: new AnnexBranch({ git: g, annexDir: join(g.repo.gitDir, 'annex') }), close: () => g.close() };
}

test('changes are journalled, then committed without touching the user index or work tree', async () => {
  const repo = await makeRepo();
  writeFiles(repo, { 'a.txt': 'user file\n' });
  await git(repo, 'add', 'a.txt');
  const indexBefore = readFileSync(join(repo, '.git', 'index'));
  const { branch, close } = await branchOf(repo);
  await branch.change('uuid.log', () => 'u1 first timestamp=1s\n');
  assert.ok(existsSync(join(repo, '.git/annex/journal/uuid.log')), 'journal file written');
  assert.equal(await branch.read('uuid.log'), 'u1 first timestamp=1s\n', 'reads see the journal');
  await branch.commit();
  await close();
  assert.ok(!existsSync(join(repo, '.git/annex/journal/uuid.log')), 'journal emptied after commit');
  assert.equal(await git(repo, 'show', 'git-annex:uuid.log'), 'u1 first timestamp=1s');
  assert.deepEqual(readFileSync(join(repo, '.git', 'index')), indexBefore, 'user index untouched');
  assert.equal(await git(repo, 'status', '--porcelain'), 'A  a.txt');
  assert.equal(readFileSync(join(repo, '.git/annex/index.lck'), 'utf8').trim(), await git(repo, 'rev-parse', 'git-annex'));
  assert.equal(await git(repo, 'log', '-1', '--format=%s', 'git-annex'), 'update');
  await git(repo, 'fsck', '--no-progress'); // every object the branch references exists (the empty tree too)
});

test('journal entries with underscores and nested paths round-trip', async () => {
  const repo = await makeRepo();
  const { branch, close } = await branchOf(repo);
  await branch.change('d91/b11/SHA256E-s6--x_y.txt.log', () => '1s 1 u\n');
  await branch.commit();
  await close();
  assert.equal(await git(repo, 'show', 'git-annex:d91/b11/SHA256E-s6--x_y.txt.log'), '1s 1 u');
});

test('diverged git-annex branches are union-merged line by line, nothing lost', async () => {
  const a = await makeRepo({ name: 'a' });
  const { branch: ba, close: ca } = await branchOf(a);
  await ba.change('uuid.log', () => 'u1 one timestamp=1s\n');
  await ba.commit();
  await ca();
  const parent = join(a, '..');
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  await git(b, 'fetch', '-q', 'origin', 'git-annex:refs/remotes/origin/git-annex');
  const { branch: bb, close: cb } = await branchOf(b);
  await bb.update();
  await bb.change('uuid.log', (cur) => `${cur ?? ''}u2 two timestamp=2s\n`);
  await bb.change('only-b.log', () => 'b\n');
  await bb.commit();
  await cb();
  // Meanwhile A writes a different line to the same file.
  const { branch: ba2, close: ca2 } = await branchOf(a);
  await ba2.change('uuid.log', (cur) => `${cur ?? ''}u3 three timestamp=3s\n`);
  await ba2.commit();
  await ca2();
  await git(b, 'fetch', '-q', 'origin', '+git-annex:refs/remotes/origin/git-annex');
  const { branch: bb2, close: cb2 } = await branchOf(b);
  const merged = await bb2.update();
  assert.deepEqual(merged, ['refs/remotes/origin/git-annex']);
  assert.equal(await bb2.read('uuid.log'), 'u1 one timestamp=1s\nu2 two timestamp=2s\nu3 three timestamp=3s\n');
  assert.equal(await bb2.read('only-b.log'), 'b\n');
  await cb2();
  const parents = (await git(b, 'log', '-1', '--format=%P', 'git-annex')).split(' ');
  assert.equal(parents.length, 2, 'a merge commit with both heads as parents');
  assert.match(await git(b, 'log', '-1', '--format=%s', 'git-annex'), /^merging refs\/remotes\/origin\/git-annex into git-annex/);
});

test('a branch behind a sibling is fast-forwarded', async () => {
  const a = await makeRepo({ name: 'a' });
  const { branch: ba, close: ca } = await branchOf(a);
  await ba.change('x.log', () => 'x\n');
  await ba.commit();
  await ca();
  const parent = join(a, '..');
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  await git(b, 'fetch', '-q', 'origin', 'git-annex:refs/remotes/origin/git-annex');
  const { branch: bb, close: cb } = await branchOf(b);
  await bb.update();
  await cb();
  assert.equal(await git(b, 'rev-parse', 'git-annex'), await git(a, 'rev-parse', 'git-annex'));
});

test('a commit racing another writer merges instead of overwriting', async () => {
  const repo = await makeRepo();
  const { branch, close } = await branchOf(repo);
  await branch.change('a.log', () => 'mine\n');
  await branch.commit();
  await branch.change('a.log', (cur) => `${cur ?? ''}mine2\n`);
  // Someone else (git-annex, another arbor) commits to the branch behind our index's back.
  const other = join(repo, '..', 'other');
  await git(join(repo, '..'), 'clone', '-q', '--no-checkout', repo, 'other');
  await git(other, 'fetch', '-q', 'origin', 'git-annex:git-annex');
  await git(other, 'checkout', '-q', 'git-annex');
  writeFiles(other, { 'theirs.log': 'theirs\n' });
  await git(other, 'add', 'theirs.log');
  await git(other, 'commit', '-q', '-m', 'theirs');
  await git(other, 'push', '-q', 'origin', 'git-annex:git-annex');
  await branch.commit();
  await close();
  assert.equal(await git(repo, 'show', 'git-annex:theirs.log'), 'theirs');
  assert.equal(await git(repo, 'show', 'git-annex:a.log'), 'mine\nmine2');
});

test('a change journalled before a merge is combined with the merged lines, not written over them', async () => {
  const a = await makeRepo({ name: 'a' });
  const { branch: ba, close: ca } = await branchOf(a);
  await ba.change('x.log', () => 'base\n');
  await ba.commit();
  await ca();
  const parent = join(a, '..');
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  await git(b, 'fetch', '-q', 'origin', 'git-annex:refs/remotes/origin/git-annex');
  // B reads (merging once), then A changes the file and B fetches it, then B journals its own change.
  const { branch: bb, close: cb } = await branchOf(b);
  await bb.read('x.log');
  const { branch: ba2, close: ca2 } = await branchOf(a);
  await ba2.change('x.log', (cur) => `${cur ?? ''}from A\n`);
  await ba2.commit();
  await ca2();
  await git(b, 'fetch', '-q', 'origin', '+git-annex:refs/remotes/origin/git-annex');
  await bb.change('x.log', (cur) => `${cur ?? ''}from B\n`); // computed from B's pre-merge view
  await bb.update();
  await bb.commit();
  await cb();
  assert.equal(await git(b, 'show', 'git-annex:x.log'), 'base\nfrom A\nfrom B');
});

test('two repositories that merged each other\'s branch at the same moment converge on one commit, not a merge of merges forever', async () => {
  const a = await makeRepo({ name: 'a' });
  const parent = join(a, '..');
  {
    const { branch, close } = await branchOf(a);
    await branch.change('uuid.log', () => 'u1 one timestamp=1s\n');
    await branch.commit();
    await close();
  }
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  await git(b, 'remote', 'add', 'a', a);
  await git(a, 'remote', 'add', 'b', b);
  await git(b, 'fetch', '-q', 'origin', 'git-annex:refs/remotes/origin/git-annex');
  // Each side records something, then each merges the other's branch as it was: a criss-cross.
  const record = async (dir: string, path: string): Promise<void> => {
    const { branch, close } = await branchOf(dir);
    await branch.update();
    await branch.change(path, () => `${path}\n`);
    await branch.commit();
    await close();
  };
  await record(a, 'a.log');
  await record(b, 'b.log');
  const fetchAndMerge = async (dir: string, from: string): Promise<string[]> => {
    await git(dir, 'fetch', '-q', from, `+git-annex:refs/remotes/${from}/git-annex`);
    const { branch, close } = await branchOf(dir);
    try {
      return await branch.update();
    } finally {
      await close();
    }
  };
  await git(a, 'fetch', '-q', 'b', '+git-annex:refs/remotes/b/git-annex');
  await git(b, 'fetch', '-q', 'a', '+git-annex:refs/remotes/a/git-annex');
  for (const dir of [a, b]) {
    const { branch, close } = await branchOf(dir);
    await branch.update();
    await close();
  }
  const [ma, mb] = [await git(a, 'rev-parse', 'git-annex'), await git(b, 'rev-parse', 'git-annex')];
  assert.notEqual(ma, mb, 'two merges made apart');
  assert.equal(await git(a, 'rev-parse', 'git-annex^{tree}'), await git(b, 'rev-parse', 'git-annex^{tree}'));
  // Each fetches the other's merge before either merges it (the assistants react to the same
  // change notice at once): both make the same joining commit.
  await git(a, 'fetch', '-q', 'b', '+git-annex:refs/remotes/b/git-annex');
  await git(b, 'fetch', '-q', 'a', '+git-annex:refs/remotes/a/git-annex');
  for (const dir of [a, b]) {
    const { branch, close } = await branchOf(dir);
    assert.equal((await branch.update()).length, 1);
    await close();
  }
  const joined = await git(a, 'rev-parse', 'git-annex');
  assert.equal(await git(b, 'rev-parse', 'git-annex'), joined, 'the same commit on both sides');
  assert.equal((await git(a, 'rev-list', '--parents', '-n1', 'git-annex')).split(' ').length, 3, 'it joins both merges');
  // And the next round finds nothing to merge on either side.
  assert.deepEqual(await fetchAndMerge(a, 'b'), []);
  assert.deepEqual(await fetchAndMerge(b, 'a'), []);
  assert.equal(await git(a, 'show', 'git-annex:b.log'), 'b.log');
  assert.equal(await git(b, 'show', 'git-annex:a.log'), 'a.log');
});

test('a bulk change commits once through fast-import: one pack, the index in step, journalled versions folded in', async () => {
  const repo = await makeRepo();
  const { branch, close } = await branchOf(repo);
  await branch.change('uuid.log', () => 'u1 first timestamp=1s\n');
  await branch.commit();
  // A journalled version of one of the files the bulk change also writes.
  await branch.change('000/bbb/k7.log', () => '1s 1 journalled\n');
  await branch.change('aaa/bbb/other.log', () => '1s 1 other\n');
  const loose = async (): Promise<number> => Number(/^count: (\d+)$/m.exec(await git(repo, 'count-objects', '-v'))?.[1]);
  const before = await loose();
  const paths = Array.from({ length: 200 }, (_, i) => `${String(i % 7).repeat(3)}/bbb/k${i}.log`);
  const changed = await branch.changeMany(paths.map((p) => ({ branchPath: p, fn: (cur) => `${cur ?? ''}2s 1 ${p}\n` })));
  assert.equal(changed, 200);
  assert.equal(await loose(), before, 'no loose objects: blobs, trees and the commit went into a pack');
  assert.equal(await git(repo, 'rev-list', '--count', 'git-annex'), '2', 'one commit for the bulk change (after the first, which created the branch)');
  assert.equal(await git(repo, 'show', 'git-annex:000/bbb/k7.log'), '1s 1 journalled\n2s 1 000/bbb/k7.log', 'the journalled version is folded in');
  assert.equal(existsSync(join(repo, '.git/annex/journal/000_bbb_k7.log')), false, 'and its journal file removed');
  assert.ok(existsSync(join(repo, '.git/annex/journal/aaa_bbb_other.log')), 'while the other one stays');
  assert.equal(await git(repo, 'show', 'git-annex:uuid.log'), 'u1 first timestamp=1s', 'files outside the change are kept');
  assert.equal(await branch.read('aaa/bbb/other.log'), '1s 1 other\n', 'another path in the journal stays');
  assert.equal(readFileSync(join(repo, '.git/annex/index.lck'), 'utf8').trim(), await git(repo, 'rev-parse', 'git-annex'), 'the index matches the branch');
  assert.ok(!(await git(repo, 'for-each-ref', 'refs/arbor')).includes('fast-import'), 'no temporary ref left');
  // The next small commit goes through the index: nothing of the bulk change may be lost.
  await branch.change('uuid.log', () => 'u1 second timestamp=3s\n');
  await branch.commit();
  await close();
  assert.equal((await git(repo, 'ls-tree', '-r', '--name-only', 'git-annex')).split('\n').length, 202, '200 logs, uuid.log and the other journalled file');
  await git(repo, 'fsck', '--no-progress');
});

test('a small change is committed by one fast-import; the annex index is left for its next user, and git-annex, committing after it, keeps both', needsGitAnnex, async () => {
  const repo = await makeRepo();
  const { branch, close } = await branchOf(repo);
  await branch.change('uuid.log', () => 'u1 first timestamp=1s\n');
  await branch.commit();
  const first = await git(repo, 'rev-parse', 'git-annex');
  await branch.change('a.log', () => 'mine\n');
  await branch.commit();
  assert.equal(await git(repo, 'show', 'git-annex:a.log'), 'mine');
  assert.equal(await git(repo, 'rev-parse', 'git-annex^'), first, 'one commit on top of the last');
  assert.equal(readFileSync(join(repo, '.git/annex/index.lck'), 'utf8').trim(), first, 'index.lck still names the commit the index holds');
  // A journal file holding what the branch already has: nothing to commit, and the journal is emptied.
  writeFiles(repo, { '.git/annex/journal/a.log': 'mine\n' });
  await branch.commit();
  await close();
  assert.ok(!existsSync(join(repo, '.git/annex/journal/a.log')));
  assert.equal(await git(repo, 'rev-list', '--count', 'git-annex'), '2');
  // git-annex brings its index up to date before it commits: nothing of arbor's is lost.
  await git(repo, '-c', 'annex.debug=false', 'annex', 'init', '-q', 'G');
  assert.equal(await git(repo, 'show', 'git-annex:a.log'), 'mine');
  const uuids = await git(repo, 'show', 'git-annex:uuid.log');
  assert.match(uuids, /^u1 first timestamp=1s$/m);
  assert.match(uuids, new RegExp(`^${await git(repo, 'config', 'annex.uuid')} G timestamp=`, 'm'));
});
