// One-shot sync between real repositories: bare hub, direct peers, chains, races, failures.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, rmSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';

const BIG = Buffer.alloc(150_000, 3);

test('a change in A reaches B through a bare hub: small files in git, large ones annexed, content with --content', async () => {
  const { hub, clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'notes.md': '# notes\n', 'photos/big.jpg': BIG });
  const r = await runArbor(['sync', '--json'], { cwd: a });
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout);
  assert.equal(res.committed, true);
  assert.deepEqual(res.remotes.map((x: { remote: string; pushed: boolean }) => [x.remote, x.pushed]), [['origin', true]]);
  assert.equal(await git(hub, 'rev-parse', 'main'), await git(a, 'rev-parse', 'main'), 'hub main updated directly (bare)');
  assert.equal(await git(hub, 'rev-parse', 'synced/main'), await git(a, 'rev-parse', 'main'));
  assert.ok((await git(hub, 'rev-parse', 'synced/git-annex')).length === 40);
  await arbor(b, 'sync');
  assert.equal(readFileSync(join(b, 'notes.md'), 'utf8'), '# notes\n');
  assert.ok(lstatSync(join(b, 'photos/big.jpg')).isSymbolicLink());
  assert.equal(existsSync(join(b, 'photos/big.jpg')), false, 'content not fetched without --content');
  await arbor(a, 'sync', '--content');
  await arbor(b, 'sync', '--content');
  assert.deepEqual(readFileSync(join(b, 'photos/big.jpg')), BIG);
  const where = JSON.parse((await arbor(b, 'whereis', '--json', 'photos/big.jpg')).trim());
  assert.equal(where.whereis.length, 3, 'A, the hub and B have it');
});

test('direct non-bare peers: synced/main is pushed (main is checked out there) and merged on their next sync', async () => {
  const a = await makeRepo({ name: 'a' });
  const parent = join(a, '..');
  await arbor(a, 'init', 'A');
  writeFiles(a, { 'one.txt': 'one\n' });
  await arbor(a, 'sync');
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  await arbor(b, 'init', 'B');
  writeFiles(b, { 'two.txt': 'two\n' });
  const r = JSON.parse((await runArbor(['sync', '--json'], { cwd: b })).stdout);
  assert.equal(r.remotes[0].pushed, true);
  assert.equal(r.remotes[0].branchUpdated, false, 'A refuses a push to its checked-out main: normal');
  assert.equal(existsSync(join(a, 'two.txt')), false);
  await arbor(a, 'sync');
  assert.equal(readFileSync(join(a, 'two.txt'), 'utf8'), 'two\n', 'A merged what B pushed into synced/main');
  assert.equal(await git(a, 'status', '--porcelain'), '');
});

test('a chain A → B → C: B passes A\'s change on to C', async () => {
  const a = await makeRepo({ name: 'a' });
  const parent = join(a, '..');
  await arbor(a, 'init', 'A');
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arbor(a, 'sync');
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  await arbor(b, 'init', 'B');
  await git(parent, 'clone', '-q', b, 'c');
  const c = join(parent, 'c');
  await arbor(c, 'init', 'C');
  writeFiles(a, { 'from-a.txt': 'hello from A\n' });
  await arbor(a, 'sync', '--no-pull');
  assert.equal(existsSync(join(b, 'from-a.txt')), false);
  await arbor(b, 'sync');
  await arbor(c, 'sync');
  assert.equal(readFileSync(join(c, 'from-a.txt'), 'utf8'), 'hello from A\n');
});

test('deletions and renames propagate', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'keep.txt': 'k\n', 'gone.txt': 'g\n', 'old/name.bin': BIG });
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  rmSync(join(a, 'gone.txt'));
  mkdirSync(join(a, 'new'));
  renameSync(join(a, 'old/name.bin'), join(a, 'new/name.bin'));
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  assert.equal(existsSync(join(b, 'gone.txt')), false);
  assert.ok(lstatSync(join(b, 'new/name.bin')).isSymbolicLink());
  assert.equal(existsSync(join(b, 'old')), false);
  assert.equal(await git(b, 'rev-parse', 'HEAD^{tree}'), await git(a, 'rev-parse', 'HEAD^{tree}'));
});

