// Tests for automatic merge-conflict resolution (src/sync/conflicts.ts): pure planning, and real git merges resolved from both sides.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openAnnex } from '../../src/annex/annex.js';
import { selectExtension } from '../../src/annex/backend.js';
import type { Key } from '../../src/annex/key.js';
import { formatKey, requireKey } from '../../src/annex/key.js';
import { lockedLinkTarget } from '../../src/annex/locations.js';
import { formatPointer } from '../../src/annex/pointer.js';
import type { Conflict, ConflictPlan, ResolvedConflict, Version } from '../../src/sync/conflicts.js';
import {
  groupConflicts,
  hasUnmergedPaths,
  parseIndexRecords,
  planConflict,
  resolveConflicts,
  settleNames,
  unmergedPaths,
} from '../../src/sync/conflicts.js';
import { variantPath } from '../../src/sync/variant.js';
import { run } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';

// ---------------------------------------------------------------------------------------------
// Building repositories: files kept in git, locked and unlocked annexed files (no git-annex needed).

/** The SHA256E key of `content` stored as `path`. */
function keyOf(path: string, content: string): Key {
  const digest = createHash('sha256').update(content).digest('hex');
  return requireKey(`SHA256E-s${Buffer.byteLength(content)}--${digest}${selectExtension(path)}`);
}

function remove(repo: string, path: string): void {
  rmSync(join(repo, path), { force: true, recursive: true });
}

/** A locked annexed file: a symlink into .git/annex/objects (the object itself is not needed). */
function putLocked(repo: string, path: string, content: string): Key {
  const key = keyOf(path, content);
  remove(repo, path);
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  symlinkSync(lockedLinkTarget(path, key), join(repo, path));
  return key;
}

/** An unlocked annexed file whose content is not here: the pointer file. */
function putUnlocked(repo: string, path: string, content: string, opts: { executable?: boolean } = {}): Key {
  const key = keyOf(path, content);
  remove(repo, path);
  writeFiles(repo, { [path]: formatPointer(key) });
  if (opts.executable) chmodSync(join(repo, path), 0o755);
  return key;
}

function putGit(repo: string, path: string, content: string): void {
  remove(repo, path);
  writeFiles(repo, { [path]: content });
}

function putSymlink(repo: string, path: string, target: string): void {
  remove(repo, path);
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  symlinkSync(target, join(repo, path));
}

type Change = (repo: string) => void;

interface Side {
  readonly dir: string;
  readonly results: ResolvedConflict[];
  readonly tree: string;
}

async function commitAll(repo: string, message: string): Promise<void> {
  await git(repo, 'add', '-A');
  await git(repo, 'commit', '-q', '--allow-empty', '-m', message);
}

/**
 * Commits `base`, then `left` and `right` on two branches, and merges each into the other in its
 * own clone; resolveConflicts resolves each merge, which is then committed.
 */
async function scenario(s: {
  base: Change;
  left: Change;
  right: Change;
  strategy?: string;
  /** Runs in each clone before its merge. */
  prepare?: (dir: string, branch: string) => Promise<void>;
}): Promise<{ left: Side; right: Side }> {
  const origin = await makeRepo();
  s.base(origin);
  await commitAll(origin, 'base');
  await git(origin, 'checkout', '-q', '-b', 'left');
  s.left(origin);
  await commitAll(origin, 'left');
  await git(origin, 'checkout', '-q', 'main');
  await git(origin, 'checkout', '-q', '-b', 'right');
  s.right(origin);
  await commitAll(origin, 'right');
  const parent = tempDir('arbor-conflicts-');
  const side = async (ours: string, theirs: string): Promise<Side> => {
    const dir = join(parent, ours);
    await git(parent, 'clone', '-q', '-b', ours, origin, dir);
    await git(dir, 'config', 'annex.uuid', randomUUID());
    await s.prepare?.(dir, ours);
    const strategy = s.strategy ? ['-s', s.strategy] : [];
    const merge = await run('git', ['-c', 'merge.directoryRenames=false', 'merge', '--no-edit', ...strategy, `origin/${theirs}`], { cwd: dir });
    assert.notEqual(merge.code, 0, `merging ${theirs} into ${ours} should conflict`);
    const annex = await openAnnex(dir);
    try {
      assert.equal(await hasUnmergedPaths(annex), true);
      const results = await resolveConflicts(annex);
      assert.equal(await hasUnmergedPaths(annex), false);
      await assertReadyToCommit(dir);
      await git(dir, 'commit', '-q', '--no-edit');
      assert.equal(await git(dir, 'status', '--porcelain', '--untracked-files=all'), '', `clean after commit in ${ours}`);
      assert.equal((await git(dir, 'rev-list', '--parents', '-n1', 'HEAD')).split(' ').length, 3, 'a merge commit');
      return { dir, results, tree: await git(dir, 'rev-parse', 'HEAD^{tree}') };
    } finally {
      await annex.close();
    }
  };
  const left = await side('left', 'right');
  const right = await side('right', 'left');
  assert.equal(left.tree, right.tree, 'both directions give the same tree');
  assert.deepEqual(left.results, right.results, 'both directions report the same resolutions');
  return { left, right };
}

