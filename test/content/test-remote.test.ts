// `git arbor testremote NAME` checks a working remote check by check (a chunked encrypted one
// resumes an interrupted upload) and leaves nothing on it; on a remote it cannot write to, the
// failing check is one clear line and the exit code is 1.
import '../helpers/env.js';
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { needsGpg, useTempGnupgHome } from '../helpers/gnupg.js';
import { arbor, makeArborRepo, type FixtureRepo } from '../helpers/annex-fixtures.js';
import { bindMountReadOnly } from '../helpers/mount.js';
import { runArbor } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

let parent: string;
let repo: FixtureRepo;

before(async () => {
  if (needsGpg.skip) return;
  useTempGnupgHome();
  parent = tempDir('arbor-testremote-');
  repo = await makeArborRepo({ description: 'here', parent, files: [{ path: 'a.txt', content: Buffer.from('a\n'), unlocked: false }] });
});

/** Regular files under `dir` (the remote's objects). */
function objectsUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => e.name);
}

test('testremote passes on a chunked encrypted directory remote, one line per check, and leaves no object behind', needsGpg, async () => {
  const store = join(parent, 'store');
  mkdirSync(store);
  await arbor(repo.dir, 'initremote', 'vault', 'type=directory', `directory=${store}`, 'encryption=shared', 'chunk=64KiB');
  const r = await runArbor(['testremote', 'vault'], { cwd: repo.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'testremote vault: connect ok',
    'testremote vault: checkPresent of a missing key says absent ok',
    'testremote vault: store, stopped after the first chunk ok',
    'testremote vault: store resumes after the stored chunk ok',
    'testremote vault: checkPresent says present ok',
    'testremote vault: retrieve, verified against the key ok',
    'testremote vault: remove ok',
    'testremote vault: checkPresent says absent after remove ok',
    'testremote vault: ok',
  ]);
  assert.deepEqual(objectsUnder(store), []);
});

test('testremote on a remote that cannot be written fails the store check in one line and exits 1', needsGpg, async () => {
  const writable = join(parent, 'ro-source');
  mkdirSync(writable);
  // A read-only mount refuses even root (CI); elsewhere a read-only mode does.
  const store = process.getuid?.() === 0 ? bindMountReadOnly(writable) : (chmodSync(writable, 0o555), writable);
  await arbor(repo.dir, 'initremote', 'broken', 'type=directory', `directory=${store}`, 'encryption=none');
  const r = await runArbor(['testremote', 'broken'], { cwd: repo.dir });
  assert.equal(r.code, 1);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    'testremote broken: connect ok',
    'testremote broken: checkPresent of a missing key says absent ok',
    'testremote broken: failed',
  ]);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0] ?? '', /^git-arbor: testremote broken: store FAILED: .*(EROFS|EACCES|read-only|permission)/i);
});