test('two nodes syncing at the same moment both succeed (a rejected push fetches, merges and retries)', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'base.txt': 'base\n' });
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  writeFiles(a, { 'from-a.txt': 'a\n' });
  writeFiles(b, { 'from-b.txt': 'b\n' });
  const [ra, rb] = await Promise.all([runArbor(['sync'], { cwd: a }), runArbor(['sync'], { cwd: b })]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  for (const repo of [a, b]) {
    assert.equal(readFileSync(join(repo, 'from-a.txt'), 'utf8'), 'a\n');
    assert.equal(readFileSync(join(repo, 'from-b.txt'), 'utf8'), 'b\n');
  }
  assert.equal(await git(a, 'rev-parse', 'HEAD^{tree}'), await git(b, 'rev-parse', 'HEAD^{tree}'));
});

test('an unreachable remote is skipped with one warning; the others still sync; exit 1; also when the branch tracks another remote', async () => {
  const { hub, clones: [a], parent } = await hubAndClones(['A']);
  assert.ok(a);
  await git(a, 'remote', 'add', 'usb', join(parent, 'unplugged-drive'));
  writeFiles(a, { 'x.txt': 'x\n' });
  const r = await runArbor(['sync'], { cwd: a });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /fetch from usb failed/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, not a stack trace');
  assert.equal(await git(hub, 'rev-parse', 'main'), await git(a, 'rev-parse', 'main'), 'origin still got the push');
  // The branch now tracks origin: the failed fetch from usb is still reported.
  await git(a, 'branch', '--set-upstream-to=origin/main');
  const tracked = await runArbor(['sync', '--json'], { cwd: a });
  assert.equal(tracked.code, 1);
  const json = JSON.parse(tracked.stdout);
  const usb = json.remotes.find((x: { remote: string }) => x.remote === 'usb');
  assert.equal(usb.fetched, false);
  assert.equal(json.ok, false);
});

test('--no-push, --no-pull, --no-commit and remote names narrow a sync', async () => {
  const { hub, clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'x.txt': 'x\n' });
  await arbor(a, 'sync', '--no-commit');
  assert.equal(await git(a, 'status', '--porcelain'), '?? .gitattributes\n?? x.txt'.split('\n').join('\n'));
  await arbor(a, 'sync', '--no-push');
  assert.notEqual((await runArbor(['sync', 'nosuch'], { cwd: a })).code, 0);
  assert.equal((await git(hub, 'branch', '--list', 'main')).trim(), '', 'nothing pushed yet');
  await arbor(a, 'sync', 'origin');
  assert.equal(await git(hub, 'rev-parse', 'main'), await git(a, 'rev-parse', 'main'));
});

test('sync refuses a detached HEAD and a merge in progress with one line', async () => {
  const { clones: [a] } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'x.txt': 'x\n' });
  await arbor(a, 'sync');
  await git(a, 'checkout', '-q', '--detach');
  const r = await runArbor(['sync'], { cwd: a });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /HEAD is detached/);
  await git(a, 'checkout', '-q', 'main');
  writeFileSync(join(a, '.git', 'MERGE_HEAD'), (await git(a, 'rev-parse', 'HEAD')) + '\n');
  const r2 = await runArbor(['sync'], { cwd: a });
  assert.match(r2.stderr, /a merge is in progress/);
});

test('a peer that empties its tree propagates the deletion, but no content is dropped from the annex', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'big.bin': BIG, 'small.txt': 's\n' });
  await arbor(a, 'sync', '--content');
  await arbor(b, 'sync', '--content');
  await git(b, 'rm', '-q', '-r', '.');
  await arbor(b, 'sync');
  await arbor(a, 'sync');
  assert.equal(existsSync(join(a, 'big.bin')), false, 'deletion propagated');
  const info = JSON.parse(await arbor(a, 'info', '--json'));
  assert.equal(info.localObjects, 1, 'the content is still in the annex, recoverable from history');
  await git(a, 'checkout', '-q', 'HEAD~1', '--', 'big.bin').catch(async () => git(a, 'checkout', '-q', 'HEAD~2', '--', 'big.bin'));
  assert.deepEqual(readFileSync(join(a, 'big.bin')), BIG);
});