/** Every work-tree file (not .git), relative paths. */
function workTreeFiles(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = dir ? `${dir}/${name}` : name;
    if (rel === '.git') return [];
    return lstatSync(join(root, rel)).isDirectory() ? workTreeFiles(root, rel) : [rel];
  });
}

/** No unmerged entries, no conflict markers, and the work tree matches the index (only staged changes). */
async function assertReadyToCommit(dir: string): Promise<void> {
  assert.equal(await git(dir, 'ls-files', '-u'), '');
  for (const f of workTreeFiles(dir)) {
    if (lstatSync(join(dir, f)).isFile()) assert.ok(!readFileSync(join(dir, f), 'utf8').includes('<<<<<<<'), `conflict markers in ${f}`);
  }
  const status = (await git(dir, 'status', '--porcelain', '--untracked-files=all')).split('\n').filter(Boolean);
  for (const line of status) assert.match(line, /^[MADRT] /, `unexpected status: ${line}`);
}

async function treeOf(dir: string): Promise<Map<string, string>> {
  const out = await git(dir, 'ls-tree', '-r', '-z', 'HEAD');
  return new Map(
    out
      .split('\0')
      .filter(Boolean)
      .map((rec) => [rec.slice(rec.indexOf('\t') + 1), rec.slice(0, rec.indexOf('\t'))]),
  );
}

