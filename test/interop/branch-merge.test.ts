// Location tracking across the two tools: diverged git-annex branches merged either way, and numcopies-guarded drops that mix arbor and git-annex copies.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { ok, run, runArbor } from '../helpers/run.js';
import { makeRepo } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';
import {
  annex,
  arbor,
  arborWhereis,
  asObject,
  cloneWithGitAnnex,
  gitAnnexWhereis,
  makeArborRepo,
  simpleFiles,
  uuidOf,
} from '../helpers/annex-fixtures.js';
import type { FixtureRepo } from '../helpers/annex-fixtures.js';

/** file → sorted UUIDs, as a plain object for readable assertion failures. */
function expectation(entries: Record<string, readonly string[]>): Record<string, readonly string[]> {
  return asObject(new Map(Object.entries(entries).map(([file, uuids]) => [file, [...uuids].sort()])));
}

/** An arbor repository A with f1..f3 (u.txt unlocked), a git-annex clone B of it, and a shared bare S (git-annex initialised) both know as `shared`. */
async function threeRepos(): Promise<{ a: FixtureRepo; b: FixtureRepo; shared: string }> {
  const parent = tempDir('arbor-interop-');
  const a = await makeArborRepo({ description: 'arbor A', files: simpleFiles(['f1.txt', 'f2.txt', 'f3.txt', 'u.txt'], { unlocked: ['u.txt'] }), parent, name: 'A' });
  const shared = await makeRepo({ bare: true, parent, name: 'S.git' });
  await annex(shared, 'init', '-q', 'shared S');
  const b = await cloneWithGitAnnex({ origin: a.dir, description: 'annex B', parent, name: 'B' });
  await ok('git', ['remote', 'add', 'b', b.dir], { cwd: a.dir });
  await ok('git', ['remote', 'add', 'shared', shared], { cwd: a.dir });
  await ok('git', ['remote', 'add', 'shared', shared], { cwd: b.dir });
  return { a, b, shared };
}

test('diverged git-annex branches: arbor and git-annex agree on every file after fetching each other', needsGitAnnex, async () => {
  const { a, b, shared } = await threeRepos();
  // Before diverging: B has f3 and A has heard so.
  await annex(b.dir, 'get', '-q', 'f3.txt');
  await ok('git', ['fetch', '-q', 'b'], { cwd: a.dir });
  assert.deepEqual((await arborWhereis(a.dir, 'f3.txt')).get('f3.txt'), [a.uuid, b.uuid].sort());

  // Both sides change location information independently, partly for the same keys.
  await arbor(a.dir, 'copy', '--to', 'shared', 'f1.txt', 'f2.txt');
  const sharedUuid = await uuidOf(shared);
  assert.notEqual(sharedUuid, '');
  await annex(b.dir, 'get', '-q', 'f2.txt', 'u.txt');
  await annex(b.dir, 'drop', '-q', 'f3.txt');
  await annex(b.dir, 'copy', '-q', '--to', 'shared', 'u.txt');

  const expected = expectation({
    'f1.txt': [a.uuid, sharedUuid],
    'f2.txt': [a.uuid, b.uuid, sharedUuid],
    'f3.txt': [a.uuid],
    'u.txt': [a.uuid, b.uuid, sharedUuid],
  });

  // A (arbor's repository): arbor reads B's fetched branch first, with no help from git-annex.
  await ok('git', ['fetch', '-q', 'b'], { cwd: a.dir });
  assert.deepEqual(asObject(await arborWhereis(a.dir)), expected, 'arbor whereis in A');
  assert.deepEqual(asObject(await gitAnnexWhereis(a.dir)), expected, 'git annex whereis in A');

  // B (git-annex's clone): git-annex merges arbor's branch, then arbor reads the result.
  await ok('git', ['fetch', '-q', 'origin'], { cwd: b.dir });
  await annex(b.dir, 'merge', '-q');
  assert.deepEqual(asObject(await gitAnnexWhereis(b.dir)), expected, 'git annex whereis in B');
  assert.deepEqual(asObject(await arborWhereis(b.dir)), expected, 'arbor whereis in B');
});

