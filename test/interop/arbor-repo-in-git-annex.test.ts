// A repository arbor made, read and used by the real git-annex: fsck, whereis, info, find, a git-annex clone, and arbor's errors on bad input.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { ok, runArbor } from '../helpers/run.js';
import { makeRepo, writeFiles } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';
import {
  annex,
  annexRun,
  arbor,
  awkwardFiles,
  cloneWithGitAnnex,
  gitAnnexWhereis,
  makeArborRepo,
  objectPath,
  parseJsonLines,
  sha256,
  sha256OfFile,
  simpleFiles,
  uuidOf,
} from '../helpers/annex-fixtures.js';
import type { RunResult } from '../helpers/run.js';

/** The annex key git records for a file (through git-annex, the authority). */
async function keyOf(dir: string, file: string): Promise<string> {
  return (await annex(dir, 'lookupkey', file)).trim();
}

/**
 * Asserts a failed arbor run: non-zero exit and one clear line on stderr, no stack trace. A
 * per-file command may add git-annex's closing tally ("get: 1 failed") after that line.
 */
function assertCleanFailure(r: RunResult, pattern: RegExp): void {
  assert.notEqual(r.code, 0, `expected failure, got exit 0 (stdout: ${r.stdout})`);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^git-arbor: [a-z]+: \d+ failed$/.test(l));
  assert.equal(lines.length, 1, `expected one line of error, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace or internal error');
  assert.match(lines[0] ?? '', pattern);
}

test('git-annex accepts a repository arbor initialised and added awkward files to', needsGitAnnex, async () => {
  const files = awkwardFiles();
  const repo = await makeArborRepo({ description: 'arbor laptop', files });

  const fsck = await annexRun(repo.dir, 'fsck');
  assert.equal(fsck.code, 0, `git annex fsck failed:\n${fsck.stdout}\n${fsck.stderr}`);
  assert.doesNotMatch(fsck.stdout + fsck.stderr, /failed/i);
  for (const f of files) assert.match(fsck.stdout, new RegExp(`fsck ${f.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(checksum\\.\\.\\.\\) ok`), `fsck checked ${f.path}`);

  // whereis names arbor's repository by its description, for a locked and an unlocked file.
  for (const file of ['日本/日本語.txt', 'unlocked dir/ünï 日本.bin']) {
    const whereis = await annex(repo.dir, 'whereis', file);
    assert.match(whereis, new RegExp(`${repo.uuid} -- arbor laptop \\[here\\]`));
  }

  const info = JSON.parse(await annex(repo.dir, 'info', '--json')) as Record<string, unknown>;
  const repos = ['trusted repositories', 'semitrusted repositories', 'untrusted repositories'].flatMap(
    (k) => (info[k] as { uuid: string; description: string; here: boolean }[] | undefined) ?? [],
  );
  const here = repos.filter((r) => r.here);
  assert.deepEqual(here.map((r) => [r.uuid, r.description]), [[(await ok('git', ['config', 'annex.uuid'], { cwd: repo.dir })).trim(), 'arbor laptop']]);
  assert.equal(info['annexed files in working tree'], files.length);

  const found = (await annex(repo.dir, 'find')).split('\n').filter(Boolean).sort();
  assert.deepEqual(found, files.map((f) => f.path).sort());

  // Locked files are symlinks, unlocked ones regular files holding their content; git sees no change.
  for (const f of files) {
    assert.equal(lstatSync(join(repo.dir, f.path)).isSymbolicLink(), !f.unlocked, `${f.path} locked=${String(!f.unlocked)}`);
    assert.equal(sha256OfFile(join(repo.dir, f.path)), sha256(f.content), `${f.path} content`);
  }
  assert.equal(await ok('git', ['status', '--porcelain'], { cwd: repo.dir }), '');
});

test('git arbor add <path> of new files, locked and unlocked, gives files git-annex accepts', needsGitAnnex, async () => {
  // `git arbor add <path>` of files git does not know yet (the way a user adds one file).
  const repo = await makeArborRepo({ description: 'arbor laptop', files: simpleFiles(['first.txt']) });
  writeFiles(repo.dir, { 'named.txt': 'named\n', 'named unlocked.txt': 'named, unlocked\n' });
  await arbor(repo.dir, 'add', 'named.txt');
  await arbor(repo.dir, 'add', '--unlocked', 'named unlocked.txt');
  await ok('git', ['commit', '-qm', 'named'], { cwd: repo.dir });
  assert.ok(lstatSync(join(repo.dir, 'named.txt')).isSymbolicLink());
  assert.ok(lstatSync(join(repo.dir, 'named unlocked.txt')).isFile());
  const found = (await annex(repo.dir, 'find')).split('\n').filter(Boolean).sort();
  assert.deepEqual(found, ['first.txt', 'named unlocked.txt', 'named.txt']);
  assert.equal((await annexRun(repo.dir, 'fsck')).code, 0);
});

test('a git-annex clone of an arbor repository gets every file with the right bytes', needsGitAnnex, async () => {
  const files = awkwardFiles();
  const parent = tempDir('arbor-interop-');
  const origin = await makeArborRepo({ description: 'arbor laptop', files, parent });
  const clone = await cloneWithGitAnnex({ origin: origin.dir, description: 'annex desktop', parent });

  await annex(clone.dir, 'get', '-q', '.');
  for (const f of files) {
    assert.equal(sha256OfFile(join(clone.dir, f.path)), sha256(f.content), `${f.path} content in the git-annex clone`);
    assert.equal(lstatSync(join(clone.dir, f.path)).isSymbolicLink(), !f.unlocked, `${f.path} locked=${String(!f.unlocked)}`);
  }
  const whereis = await gitAnnexWhereis(clone.dir);
  assert.equal(whereis.size, files.length);
  for (const [file, uuids] of whereis) assert.deepEqual(uuids, [origin.uuid, clone.uuid].sort(), `whereis ${file}`);
  const described = await annex(clone.dir, 'whereis', 'top.txt');
  assert.match(described, /-- arbor laptop \[origin\]/);
  assert.match(described, /-- annex desktop \[here\]/);
  const fsck = await annexRun(clone.dir, 'fsck');
  assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
});

test('bad input: one clear line and a non-zero exit', needsGitAnnex, async () => {
  // Not a repository at all.
  const nowhere = tempDir('arbor-norepo-');
  assertCleanFailure(await runArbor(['get'], { cwd: nowhere }), /git|repositor/i);

  // A git repository arbor was never initialised in.
  const plain = await makeRepo();
  writeFiles(plain, { 'f.txt': 'x\n' });
  assertCleanFailure(await runArbor(['add', '.'], { cwd: plain }), /init/);
  assert.equal(await uuidOf(plain), '', 'add did not initialise the repository behind the user\'s back');

  // A remote that does not exist, and one whose path was deleted.
  const parent = tempDir('arbor-interop-');
  const origin = await makeArborRepo({ description: 'arbor origin', files: simpleFiles(['a.txt']), parent });
  const clone = join(parent, 'clone');
  await ok('git', ['clone', '-q', origin.dir, clone]);
  await arbor(clone, 'init', 'arbor clone');
  assertCleanFailure(await runArbor(['copy', '--to', 'nosuchremote', 'a.txt'], { cwd: clone }), /nosuchremote/);
  await ok('git', ['remote', 'rename', 'origin', 'gone'], { cwd: clone });
  rmSync(origin.dir, { recursive: true, force: true });
  assertCleanFailure(await runArbor(['get', '--from', 'gone', 'a.txt'], { cwd: clone }), /gone/);
  assert.equal(existsSync(join(clone, 'a.txt')), false, 'a.txt is still a broken link: nothing was fetched');
});

test('a corrupt object: arbor fsck quarantines it, git-annex stops listing the copy, copy --to sends nothing', needsGitAnnex, async () => {
  const parent = tempDir('arbor-interop-');
  const repo = await makeArborRepo({ description: 'arbor laptop', files: simpleFiles(['good.txt', 'bad.txt']), parent });
  const bare = await makeRepo({ bare: true, parent, name: 'backup.git' });
  await annex(bare, 'init', '-q', 'backup');
  await ok('git', ['remote', 'add', 'backup', bare], { cwd: repo.dir });
  const key = await keyOf(repo.dir, 'bad.txt');
  const object = await objectPath({ dir: repo.dir, key });
  const bytes = readFileSync(object);
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  writeFileSync(object, bytes);

  const fsck = await runArbor(['fsck', '--json'], { cwd: repo.dir });
  assert.equal(fsck.code, 1, fsck.stdout + fsck.stderr);
  const findings = (parseJsonLines(fsck.stdout)[0]?.findings ?? []) as { path: string; kind: string; failed: boolean }[];
  assert.ok(findings.some((f) => f.path === 'bad.txt' && f.kind === 'corrupt' && f.failed), fsck.stdout);
  assert.deepEqual(findings.filter((f) => f.path !== 'bad.txt'), [], 'the good file is fine');
  assert.equal(existsSync(object), false, 'the corrupt object left the object store');
  const bad = readdirSync(join(repo.dir, '.git', 'annex', 'bad'));
  assert.deepEqual(bad, [key]);
  assert.deepEqual(readFileSync(join(repo.dir, '.git', 'annex', 'bad', key)), bytes, 'quarantined bytes kept for the user');

  const whereis = await gitAnnexWhereis(repo.dir);
  assert.deepEqual(whereis.get('bad.txt'), [], 'git-annex no longer lists arbor\'s repository for the bad file');
  assert.deepEqual(whereis.get('good.txt'), [repo.uuid]);

  await runArbor(['copy', '--to', 'backup', 'bad.txt'], { cwd: repo.dir });
  assert.equal(existsSync(await objectPath({ dir: bare, key, bare: true })), false, 'nothing sent for the quarantined file');
  const inBackup = await gitAnnexWhereis(repo.dir, 'bad.txt');
  assert.deepEqual(inBackup.get('bad.txt'), []);
});

test('a corrupt object that fsck has not seen yet is not sent by copy --to', needsGitAnnex, async () => {
  const parent = tempDir('arbor-interop-');
  const repo = await makeArborRepo({ description: 'arbor laptop', files: simpleFiles(['bad.txt']), parent });
  const bare = await makeRepo({ bare: true, parent, name: 'backup.git' });
  await annex(bare, 'init', '-q', 'backup');
  await ok('git', ['remote', 'add', 'backup', bare], { cwd: repo.dir });
  const key = await keyOf(repo.dir, 'bad.txt');
  const object = await objectPath({ dir: repo.dir, key });
  const bytes = readFileSync(object);
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  writeFileSync(object, bytes);

  const copy = await runArbor(['copy', '--to', 'backup', 'bad.txt'], { cwd: repo.dir });
  assert.notEqual(copy.code, 0, `copy of corrupt content reported success:\n${copy.stdout}${copy.stderr}`);
  const sent = await objectPath({ dir: bare, key, bare: true });
  assert.ok(!existsSync(sent) || sha256(readFileSync(sent)) === key.replace(/^.*--([0-9a-f]{64}).*$/, '$1'), 'no corrupt bytes in the backup');
  const backupUuid = await uuidOf(bare);
  assert.ok(!(await gitAnnexWhereis(repo.dir, 'bad.txt')).get('bad.txt')?.includes(backupUuid), 'the backup is not recorded as having it');
  const remoteFsck = await annexRun(bare, 'fsck');
  assert.doesNotMatch(remoteFsck.stdout + remoteFsck.stderr, /failed/i, 'git-annex finds nothing corrupt in the backup');
});
