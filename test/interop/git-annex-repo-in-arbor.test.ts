// A repository the real git-annex made, cloned and filled by arbor: directly from a non-bare origin, and through a bare repository git-annex populated.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { ok } from '../helpers/run.js';
import { makeRepo } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';
import {
  annex,
  annexRun,
  arbor,
  arborWhereis,
  asObject,
  awkwardFiles,
  cloneWithArbor,
  gitAnnexWhereis,
  makeGitAnnexRepo,
  sha256,
  sha256OfFile,
  uuidOf,
} from '../helpers/annex-fixtures.js';
import type { FixtureFile } from '../helpers/annex-fixtures.js';

/** Every file has its bytes in `dir`: locked ones as symlinks that resolve, unlocked ones as regular files. */
function assertAllPresent(dir: string, files: readonly FixtureFile[]): void {
  for (const f of files) {
    const st = lstatSync(join(dir, f.path));
    if (f.unlocked) assert.ok(st.isFile() && !st.isSymbolicLink(), `${f.path} is a regular file`);
    else assert.ok(st.isSymbolicLink(), `${f.path} is a symlink`);
    assert.equal(sha256OfFile(join(dir, f.path)), sha256(f.content), `${f.path} content`);
  }
}

/** git-annex's fsck in `dir` finds nothing wrong. */
async function assertGitAnnexFsckClean(dir: string): Promise<void> {
  const fsck = await annexRun(dir, 'fsck');
  assert.equal(fsck.code, 0, `git annex fsck failed:\n${fsck.stdout}\n${fsck.stderr}`);
  assert.doesNotMatch(fsck.stdout + fsck.stderr, /failed/i);
}

test('arbor gets every file of a git-annex repository from a non-bare origin', needsGitAnnex, async () => {
  const files = awkwardFiles();
  const parent = tempDir('arbor-interop-');
  const origin = await makeGitAnnexRepo({ description: 'annex desktop', files, parent });
  const clone = await cloneWithArbor({ origin: origin.dir, description: 'arbor laptop', parent });

  const statusBefore = await ok('git', ['status', '--porcelain'], { cwd: clone.dir });
  await arbor(clone.dir, 'get', '.');
  assertAllPresent(clone.dir, files);

  const expected = Object.fromEntries(files.map((f) => [f.path, [origin.uuid, clone.uuid].sort()]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
  assert.deepEqual(asObject(await arborWhereis(clone.dir)), expected, 'arbor whereis lists both repositories for every file');
  assert.deepEqual(asObject(await gitAnnexWhereis(clone.dir)), expected, 'git-annex reads the same from arbor\'s branch');
  await assertGitAnnexFsckClean(clone.dir);
  assert.equal(await ok('git', ['status', '--porcelain'], { cwd: clone.dir }), statusBefore, 'getting content changes nothing git sees (unlocked files are not "modified")');
});

test('arbor gets every file through a bare repository git-annex populated', needsGitAnnex, async () => {
  const files = awkwardFiles();
  const parent = tempDir('arbor-interop-');
  const source = await makeGitAnnexRepo({ description: 'annex desktop', files, parent });
  const bare = await makeRepo({ bare: true, parent, name: 'hub.git' });
  await ok('git', ['remote', 'add', 'hub', bare], { cwd: source.dir });
  await annex(source.dir, 'sync', '-q', '--no-content');
  await annex(source.dir, 'copy', '-q', '--to', 'hub', '.');
  await annex(source.dir, 'sync', '-q', '--no-content');
  const hubUuid = await uuidOf(bare);
  assert.notEqual(hubUuid, '', 'git-annex initialised the bare repository');

  const clone = await cloneWithArbor({ origin: bare, description: 'arbor laptop', parent });
  await arbor(clone.dir, 'get', '.');
  assertAllPresent(clone.dir, files);

  const expected = Object.fromEntries(files.map((f) => [f.path, [source.uuid, hubUuid, clone.uuid].sort()]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)));
  assert.deepEqual(asObject(await arborWhereis(clone.dir)), expected, 'arbor whereis lists the git-annex repo, the hub and itself');
  assert.deepEqual(asObject(await gitAnnexWhereis(clone.dir)), expected);
  await assertGitAnnexFsckClean(clone.dir);
});
