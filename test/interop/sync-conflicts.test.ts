// Conflicting changes synced by `git arbor sync` on one side and `git annex sync` on the other: both end with the same tree, the same variant names, nothing mid-merge.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { annex, annexRun, arbor, cloneWithArbor, cloneWithGitAnnex, sha256, sha256OfFile } from '../helpers/annex-fixtures.js';

/** Replaces `path` (possibly a read-only locked symlink) with `content`. */
function put(dir: string, files: Record<string, string | Buffer>): void {
  for (const path of Object.keys(files)) rmSync(join(dir, path), { force: true });
  writeFiles(dir, files);
}

/** `git annex sync args`, asserting it exits 0. */
async function annexSync(dir: string, ...args: string[]): Promise<string> {
  const r = await annexRun(dir, 'sync', ...args);
  assert.equal(r.code, 0, `git annex sync ${args.join(' ')} in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout + r.stderr;
}

/** `git arbor sync --json args`, asserting it exits 0; returns the parsed summary. */
async function arborSync(dir: string, ...args: string[]): Promise<{ conflicts: { path: string; results: string[] }[] }> {
  const r = await runArbor(['sync', '--json', ...args], { cwd: dir });
  assert.equal(r.code, 0, `git arbor sync ${args.join(' ')} in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as { conflicts: { path: string; results: string[] }[] };
}

async function treeOf(dir: string): Promise<string> {
  return git(dir, 'rev-parse', 'HEAD^{tree}');
}

/** Paths at HEAD, sorted. */
async function pathsAt(dir: string): Promise<string[]> {
  return (await git(dir, 'ls-tree', '-r', '-z', '--name-only', 'HEAD')).split('\0').filter(Boolean).sort();
}

/** Nothing uncommitted, nothing mid-merge, no conflict markers in any regular file of the work tree. */
async function assertSettled(dir: string): Promise<void> {
  assert.equal(await git(dir, 'status', '--porcelain'), '', `${dir} has uncommitted or unmerged changes`);
  assert.equal(existsSync(join(dir, '.git', 'MERGE_HEAD')), false, `${dir} is mid-merge`);
  for (const path of workFiles(dir)) {
    assert.doesNotMatch(readFileSync(join(dir, path), 'utf8'), /^(<<<<<<<|>>>>>>>) /m, `conflict markers in ${dir}/${path}`);
  }
}

/** Regular files of a work tree (symlinks and .git skipped). */
function workFiles(root: string, dir = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = dir ? `${dir}/${name}` : name;
    if (rel === '.git') continue;
    const st = lstatSync(join(root, rel));
    if (st.isDirectory()) out.push(...workFiles(root, rel));
    else if (st.isFile()) out.push(rel);
  }
  return out;
}

