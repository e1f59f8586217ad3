// `git arbor sync` and `git annex sync` between two non-bare repositories that are each other's remotes, with no hub.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { annex, annexRun, arbor, arborWhereis, asObject, cloneWithGitAnnex, gitAnnexWhereis, sha256, sha256OfFile, uuidOf } from '../helpers/annex-fixtures.js';

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

/** One remote's line of `git arbor sync --json`. */
interface RemoteSummary {
  readonly remote: string;
  readonly pushed?: boolean;
  readonly branchUpdated?: boolean;
}

/** `git arbor sync --json args`, asserting it exits 0; returns the parsed summary. */
async function arborSync(dir: string, ...args: string[]): Promise<{ remotes: RemoteSummary[]; content?: { got: number; sent: number; failed: number } }> {
  const r = await runArbor(['sync', '--json', ...args], { cwd: dir });
  assert.equal(r.code, 0, `git arbor sync ${args.join(' ')} in ${dir} failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout) as { remotes: RemoteSummary[]; content?: { got: number; sent: number; failed: number } };
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

/**
 * A (arbor, non-bare, main checked out, with a seed commit) and G (a git-annex clone of A, main
 * checked out); A's remote "g" is G and G's remote "origin" is A.
 */
async function peers(): Promise<{ a: string; g: string }> {
  const a = await makeRepo({ name: 'A' });
  const parent = join(a, '..');
  await arbor(a, 'init', 'A');
  writeFiles(a, { 'seed.txt': 'seed\n' });
  await arborSync(a);
  const g = (await cloneWithGitAnnex({ origin: a, description: 'G', parent, name: 'G' })).dir;
  await git(a, 'remote', 'add', 'g', g);
  return { a, g };
}

test('git annex sync pushes into arbor\'s synced/main and arbor merges it; arbor pushes into git-annex\'s and git-annex merges it', needsGitAnnex, async () => {
  const { a, g } = await peers();

  // G → A: git-annex cannot update A's checked-out main, so it leaves its commit in A's synced/main.
  const aHead = await git(a, 'rev-parse', 'HEAD');
  writeFiles(g, { 'from-g.txt': 'small, from G\n', 'from-g.bin': randomBytes(150_000) });
  await annex(g, 'add', '-q', '.');
  await annexSync(g);
  assert.equal(await git(a, 'rev-parse', 'HEAD'), aHead, 'A\'s checked-out main is untouched');
  assert.equal(await git(a, 'rev-parse', 'refs/heads/synced/main'), await git(g, 'rev-parse', 'HEAD'), 'G pushed into A\'s synced/main');
  // --no-pull: A takes G's change from what G pushed in, not by fetching G.
  await arborSync(a, '--no-pull');
  assert.equal(await treeOf(a), await treeOf(g));
  assert.equal(readFileSync(join(a, 'from-g.txt'), 'utf8'), 'small, from G\n');
  await assertClean(a);

  // A → G: the same the other way round.
  const gHead = await git(g, 'rev-parse', 'HEAD');
  put(a, { 'seed.txt': 'seed, edited in A\n', 'from-a.bin': randomBytes(160_000) });
  rmSync(join(a, 'from-g.txt'));
  const pushed = await arborSync(a);
  assert.deepEqual(
    pushed.remotes.map((r) => [r.remote, r.pushed, r.branchUpdated]),
    [['g', true, false]],
    'pushed synced/main; G refused the push to its checked-out main, which is normal',
  );
  assert.equal(await git(g, 'rev-parse', 'HEAD'), gHead, 'G\'s checked-out main is untouched');
  assert.equal(await git(g, 'rev-parse', 'refs/heads/synced/main'), await git(a, 'rev-parse', 'HEAD'), 'arbor pushed into G\'s synced/main');
  await annexSync(g, '--no-pull');
  assert.equal(await treeOf(g), await treeOf(a));
  assert.equal(readFileSync(join(g, 'seed.txt'), 'utf8'), 'seed, edited in A\n');
  assert.equal(existsSync(join(g, 'from-g.txt')), false, 'A\'s deletion reached G');
  await assertClean(g);

  // Both then sync fully once more: nothing changes, both trees stay equal and fsck agrees.
  await arborSync(a);
  await annexSync(g);
  assert.equal(await treeOf(g), await treeOf(a));
  await assertFsck(a, { fast: true });
  await assertFsck(g, { fast: true });
  const expected = { 'from-a.bin': [await uuidOf(a)], 'from-g.bin': [await uuidOf(g)] };
  assert.deepEqual(asObject(await gitAnnexWhereis(g)), expected, 'git-annex in G knows where each file is');
  assert.deepEqual(asObject(await arborWhereis(a)), expected, 'arbor in A agrees');
});

test('--content in both directions: git-annex gets from and sends to arbor\'s repository, arbor gets from and sends to git-annex\'s', needsGitAnnex, async () => {
  const { a, g } = await peers();
  const [aUuid, gUuid] = [await uuidOf(a), await uuidOf(g)];
  const both = [aUuid, gUuid].sort();

  // git-annex pulls content out of arbor's object store.
  const aBig = randomBytes(300_000);
  writeFiles(a, { 'a.bin': aBig });
  await arborSync(a);
  await annexSync(g, '--content');
  assert.equal(sha256OfFile(join(g, 'a.bin')), sha256(aBig), 'G got A\'s content');

  // arbor pulls content out of git-annex's object store.
  const gBig = randomBytes(250_000);
  writeFiles(g, { 'g.bin': gBig });
  await annex(g, 'add', '-q', 'g.bin');
  await annexSync(g);
  const got = await arborSync(a, '--content');
  assert.equal(got.content?.got, 1);
  assert.equal(sha256OfFile(join(a, 'g.bin')), sha256(gBig), 'A got G\'s content');

  // arbor sends content into git-annex's repository: G has the bytes before it syncs again.
  const aSent = randomBytes(200_000);
  writeFiles(a, { 'a-sent.bin': aSent });
  const sent = await arborSync(a, '--content');
  assert.equal(sent.content?.sent, 1);
  const aSentKey = (await git(a, 'cat-file', 'blob', 'HEAD:a-sent.bin')).split('/').pop() ?? '';
  assert.equal(sha256OfFile(join(g, '.git', 'annex', 'objects', (await annex(g, 'examinekey', '--format=${hashdirmixed}${key}/${key}', aSentKey)).trim())), sha256(aSent));

  // git-annex sends content into arbor's repository.
  const gSent = randomBytes(180_000);
  writeFiles(g, { 'g-sent.bin': gSent });
  await annex(g, 'add', '-q', 'g-sent.bin');
  await annexSync(g, '--content');
  await arborSync(a);
  assert.equal(sha256OfFile(join(a, 'g-sent.bin')), sha256(gSent), 'G sent its content to A');
  await annexSync(g);

  assert.equal(await treeOf(g), await treeOf(a));
  await assertClean(a);
  await assertClean(g);
  await assertFsck(a);
  await assertFsck(g);
  const expected = { 'a-sent.bin': both, 'a.bin': both, 'g-sent.bin': both, 'g.bin': both };
  assert.deepEqual(asObject(await gitAnnexWhereis(g)), expected, 'git-annex in G: every file in both');
  assert.deepEqual(asObject(await gitAnnexWhereis(a)), expected, 'git-annex in A');
  assert.deepEqual(asObject(await arborWhereis(a)), expected, 'arbor in A');
});
