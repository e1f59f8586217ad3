// `git arbor sync` and `git annex sync` through a bare hub: each side's changes and content reach the other, round after round.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { run, runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { annex, annexRun, arbor, arborWhereis, asObject, cloneWithArbor, gitAnnexWhereis, sha256, sha256OfFile, uuidOf } from '../helpers/annex-fixtures.js';

/** Replaces `path` (possibly a read-only locked symlink) with `content`. */
function put(dir: string, files: Record<string, string | Buffer>): void {
  for (const path of Object.keys(files)) rmSync(join(dir, path), { force: true });
  writeFiles(dir, files);
}

/** `git annex sync args`, asserting it exits 0. */
async function annexSync(dir: string, ...args: string[]): Promise<string> {
  const r = await annexRun(dir, 'sync', ...args);
  assert.equal(r.code, 0, `git annex sync ${args.join(' ')} in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** `git arbor sync --json args`, asserting it exits 0; returns the parsed summary. */
async function arborSync(dir: string, ...args: string[]): Promise<{ committed: boolean; content?: { got: number; sent: number; failed: number } }> {
  const r = await runArbor(['sync', '--json', ...args], { cwd: dir });
  assert.equal(r.code, 0, `git arbor sync ${args.join(' ')} in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as { committed: boolean; content?: { got: number; sent: number; failed: number } };
}

async function treeOf(dir: string): Promise<string> {
  return git(dir, 'rev-parse', 'HEAD^{tree}');
}

/** Nothing uncommitted, nothing mid-merge. */
async function assertClean(dir: string): Promise<void> {
  assert.equal(await git(dir, 'status', '--porcelain'), '', `${dir} has uncommitted changes`);
  assert.equal(existsSync(join(dir, '.git', 'MERGE_HEAD')), false, `${dir} is mid-merge`);
}

/** `git annex fsck` (with --fast where content may be missing) exits 0. */
async function assertFsck(dir: string, options: { fast?: boolean } = {}): Promise<void> {
  const r = await annexRun(dir, 'fsck', ...(options.fast ? ['--fast'] : []));
  assert.equal(r.code, 0, `git annex fsck in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
}

/** Each file's bytes in `dir` equal the expected bytes (following locked symlinks into the annex). */
function assertContent(dir: string, files: Record<string, Buffer>): void {
  for (const [path, bytes] of Object.entries(files)) assert.equal(sha256OfFile(join(dir, path)), sha256(bytes), `${path} in ${dir}`);
}

/** The mode of `path` at HEAD: 120000 for a locked annexed file, 100644 for a file in git (or an unlocked pointer). */
async function modeAt(dir: string, path: string): Promise<string> {
  return (await git(dir, 'ls-tree', 'HEAD', '--', path)).split(' ')[0] ?? '';
}

/** A bare hub, an arbor clone A and (after A's first sync) a git-annex clone G. */
async function hubWithArborClone(): Promise<{ parent: string; hub: string; a: string }> {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  const parent = join(hub, '..');
  const a = (await cloneWithArbor({ origin: hub, description: 'A', parent, name: 'A' })).dir;
  return { parent, hub, a };
}

test('three rounds through a bare hub: arbor → git-annex, git-annex → arbor, both at once', needsGitAnnex, async () => {
  const { parent, hub, a } = await hubWithArborClone();

  // Round 1: A adds large (annexed by the default annex.largefiles that `arbor init` committed in
  // .gitattributes) and small text files (in git) and syncs with content.
  const r1 = { 'photos/big.jpg': randomBytes(300_000), 'data/blob.bin': randomBytes(5_000), 'notes.md': Buffer.from('# notes\n'), 'docs/readme.txt': Buffer.from('read me\n') };
  writeFiles(a, r1);
  const first = await arborSync(a, '--content');
  assert.equal(first.committed, true);
  // A fresh bare hub has no annex yet: like `git annex sync --content`, the first sync only pushes
  // the branches; the next one initialises the hub and sends the content.
  const second = await arborSync(a, '--content');
  assert.equal(second.content?.sent, 2, 'the two annexed files go to the hub');
  assert.equal(await modeAt(a, 'photos/big.jpg'), '120000');
  assert.equal(await modeAt(a, 'notes.md'), '100644');

  await git(parent, 'clone', '-q', hub, 'G');
  const g = join(parent, 'G');
  await annex(g, 'init', '-q', 'G');
  await annexSync(g, '--content');
  assertContent(g, r1);
  assert.ok(lstatSync(join(g, 'photos/big.jpg')).isSymbolicLink(), 'annexed files arrive locked');
  assert.equal(readFileSync(join(g, 'notes.md'), 'utf8'), '# notes\n', 'git files arrive as files');
  assert.equal(await treeOf(g), await treeOf(a));
  await assertClean(g);
  await assertFsck(g);
  await assertFsck(a);

  // Round 2: G adds, modifies (annexed and git), deletes and renames; A gets all of it with content.
  const r2 = { 'video/new.mp4': randomBytes(200_000), 'photos/big.jpg': randomBytes(250_000), 'notes.md': Buffer.from('# notes\nedited in G\n'), 'added.txt': Buffer.from('small, from G\n') };
  put(g, r2);
  await annex(g, 'add', '-q', '.');
  await git(g, 'rm', '-q', 'docs/readme.txt');
  await git(g, 'mv', 'data/blob.bin', 'data/renamed.bin');
  await annexSync(g, '--content');
  const pulled = await arborSync(a, '--content');
  assert.equal(pulled.content?.got, 2, 'A gets the new and the modified annexed file');
  assertContent(a, { ...r2, 'data/renamed.bin': r1['data/blob.bin'] });
  assert.equal(existsSync(join(a, 'docs/readme.txt')), false, 'the deletion reached A');
  assert.equal(existsSync(join(a, 'data/blob.bin')), false, 'the rename reached A');
  assert.equal(await modeAt(a, 'added.txt'), '100644', 'G kept the small file in git, per the shared .gitattributes');
  assert.equal(await treeOf(a), await treeOf(g));
  await assertClean(a);
  await assertFsck(a);
  await assertFsck(g);

  // Round 3: both change different files, then sync twice each, alternating.
  const fromA = { 'photos/big.jpg': randomBytes(120_000), 'a-only.txt': Buffer.from('from A\n') };
  const fromG = { 'video/new.mp4': randomBytes(130_000), 'g-only.txt': Buffer.from('from G\n'), 'g-big.dat': randomBytes(110_000) };
  put(a, fromA);
  put(g, fromG);
  await annex(g, 'add', '-q', '.');
  await arborSync(a, '--content');
  await annexSync(g, '--content');
  await arborSync(a, '--content');
  await annexSync(g, '--content');
  assert.equal(await treeOf(a), await treeOf(g));
  assertContent(a, { ...fromA, ...fromG });
  assertContent(g, { ...fromA, ...fromG });
  await assertClean(a);
  await assertClean(g);
  await assertFsck(a);
  await assertFsck(g);

  // Every annexed file is in A, G and the hub, and both tools agree about it in both repositories.
  const everywhere = [await uuidOf(a), await uuidOf(g), await uuidOf(hub)].sort();
  const annexed = ['data/renamed.bin', 'g-big.dat', 'photos/big.jpg', 'video/new.mp4'];
  const expected = Object.fromEntries(annexed.map((f) => [f, everywhere]));
  assert.deepEqual(asObject(await gitAnnexWhereis(g)), expected, 'git-annex in G');
  assert.deepEqual(asObject(await gitAnnexWhereis(a)), expected, 'git-annex in A');
  assert.deepEqual(asObject(await arborWhereis(a)), expected, 'arbor in A');
  assert.deepEqual(asObject(await arborWhereis(g)), expected, 'arbor in G');
});

test('unlocked annexed files edited in place on either side reach the other, still unlocked', needsGitAnnex, async () => {
  const { parent, hub, a } = await hubWithArborClone();
  const v1 = randomBytes(150_000);
  writeFiles(a, { 'edit/me.dat': v1 });
  await arbor(a, 'add', '--unlocked', 'edit/me.dat');
  await arborSync(a, '--content');
  await arborSync(a, '--content');
  assert.equal(await modeAt(a, 'edit/me.dat'), '100644', 'an unlocked file is a pointer file in git');

  await git(parent, 'clone', '-q', hub, 'G');
  const g = join(parent, 'G');
  await annex(g, 'init', '-q', 'G');
  await annexSync(g, '--content');
  assert.ok(lstatSync(join(g, 'edit/me.dat')).isFile() && !lstatSync(join(g, 'edit/me.dat')).isSymbolicLink(), 'unlocked in G too');
  assertContent(g, { 'edit/me.dat': v1 });

  // G edits in place; `git annex sync` commits it (through the annex filter) and sends the content.
  const v2 = randomBytes(160_000);
  writeFiles(g, { 'edit/me.dat': v2 });
  await annexSync(g, '--content');
  await arborSync(a, '--content');
  assertContent(a, { 'edit/me.dat': v2 });
  await assertClean(a);

  // A edits in place; arbor's sync commits it and sends the content.
  const v3 = randomBytes(170_000);
  writeFiles(a, { 'edit/me.dat': v3 });
  await arborSync(a, '--content');
  await annexSync(g, '--content');
  assertContent(g, { 'edit/me.dat': v3 });
  assert.equal(await modeAt(g, 'edit/me.dat'), '100644', 'still unlocked');
  assert.equal(await treeOf(a), await treeOf(g));
  await assertClean(a);
  await assertClean(g);
  await assertFsck(a);
  await assertFsck(g);
});

test('git arbor sync typed the way users type it (git runs git-arbor, setting GIT_EXEC_PATH) in a usual user environment (EDITOR, PAGER, GIT_SSH_COMMAND set) fetches and pushes', needsGitAnnex, async () => {
  const { parent, hub, a } = await hubWithArborClone();
  // Variables most shells export; git itself honours them, so must everything arbor runs.
  const env = { EDITOR: 'vi', PAGER: 'less', GIT_SSH_COMMAND: 'ssh -o BatchMode=yes' };
  writeFiles(a, { 'one.txt': 'one\n' });
  // `git arbor …` rather than running bin/git-arbor.js directly: git exports GIT_EXEC_PATH to its
  // subcommands, and everything arbor runs must cope with that.
  const r = await run('git', ['arbor', 'sync'], { cwd: a, env });
  assert.equal(r.code, 0, `git arbor sync failed:\n${r.stdout}\n${r.stderr}`);
  assert.equal(await git(hub, 'rev-parse', 'refs/heads/synced/main'), await git(a, 'rev-parse', 'HEAD'));

  await git(parent, 'clone', '-q', hub, 'G');
  const g = join(parent, 'G');
  await annex(g, 'init', '-q', 'G');
  writeFiles(g, { 'two.txt': 'two\n' });
  await annex(g, 'add', '-q', 'two.txt');
  await annexSync(g);
  assert.equal(await git(g, 'ls-files', 'one.txt'), 'one.txt', 'A\'s change was pushed');
  const again = await run('git', ['arbor', 'sync'], { cwd: a, env });
  assert.equal(again.code, 0, `git arbor sync failed:\n${again.stdout}\n${again.stderr}`);
  // git-annex annexed two.txt and this sync moves no content: the merged file is tracked (a link) in A.
  assert.equal(await git(a, 'ls-files', 'two.txt'), 'two.txt', 'G\'s change was fetched and merged');
});

test('without --content only the branches move: git annex fsck --fast is clean on both sides, content stays where it was', needsGitAnnex, async () => {
  const { parent, hub, a } = await hubWithArborClone();
  const big = randomBytes(200_000);
  writeFiles(a, { 'big.bin': big, 'small.txt': 'small\n' });
  await arborSync(a);
  await git(parent, 'clone', '-q', hub, 'G');
  const g = join(parent, 'G');
  await annex(g, 'init', '-q', 'G');
  await annexSync(g);
  assert.equal(existsSync(join(g, 'big.bin')), false, 'a dangling symlink: no content without --content');
  assert.equal(await treeOf(g), await treeOf(a));
  assert.deepEqual(asObject(await gitAnnexWhereis(g, 'big.bin')), { 'big.bin': [await uuidOf(a)] }, 'G knows A has it');
  await assertFsck(g, { fast: true });

  const gBig = randomBytes(150_000);
  writeFiles(g, { 'g.bin': gBig });
  await annex(g, 'add', '-q', 'g.bin');
  await annexSync(g);
  await arborSync(a);
  assert.equal(await treeOf(a), await treeOf(g));
  assert.equal(existsSync(join(a, 'g.bin')), false);
  assert.deepEqual(asObject(await arborWhereis(a, 'g.bin')), { 'g.bin': [await uuidOf(g)] }, 'A knows G has it');
  await assertFsck(a, { fast: true });
  await assertClean(a);
});