/** `git annex fsck` exits 0. */
async function assertFsck(dir: string): Promise<void> {
  const r = await annexRun(dir, 'fsck');
  assert.equal(r.code, 0, `git annex fsck in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
}

/**
 * The name git-annex gives the version of `path` holding `bytes` (SHA256E key of a simple
 * one-extension name): `<stem>.variant-<first 4 hex of md5(key)><ext>` (Annex/VariantFile.hs),
 * computed here independently of arbor's variant.ts.
 */
function expectedVariant(path: string, bytes: Buffer): string {
  const dot = path.lastIndexOf('.');
  const ext = path.slice(dot);
  const key = `SHA256E-s${bytes.length}--${sha256(bytes)}${ext}`;
  return `${path.slice(0, dot)}.variant-${createHash('md5').update(key).digest('hex').slice(0, 4)}${ext}`;
}

/** A bare hub; A (arbor) and G (git-annex) clones of it, both holding the seed files with content. */
async function hubPair(seed: Record<string, Buffer>): Promise<{ a: string; g: string }> {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  const parent = join(hub, '..');
  const a = (await cloneWithArbor({ origin: hub, description: 'A', parent, name: 'A' })).dir;
  writeFiles(a, seed);
  await arborSync(a, '--content');
  await arborSync(a, '--content'); // the hub has an annex now: send the content
  const g = (await cloneWithGitAnnex({ origin: hub, description: 'G', parent, name: 'G' })).dir;
  await annexSync(g, '--content');
  return { a, g };
}

/** path → annex key at HEAD, for annexed paths (locked symlinks and unlocked pointers alike). */
async function keysAt(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const path of await pathsAt(dir)) {
    const blob = await git(dir, 'cat-file', 'blob', `HEAD:${path}`);
    const m = /(?:^|\/)((?:SHA256E|SHA256)-s\d+--[0-9a-f]{64}[^/\s]*)$/.exec(blob.trim());
    if (m?.[1]) out.set(path, m[1]);
  }
  return out;
}

/** The SHA256E key of `bytes` stored under a name ending in `ext`. */
function keyOf(bytes: Buffer, ext: string): string {
  return `SHA256E-s${bytes.length}--${sha256(bytes)}${ext}`;
}

const ORDERS = ['arbor first', 'git-annex first'] as const;
// The file is deleted by the first to sync, so each tool deletes once (arbor first: A deletes) and
// resolves once (the second to sync). Deleted by the second to sync, the same merges run with the
// sides swapped (arbor's modify/delete planning treats both sides alike; interop/conflicts.test.ts
// proves both directions against git-annex's tree).
const DELETERS = ['first to sync'] as const;

for (const order of ORDERS) {
  for (const deleter of DELETERS) {
    test(`annexed file changed on both sides, and modified vs deleted (${order}, deleted by the ${deleter}): the same variants on both sides`, needsGitAnnex, async () => {
      const seed = { 'photo.jpg': randomBytes(150_000), 'gone.bin': randomBytes(120_000), 'keep.txt': Buffer.from('keep\n') };
      const { a, g } = await hubPair(seed);
      const photoA = randomBytes(160_000);
      const photoG = randomBytes(170_000);
      const modified = randomBytes(130_000);
      put(a, { 'photo.jpg': photoA });
      put(g, { 'photo.jpg': photoG });
      const [first, second] = order === 'arbor first' ? [a, g] : [g, a];
      const [deleting, modifying] = deleter === 'first to sync' ? [first, second] : [second, first];
      put(modifying, { 'gone.bin': modified });
      rmSync(join(deleting, 'gone.bin'));
      await annex(g, 'add', '-q', '.');
      await git(g, 'add', '-u');

      // Whoever syncs second meets the conflict and resolves it; the first then takes the resolution.
      const arborRound = (): Promise<unknown> => arborSync(a, '--content');
      const annexRound = (): Promise<unknown> => annexSync(g, '--content');
      const rounds = order === 'arbor first' ? [arborRound, annexRound, arborRound, annexRound] : [annexRound, arborRound, annexRound, arborRound];
      for (const round of rounds) await round();

      assert.equal(await treeOf(a), await treeOf(g), 'the same tree on both sides');
      assert.deepEqual(await pathsAt(g), await pathsAt(a));
      const keys = await keysAt(a);
      const pathOfKey = new Map([...keys].map(([p, k]) => [k, p]));
      const versions: [string, Buffer, string][] = [
        ['A\'s photo', photoA, keyOf(photoA, '.jpg')],
        ['G\'s photo', photoG, keyOf(photoG, '.jpg')],
        ['the modified gone.bin', modified, keyOf(modified, '.bin')],
      ];
      assert.deepEqual((await pathsAt(a)).filter((p) => !keys.has(p) || p === 'keep.txt'), ['.gitattributes', 'keep.txt'], 'no conflicted name left, nothing else added');
      assert.equal(keys.size, 3, `three annexed versions (keep.txt is in git): ${[...keys.keys()].join(', ')}`);
      for (const [what, bytes, key] of versions) {
        const path = pathOfKey.get(key);
        assert.ok(path, `${what} survives in the tree`);
        for (const dir of [a, g]) assert.equal(sha256OfFile(join(dir, path)), sha256(bytes), `${what} (${path}) has its content in ${dir}`);
      }
      assert.equal(pathOfKey.get(keyOf(modified, '.bin')), expectedVariant('gone.bin', modified), 'the modified version under git-annex\'s variant name');
      const expectedPhotos = [expectedVariant('photo.jpg', photoA), expectedVariant('photo.jpg', photoG)].sort();
      const photos = [pathOfKey.get(keyOf(photoA, '.jpg')), pathOfKey.get(keyOf(photoG, '.jpg'))].sort();
      assert.deepEqual(photos, expectedPhotos, 'both photos under git-annex\'s variant names');
      for (const dir of [a, g]) {
        await assertSettled(dir);
        await assertFsck(dir);
      }
    });
  }
}

test('both tools resolve the same conflict independently (direct peers, each merging the other\'s commit) and agree', needsGitAnnex, async () => {
  const a = await makeRepo({ name: 'A' });
  const parent = join(a, '..');
  await arbor(a, 'init', 'A');
  writeFiles(a, { 'photo.jpg': randomBytes(150_000), 'doc.pdf': randomBytes(110_000) });
  await arborSync(a);
  const g = (await cloneWithGitAnnex({ origin: a, description: 'G', parent, name: 'G' })).dir;
  await git(a, 'remote', 'add', 'g', g);
  await annex(g, 'get', '-q', '.');

  const photoA = randomBytes(140_000);
  const photoG = randomBytes(145_000);
  const docG = randomBytes(115_000);
  put(a, { 'photo.jpg': photoA });
  rmSync(join(a, 'doc.pdf'));
  await arborSync(a, '--no-pull', '--no-push'); // commit only
  put(g, { 'photo.jpg': photoG, 'doc.pdf': docG });
  await annex(g, 'add', '-q', '.');
  await git(g, 'commit', '-q', '-m', 'G changes');
  // Each side's commit lands in the other's synced/main, as if both had pushed before either merged
  // (forced into A, whose synced/main already points at its own commit); then each merges it
  // without talking to the other: arbor resolves one merge, git-annex its mirror image.
  await git(a, 'push', '-q', 'g', 'main:synced/main');
  await git(g, 'push', '-q', 'origin', '+main:synced/main');
  const resolved = await arborSync(a, '--no-pull', '--no-push');
  assert.deepEqual(resolved.conflicts.map((c) => c.path).sort(), ['doc.pdf', 'photo.jpg']);
  assert.match(await annexSync(g, '--no-pull', '--no-push'), /automatically resolved/);

  assert.equal(await treeOf(a), await treeOf(g), 'arbor and git-annex resolved the conflict to the same tree');
  const resolvedPaths = ['.gitattributes', expectedVariant('doc.pdf', docG), expectedVariant('photo.jpg', photoA), expectedVariant('photo.jpg', photoG)].sort();
  assert.deepEqual(await pathsAt(a), resolvedPaths, 'git-annex\'s variant names');
  // Exchanging the two resolutions is then a clean merge, with no new variants.
  await arborSync(a, '--content');
  await annexSync(g, '--content');
  await arborSync(a, '--content');
  assert.equal(await treeOf(a), await treeOf(g));
  assert.deepEqual(await pathsAt(a), resolvedPaths, 'no variants of variants');
  for (const dir of [a, g]) {
    await assertSettled(dir);
    await assertFsck(dir);
  }
});

/** The two versions of notes.txt in `dir`: one keeps the name, the other has a variant name. */
async function notesVersions(dir: string): Promise<{ names: string[]; texts: string[] }> {
  const names = (await pathsAt(dir)).filter((p) => p.startsWith('notes.'));
  return { names, texts: names.map((p) => readFileSync(join(dir, p), 'utf8')).sort() };
}

test('a small git file changed on both sides, git-annex first: arbor keeps both versions as files, no markers, and both converge', needsGitAnnex, async () => {
  const { a, g } = await hubPair({ 'notes.txt': Buffer.from('line one\n'), 'big.bin': randomBytes(120_000) });
  put(g, { 'notes.txt': 'line one\nfrom G\n' });
  put(a, { 'notes.txt': 'line one\nfrom A\n' });
  await annexSync(g, '--content');
  const resolved = await arborSync(a, '--content');
  assert.deepEqual(resolved.conflicts.map((c) => c.path), ['notes.txt']);
  await assertSettled(a);
  await annexSync(g, '--content');
  await arborSync(a, '--content');
  await annexSync(g, '--content');

  assert.equal(await treeOf(a), await treeOf(g));
  const { names, texts } = await notesVersions(a);
  assert.equal(names.length, 2, `both versions kept: ${names.join(', ')}`);
  assert.ok(names.includes('notes.txt'), 'one version keeps the name');
  assert.match(names.find((p) => p !== 'notes.txt') ?? '', /^notes\.variant-[^/]+\.txt$/, 'the other under a variant name');
  assert.equal(await modeOf(a, 'notes.txt'), '100644', 'still a file in git');
  assert.deepEqual(texts, ['line one\nfrom A\n', 'line one\nfrom G\n']);
  assert.deepEqual((await notesVersions(g)).texts, texts);
  for (const dir of [a, g]) {
    await assertSettled(dir);
    await assertFsck(dir);
  }
});

test('a small git file changed on both sides, arbor first: arbor stays settled while git-annex stops on the conflict; a manual fix in G reaches A', needsGitAnnex, async (t) => {
  const { a, g } = await hubPair({ 'notes.txt': Buffer.from('line one\n'), 'big.bin': randomBytes(120_000) });
  put(a, { 'notes.txt': 'line one\nfrom A\n' });
  put(g, { 'notes.txt': 'line one\nfrom G\n' });
  await arborSync(a, '--content');
  await assertSettled(a);
  // git-annex 10.20230126 does not resolve conflicts between files kept in git (measured: it leaves the markers).
  // Recorded, not asserted: it is git-annex's behaviour.
  const annexSide = await annexRun(g, 'sync', '--content');
  const midMerge = existsSync(join(g, '.git', 'MERGE_HEAD'));
  const markers = /^<<<<<<< /m.test(readFileSync(join(g, 'notes.txt'), 'utf8'));
  t.diagnostic(`git annex sync exited ${annexSide.code}; G mid-merge: ${midMerge}; markers in notes.txt: ${markers}`);

  // arbor's side stays settled through another round whatever git-annex pushed meanwhile.
  await arborSync(a, '--content');
  await assertSettled(a);
  // The user on G resolves by hand, as git-annex asks, and syncs; arbor takes the fix.
  if (midMerge) {
    writeFiles(g, { 'notes.txt': 'line one\nfrom A\nfrom G\n' });
    await git(g, 'add', 'notes.txt');
    await git(g, 'commit', '-q', '--no-edit');
  }
  await annexSync(g, '--content');
  await arborSync(a, '--content');
  await annexSync(g, '--content');
  assert.equal(await treeOf(a), await treeOf(g));
  for (const dir of [a, g]) await assertSettled(dir);
  assert.equal(readFileSync(join(a, 'notes.txt'), 'utf8'), readFileSync(join(g, 'notes.txt'), 'utf8'));
});

/** The mode of `path` at HEAD. */
async function modeOf(dir: string, path: string): Promise<string> {
  return (await git(dir, 'ls-tree', 'HEAD', '--', path)).split(' ')[0] ?? '';
}