test('git annex sync pushes a diverged synced/git-annex into an arbor repository: arbor merges it', needsGitAnnex, async () => {
  const { a, b, shared } = await threeRepos();
  const sharedUuid = await uuidOf(shared);
  // Both branches move on independently...
  await arbor(a.dir, 'copy', '--to', 'shared', 'f1.txt');
  await annex(b.dir, 'get', '-q', 'f1.txt', 'f2.txt', 'u.txt');
  // ...then B pushes without pulling: A's git-annex cannot fast-forward, so B's branch lands only as synced/git-annex.
  await annex(b.dir, 'sync', '-q', '--no-pull', '--no-content', 'origin');
  const notMerged = await run('git', ['merge-base', '--is-ancestor', 'synced/git-annex', 'git-annex'], { cwd: a.dir });
  assert.equal(notMerged.code, 1, 'the scenario needs synced/git-annex to be unmerged in A');

  const expected = expectation({
    'f1.txt': [a.uuid, b.uuid, sharedUuid],
    'f2.txt': [a.uuid, b.uuid],
    'f3.txt': [a.uuid],
    'u.txt': [a.uuid, b.uuid],
  });
  assert.deepEqual(asObject(await arborWhereis(a.dir)), expected, 'arbor whereis in A (arbor merges synced/git-annex itself)');
  assert.deepEqual(asObject(await gitAnnexWhereis(a.dir)), expected, 'git annex whereis in A');
  // The merge arbor committed is one git-annex accepts as already containing B's branch.
  assert.equal((await run('git', ['merge-base', '--is-ancestor', 'synced/git-annex', 'git-annex'], { cwd: a.dir })).code, 0);

  // B pulls A's merged branch back (git annex sync, merging on the git-annex side) and agrees.
  await annex(b.dir, 'sync', '-q', '--no-content', '--no-push', 'origin');
  assert.deepEqual(asObject(await gitAnnexWhereis(b.dir)), expected, 'git annex whereis in B');
  assert.deepEqual(asObject(await arborWhereis(b.dir)), expected, 'arbor whereis in B');
});

test('numcopies set by git-annex guards arbor\'s drop; enough git-annex copies let it through', needsGitAnnex, async () => {
  const { a, b, shared } = await threeRepos();
  await annex(b.dir, 'get', '-q', 'f1.txt');
  await annex(b.dir, 'numcopies', '2');
  await ok('git', ['fetch', '-q', 'b'], { cwd: a.dir });

  // B is the only other copy: dropping A's would leave 1 of the 2 copies numcopies asks for.
  const refused = await runArbor(['drop', 'f1.txt'], { cwd: a.dir });
  assert.notEqual(refused.code, 0, `drop went ahead:\n${refused.stdout}${refused.stderr}`);
  assert.match(refused.stderr, /numcopies/);
  assert.equal(readFileSync(join(a.dir, 'f1.txt'), 'utf8'), 'content of f1.txt\n', 'content still here');
  assert.ok((await gitAnnexWhereis(a.dir, 'f1.txt')).get('f1.txt')?.includes(a.uuid));

  // git-annex makes a second copy elsewhere; arbor verifies both and drops.
  await annex(b.dir, 'copy', '-q', '--to', 'shared', 'f1.txt');
  await ok('git', ['fetch', '-q', 'b'], { cwd: a.dir });
  await arbor(a.dir, 'drop', 'f1.txt');
  assert.equal(existsSync(join(a.dir, 'f1.txt')), false, 'f1.txt is a dangling link in A now');
  const sharedUuid = await uuidOf(shared);
  assert.deepEqual((await gitAnnexWhereis(a.dir, 'f1.txt')).get('f1.txt'), [b.uuid, sharedUuid].sort(), 'git-annex in A no longer lists A');
  await ok('git', ['fetch', '-q', 'origin'], { cwd: b.dir });
  await annex(b.dir, 'merge', '-q');
  assert.deepEqual((await gitAnnexWhereis(b.dir, 'f1.txt')).get('f1.txt'), [b.uuid, sharedUuid].sort(), 'git-annex in B no longer lists A');

  // And the other way round: arbor refuses to drop B's copy from A when that would leave too few.
  const fromB = await runArbor(['drop', '--from', 'b', 'f1.txt'], { cwd: a.dir });
  assert.notEqual(fromB.code, 0, `drop --from b went ahead:\n${fromB.stdout}${fromB.stderr}`);
  assert.ok(existsSync(join(b.dir, 'f1.txt')), 'B still has f1');
});