test('conflicting edits never leave markers or a half-done merge, and both sides converge with both versions', async () => {
  const { clones: [a, b] } = await hubAndClones(['A', 'B']);
  assert.ok(a && b);
  writeFiles(a, { 'notes.txt': 'line\n', 'pic.bin': BIG });
  await arbor(a, 'sync', '--content');
  await arbor(b, 'sync', '--content');
  writeFiles(a, { 'notes.txt': 'from A\n' });
  writeFiles(b, { 'notes.txt': 'from B\n' });
  rmSync(join(a, 'pic.bin'));
  rmSync(join(b, 'pic.bin'));
  writeFiles(a, { 'pic.bin': Buffer.alloc(150_000, 4) });
  writeFiles(b, { 'pic.bin': Buffer.alloc(150_000, 5) });
  await arbor(a, 'sync');
  const r = JSON.parse((await runArbor(['sync', '--json'], { cwd: b })).stdout);
  assert.equal(r.ok, true);
  assert.ok(r.conflicts.length >= 2, 'both conflicts reported');
  await arbor(a, 'sync');
  await arbor(b, 'sync');
  for (const repo of [a, b]) {
    assert.equal(existsSync(join(repo, '.git', 'MERGE_HEAD')), false, 'no merge left half done');
    const files = (await git(repo, 'ls-files')).split('\n');
    assert.equal(files.filter((f) => f.startsWith('pic.variant-')).length, 2, 'both annexed versions kept as variants');
    const texts = files.filter((f) => f.startsWith('notes')).map((f) => readFileSync(join(repo, f), 'utf8'));
    assert.deepEqual(texts.sort(), ['from A\n', 'from B\n'], 'both text versions kept');
    for (const t of texts) assert.doesNotMatch(t, /^(<<<<<<<|=======|>>>>>>>)/m);
  }
  assert.equal(await git(a, 'rev-parse', 'HEAD^{tree}'), await git(b, 'rev-parse', 'HEAD^{tree}'));
  const status = JSON.parse(await arbor(b, 'status', '--json'));
  assert.ok(status.conflicts.some((c: { path: string }) => c.path === 'pic.bin'), 'recorded for git arbor status');
});

test('a different repository at a remote\'s path (another drive mounted there) is not synced with', async () => {
  const { hub, clones: [a], parent } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'x.txt': 'x\n' });
  await arbor(a, 'sync', '--content');
  await arbor(a, 'sync', '--content'); // the hub is an annex after the first push: now its uuid is recorded
  const recorded = await git(a, 'config', 'remote.origin.annex-uuid');
  const { renameSync } = await import('node:fs');
  renameSync(hub, join(parent, 'real-hub.git'));
  const stranger = await makeRepo({ bare: true, parent, name: 'hub.git' });
  await arbor(stranger, 'init', 'stranger').catch(() => undefined);
  await git(stranger, 'config', 'annex.uuid', '11111111-2222-3333-4444-555555555555');
  const refsBefore = await git(stranger, 'for-each-ref');
  const r = await runArbor(['sync'], { cwd: a });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /holds a different repository/);
  assert.equal(await git(stranger, 'for-each-ref'), refsBefore, 'nothing pushed into the stranger');
  assert.equal(await git(a, 'config', 'remote.origin.annex-uuid'), recorded);
});

test('a remote whose path goes away while the push runs (a drive pulled out) is reported as not there, not as a failed push', async () => {
  const { hub, clones: [a], parent } = await hubAndClones(['A']);
  assert.ok(a);
  writeFiles(a, { 'x.txt': 'x\n' });
  await arbor(a, 'sync', '--content');
  await arbor(a, 'sync', '--content'); // the hub's uuid is recorded now
  // The hub's filesystem goes away as the next push starts, as an unmount takes it from under
  // git: the remote's end of the push moves the repository away and dies as git's receive-pack
  // does in a directory that is gone.
  const away = join(parent, 'unmounted');
  const receivePack = join(parent, 'receive-pack-unmounted');
  writeFileSync(receivePack, `#!/bin/sh\nmv "${hub}" "${away}"\necho "fatal: unable to get current working directory: No such file or directory" >&2\nexit 128\n`, { mode: 0o755 });
  await git(a, 'config', 'remote.origin.receivepack', receivePack);
  writeFiles(a, { 'y.txt': 'y\n' });
  const r = await runArbor(['sync'], { cwd: a });
  assert.ok(existsSync(away) && !existsSync(hub), `the remote's end ran: ${r.stderr}`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /remote origin: .*hub\.git is not there \(not mounted\?\)/);
  assert.doesNotMatch(r.stderr, /push to origin failed/, r.stderr);
});