function blobSha(content: string): string {
  return createHash('sha1').update(`blob ${Buffer.byteLength(content)}\0${content}`).digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Merges resolved from both directions.

test('both sides changed a locked annexed file: both keys kept as variants, original name gone', async () => {
  const path = 'sub dir/my photo.jpg';
  let kl: Key | undefined;
  let kr: Key | undefined;
  const { left } = await scenario({
    base: (r) => void putLocked(r, path, 'base'),
    left: (r) => void (kl = putLocked(r, path, 'left version')),
    right: (r) => void (kr = putLocked(r, path, 'right version')),
  });
  assert.ok(kl && kr);
  const vl = variantPath(path, formatKey(kl));
  const vr = variantPath(path, formatKey(kr));
  assert.deepEqual(left.results, [{ path, kind: 'annexed-both', results: [vl, vr].sort() }]);
  const tree = await treeOf(left.dir);
  assert.equal(tree.has(path), false);
  assert.match(tree.get(vl) ?? '', /^120000 /);
  // The link is relative to the variant's directory, like git-annex's.
  assert.equal(readlinkSync(join(left.dir, vr)), lockedLinkTarget(vr, kr));
  assert.ok(readlinkSync(join(left.dir, vr)).startsWith('../.git/annex/objects/'));
});

test('both sides changed an unlocked annexed file: unlocked variants with pointer files (content absent)', async () => {
  const path = 'notes.bin';
  let kl: Key | undefined;
  let kr: Key | undefined;
  const { right } = await scenario({
    base: (r) => void putUnlocked(r, path, 'base'),
    left: (r) => void (kl = putUnlocked(r, path, 'left', { executable: true })),
    right: (r) => void (kr = putUnlocked(r, path, 'right')),
  });
  assert.ok(kl && kr);
  const tree = await treeOf(right.dir);
  const vl = variantPath(path, formatKey(kl));
  assert.equal(tree.get(vl), `100755 blob ${blobSha(formatPointer(kl))}`);
  assert.equal(tree.get(variantPath(path, formatKey(kr))), `100644 blob ${blobSha(formatPointer(kr))}`);
  assert.equal(readFileSync(join(right.dir, vl), 'utf8'), formatPointer(kl));
  assert.equal(lstatSync(join(right.dir, vl)).mode & 0o777, 0o755);
});

test('an unlocked file whose content is only in the work tree takes it to its variant', async () => {
  // A stand-in for git-annex's clean filter, so git sees the content as the pointer it is for.
  const path = 'u.bin';
  const content = 'content that is only in the work tree';
  const key = keyOf(path, content);
  const { left, right } = await scenario({
    base: (r) => void putUnlocked(r, path, 'base'),
    left: (r) => void putUnlocked(r, path, content),
    right: (r) => remove(r, path),
    prepare: async (dir, branch) => {
      if (branch !== 'left') return;
      const clean = `c=$(cat); if [ "$c" = '${content}' ]; then printf '%s' '${formatPointer(key)}'; else printf '%s' "$c"; fi\n`;
      writeFiles(dir, { '.git/clean.sh': clean, '.git/info/attributes': '*.bin filter=annex\n', [path]: content });
      await git(dir, 'config', 'filter.annex.clean', 'sh .git/clean.sh');
      await git(dir, 'add', path); // stages the same pointer again, with the content's stat data
      assert.equal(await git(dir, 'status', '--porcelain'), '', 'the filter makes the content match the pointer');
    },
  });
  const variant = variantPath(path, formatKey(key));
  assert.equal(readFileSync(join(left.dir, variant), 'utf8'), content);
  assert.equal(readFileSync(join(right.dir, variant), 'utf8'), formatPointer(key));
});

test('the same key locked on one side and unlocked on the other keeps the name, unlocked', async () => {
  const path = 'a/b/same.dat';
  let key: Key | undefined;
  const { left } = await scenario({
    base: (r) => void putLocked(r, path, 'base'),
    left: (r) => void putLocked(r, path, 'new'),
    right: (r) => void (key = putUnlocked(r, path, 'new')),
  });
  assert.ok(key);
  assert.deepEqual(left.results, [{ path, kind: 'annexed-both', results: [path] }]);
  assert.equal((await treeOf(left.dir)).get(path), `100644 blob ${blobSha(formatPointer(key))}`);
});

test('annexed (locked) against a file kept in git: the git file keeps the name, the annexed one is a variant', async () => {
  // symlink vs regular file: git ≥ 2.34 records one side as "<path>~<ref>" ("distinct types").
  const path = 'data.csv';
  let key: Key | undefined;
  const { left } = await scenario({
    base: (r) => void putLocked(r, path, 'base'),
    left: (r) => putGit(r, path, 'small,file\n'),
    right: (r) => void (key = putLocked(r, path, 'big file')),
  });
  assert.ok(key);
  const variant = variantPath(path, formatKey(key));
  assert.deepEqual(left.results, [{ path, kind: 'annexed-vs-git', results: [path, variant].sort() }]);
  const tree = await treeOf(left.dir);
  assert.deepEqual([...tree.keys()].sort(), [path, variant].sort());
  assert.equal(readFileSync(join(left.dir, path), 'utf8'), 'small,file\n');
});

test('annexed (unlocked) against a file kept in git: the git file keeps the name', async () => {
  const path = 'x/data.txt';
  let key: Key | undefined;
  const { right } = await scenario({
    base: (r) => putGit(r, path, 'base\n'),
    left: (r) => void (key = putUnlocked(r, path, 'now annexed')),
    right: (r) => putGit(r, path, 'edited in git\n'),
  });
  assert.ok(key);
  const variant = variantPath(path, formatKey(key));
  assert.deepEqual(right.results, [{ path, kind: 'annexed-vs-git', results: [path, variant].sort() }]);
  assert.equal(readFileSync(join(right.dir, path), 'utf8'), 'edited in git\n');
  assert.equal(readFileSync(join(right.dir, variant), 'utf8'), formatPointer(key));
});

test('annexed file modified on one side, deleted on the other: kept only as a variant', async () => {
  const path = 'gone.txt';
  let key: Key | undefined;
  const { left, right } = await scenario({
    base: (r) => void putLocked(r, path, 'base'),
    left: (r) => remove(r, path),
    right: (r) => void (key = putLocked(r, path, 'changed')),
  });
  assert.ok(key);
  const variant = variantPath(path, formatKey(key));
  assert.deepEqual(left.results, [{ path, kind: 'modify-delete', results: [variant] }]);
  for (const side of [left, right]) {
    assert.deepEqual(workTreeFiles(side.dir), [variant]);
    assert.equal(readlinkSync(join(side.dir, variant)), lockedLinkTarget(variant, key));
  }
});

test('git file modified on one side, deleted on the other: the modified file keeps its name', async () => {
  const path = 'docs/read me.md';
  const { left } = await scenario({
    base: (r) => putGit(r, path, 'one\ntwo\n'),
    left: (r) => putGit(r, path, 'one\ntwo\nthree\n'),
    right: (r) => remove(r, path),
  });
  assert.deepEqual(left.results, [{ path, kind: 'modify-delete', results: [path] }]);
  assert.equal(readFileSync(join(left.dir, path), 'utf8'), 'one\ntwo\nthree\n');
});

test('both sides changed a git file: no markers, the lower blob id keeps the name, the same tree from both sides', async () => {
  const path = 'notes/todo list.md';
  const l = 'base\nleft line\n';
  const r = 'base\nright line\n';
  const { left, right } = await scenario({
    base: (repo) => putGit(repo, path, 'base\n'),
    left: (repo) => putGit(repo, path, l),
    right: (repo) => putGit(repo, path, r),
  });
  const [first, second] = [l, r].sort((a, b) => (blobSha(a) < blobSha(b) ? -1 : 1));
  assert.ok(first !== undefined && second !== undefined);
  const variant = variantPath(path, blobSha(second));
  assert.deepEqual(left.results, [{ path, kind: 'git-both', results: [path, variant].sort() }]);
  for (const side of [left, right]) {
    assert.equal(readFileSync(join(side.dir, path), 'utf8'), first);
    assert.equal(readFileSync(join(side.dir, variant), 'utf8'), second);
  }
});

test('a git file against a directory: the directory stays, the file becomes a variant', async () => {
  const content = 'i was a file\n';
  const { left } = await scenario({
    base: (r) => putGit(r, 'keep', 'k\n'),
    left: (r) => putGit(r, 'thing', content),
    right: (r) => putGit(r, 'thing/inside.txt', 'in a dir\n'),
  });
  const variant = variantPath('thing', blobSha(content));
  assert.deepEqual(left.results, [{ path: 'thing', kind: 'file-directory', results: [variant] }]);
  assert.deepEqual(workTreeFiles(left.dir).sort(), ['keep', 'thing/inside.txt', variant].sort());
});

test('an annexed file modified on one side where the other made a directory: annexed variant', async () => {
  let key: Key | undefined;
  const { right } = await scenario({
    base: (r) => void putLocked(r, 'x.bin', 'base'),
    left: (r) => void (key = putLocked(r, 'x.bin', 'changed')),
    right: (r) => {
      remove(r, 'x.bin');
      putLocked(r, 'x.bin/y', 'inside');
    },
  });
  assert.ok(key);
  const variant = variantPath('x.bin', formatKey(key));
  assert.deepEqual(right.results, [{ path: 'x.bin', kind: 'file-directory', results: [variant] }]);
  assert.deepEqual(workTreeFiles(right.dir).sort(), ['x.bin/y', variant].sort());
});

test('a plain symlink against a regular file: both kept, one as a variant', async () => {
  const { left } = await scenario({
    base: (r) => putGit(r, 'link', 'base\n'),
    left: (r) => putSymlink(r, 'link', 'elsewhere'),
    right: (r) => putGit(r, 'link', 'file now\n'),
  });
  const shas = [blobSha('elsewhere'), blobSha('file now\n')].sort();
  const second = shas[1] ?? '';
  assert.deepEqual(left.results, [{ path: 'link', kind: 'type-change', results: ['link', variantPath('link', second)].sort() }]);
  const tree = await treeOf(left.dir);
  assert.equal(tree.size, 2);
});

test('a modified file deleted by a case-only rename keeps both, without names equal but for case', async () => {
  const { left } = await scenario({
    base: (r) => putGit(r, 'Notes.md', 'original notes\n'),
    left: (r) => putGit(r, 'Notes.md', 'original notes\nmore\n'),
    right: (r) => {
      remove(r, 'Notes.md');
      putGit(r, 'notes.md', 'completely different text, so git sees no rename\n');
    },
  });
  const variant = variantPath('Notes.md', blobSha('original notes\nmore\n'));
  assert.deepEqual(left.results, [{ path: 'Notes.md', kind: 'modify-delete', results: [variant] }]);
  assert.deepEqual(workTreeFiles(left.dir).sort(), ['notes.md', variant].sort());
});

test("with git's older recursive strategy too (it leaves <name>~<ref> copies in the work tree)", async () => {
  let key: Key | undefined;
  const { left, right } = await scenario({
    strategy: 'recursive',
    base: (r) => {
      putGit(r, 'keep', 'k\n');
      putLocked(r, 'd/pic.jpg', 'base');
    },
    left: (r) => {
      putGit(r, 'thing', 'file\n');
      key = putLocked(r, 'd/pic.jpg', 'left');
    },
    right: (r) => {
      putGit(r, 'thing/inside', 'dir\n');
      putGit(r, 'd/pic.jpg', 'in git now\n');
    },
  });
  assert.ok(key);
  const expected = ['d/pic.jpg', variantPath('d/pic.jpg', formatKey(key)), 'keep', 'thing/inside', variantPath('thing', blobSha('file\n'))].sort();
  for (const side of [left, right]) assert.deepEqual(workTreeFiles(side.dir).sort(), expected);
});

test('several conflicts in one merge are all resolved', async () => {
  const { left } = await scenario({
    base: (r) => {
      putLocked(r, 'a.jpg', 'a');
      putGit(r, 'b.txt', 'b\n');
      putGit(r, 'c.txt', 'c\n');
    },
    left: (r) => {
      putLocked(r, 'a.jpg', 'a left');
      putGit(r, 'b.txt', 'b left\n');
      remove(r, 'c.txt');
    },
    right: (r) => {
      putLocked(r, 'a.jpg', 'a right');
      putGit(r, 'b.txt', 'b right\n');
      putGit(r, 'c.txt', 'c right\n');
    },
  });
  assert.deepEqual(
    left.results.map((c) => [c.path, c.kind, c.results.length]),
    [
      ['a.jpg', 'annexed-both', 2],
      ['b.txt', 'git-both', 2],
      ['c.txt', 'modify-delete', 1],
    ],
  );
});

test('resolveConflicts without a conflicted merge does nothing', async () => {
  const dir = await makeRepo();
  writeFiles(dir, { f: 'x\n' });
  await commitAll(dir, 'one');
  await git(dir, 'config', 'annex.uuid', randomUUID());
  const annex = await openAnnex(dir);
  try {
    assert.equal(await hasUnmergedPaths(annex), false);
    assert.deepEqual(await resolveConflicts(annex), []);
  } finally {
    await annex.close();
  }
});

// ---------------------------------------------------------------------------------------------
// Pure parts.

const locked = (content: string, path = 'p.jpg'): Version => ({ kind: 'annexed', key: keyOf(path, content), locked: true, mode: '120000' });
const conflict = (path: string, extra: Partial<Conflict> = {}): Conflict => ({ path, directory: false, indexPaths: [path], ...extra });

test('parseIndexRecords and unmergedPaths read ls-files -s -z output', () => {
  const sha = (c: string): string => c.repeat(40);
  const out = [`100644 ${sha('a')} 0\tok.txt`, `120000 ${sha('b')} 1\tsp ace`, `120000 ${sha('c')} 2\tsp ace`, `100644 ${sha('d')} 3\tsp ace~origin_main`, ''].join('\0');
  const records = parseIndexRecords(out);
  assert.equal(records.length, 4);
  assert.deepEqual(records[0], { mode: '100644', sha: sha('a'), stage: 0, path: 'ok.txt' });
  assert.deepEqual(unmergedPaths(records), [
    { path: 'sp ace', base: { mode: '120000', sha: sha('b') }, ours: { mode: '120000', sha: sha('c') } },
    { path: 'sp ace~origin_main', theirs: { mode: '100644', sha: sha('d') } },
  ]);
});

test("groupConflicts maps git's temporary <path>~<ref> names back", () => {
  const e = (c: string): { mode: string; sha: string } => ({ mode: '100644', sha: c.repeat(40) });
  // distinct types: the regular file moved aside, joined with the other side at the real path
  assert.deepEqual(groupConflicts([{ path: 'f', base: e('1'), ours: e('2') }, { path: 'f~refs_remotes_origin_main', theirs: e('3') }], () => false), [
    { path: 'f', ours: e('2'), theirs: e('3'), directory: false, indexPaths: ['f', 'f~refs_remotes_origin_main'] },
  ]);
  // ... and when the base had the moved side's type, the base stage moves with it
  assert.deepEqual(groupConflicts([{ path: 'l', theirs: e('3') }, { path: 'l~HEAD', base: e('1'), ours: e('2') }], () => false), [
    { path: 'l', ours: e('2'), theirs: e('3'), directory: false, indexPaths: ['l', 'l~HEAD'] },
  ]);
  // file/directory: the file moved aside because a directory took its place
  assert.deepEqual(groupConflicts([{ path: 'd/x~HEAD', base: e('1'), ours: e('2') }], (p) => p === 'd/x'), [
    { path: 'd/x', ours: e('2'), directory: true, indexPaths: ['d/x~HEAD'] },
  ]);
  // a real file name with '~' and nothing to join stays as it is
  assert.deepEqual(groupConflicts([{ path: 'a~b', base: e('1'), ours: e('2') }], () => false), [
    { path: 'a~b', ours: e('2'), directory: false, indexPaths: ['a~b'] },
  ]);
});

test('planConflict follows the git-annex rules for annexed files', () => {
  const a = locked('a');
  const b = locked('b');
  const g: Version = { kind: 'git', mode: '100644', sha: 'f'.repeat(40) };
  assert.deepEqual(
    planConflict(conflict('p.jpg'), a, b).files.map((f) => f.keepsName),
    [false, false],
  );
  assert.equal(planConflict(conflict('p.jpg'), a, b).kind, 'annexed-both');
  const vsGit = planConflict(conflict('p.jpg'), a, g);
  assert.equal(vsGit.kind, 'annexed-vs-git');
  assert.deepEqual(vsGit.files, [
    { version: g, keepsName: true },
    { version: a, keepsName: false },
  ]);
  assert.deepEqual(planConflict(conflict('p.jpg'), undefined, a).files, [{ version: a, keepsName: false }]);
  assert.deepEqual(planConflict(conflict('p.jpg'), g, undefined).files, [{ version: g, keepsName: true }]);
  assert.deepEqual(planConflict(conflict('p.jpg'), undefined, undefined).files, []);
  const unlockedExec: Version = { kind: 'annexed', key: keyOf('p.jpg', 'a'), locked: false, mode: '100755' };
  assert.deepEqual(planConflict(conflict('p.jpg'), a, unlockedExec).files, [{ version: unlockedExec, keepsName: true }]);
});

test('planConflict for git files is the same from both sides', () => {
  const x: Version = { kind: 'git', mode: '100644', sha: '1'.repeat(40) };
  const y: Version = { kind: 'git', mode: '100644', sha: '2'.repeat(40) };
  const one = planConflict(conflict('n.md'), x, y);
  const other = planConflict(conflict('n.md'), y, x);
  assert.deepEqual(one, other);
  assert.deepEqual(one.files, [
    { version: x, keepsName: true },
    { version: y, keepsName: false },
  ]);
  const exec = planConflict(conflict('s.sh'), x, { ...x, mode: '100755' });
  assert.deepEqual(exec.files, [{ version: { ...x, mode: '100755' }, keepsName: true }]);
});

test('settleNames turns case clashes into variants and avoids taken variant names', () => {
  const g: Version = { kind: 'git', mode: '100644', sha: '3'.repeat(40) };
  const plan: ConflictPlan = { conflict: conflict('Read.me'), kind: 'modify-delete', files: [{ version: g, keepsName: true }] };
  const id = (): string => `100644 ${g.sha}`;
  assert.deepEqual(settleNames([plan], { existing: new Map(), identity: id })[0]?.placements, [{ path: 'Read.me', version: g }]);
  assert.deepEqual(settleNames([plan], { existing: new Map([['read.me', 'x']]), identity: id })[0]?.placements, [
    { path: variantPath('Read.me', g.sha), version: g },
  ]);
  // also against a directory that differs only in case
  assert.equal(settleNames([plan], { existing: new Map([['READ.ME/f', 'x']]), identity: id })[0]?.placements[0]?.path, variantPath('Read.me', g.sha));
  const a = locked('a');
  const taken: ConflictPlan = { conflict: conflict('p.jpg'), kind: 'modify-delete', files: [{ version: a, keepsName: false }] };
  const short = variantPath('p.jpg', formatKey((a as { key: Key }).key));
  assert.equal(settleNames([taken], { existing: new Map([[short, 'same']]), identity: () => 'same' })[0]?.placements[0]?.path, short);
  assert.equal(
    settleNames([taken], { existing: new Map([[short, 'other']]), identity: () => 'same' })[0]?.placements[0]?.path,
    `p.variant-${formatKey((a as { key: Key }).key)}.jpg`,
  );
});
