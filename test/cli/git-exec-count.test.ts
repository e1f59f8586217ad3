// How many git processes one everyday command starts, counted with strace: repository facts are read once per process.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARBOR_ROOT } from '../helpers/env.js';
import { arbor } from '../helpers/arbor.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { run } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';

const hasStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0;
const options = { skip: hasStrace ? false : 'needs strace' };

/** The git command lines (arguments after `git`) a `git arbor args` run in `cwd` started. */
async function gitsStartedBy(cwd: string, args: readonly string[]): Promise<string[]> {
  const trace = join(tempDir('arbor-strace-'), 'trace');
  const r = await run('strace', ['-f', '-qq', '-s', '200', '-e', 'trace=execve', '-o', trace, process.execPath, join(ARBOR_ROOT, 'bin', 'git-arbor.js'), ...args], { cwd });
  assert.equal(r.code, 0, `git arbor ${args.join(' ')}: ${r.stderr}`);
  if (process.env.SHOW_ARBOR) console.log(r.stdout, r.stderr);
  // A successful exec of git: `execve("/usr/bin/git", ["git", "config", ...], ...) = 0`.
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter((l) => /execve\("[^"]*\/git", /.test(l) && / = 0$/.test(l))
    .map((l) => (/\["git", (.*?)\]/.exec(l)?.[1] ?? '').replace(/"/g, ''));
}

/** Asserts at most `bound` gits, showing them all when there are more. */
function atMost(gits: readonly string[], bound: number): void {
  assert.ok(gits.length <= bound, `${gits.length} git processes (at most ${bound} expected):\n${gits.join('\n')}`);
}

/** Repository `a` with one annexed file (1 KB) and a local remote `b`, both initialised; shared by the tests in order. */
const fixture = (async () => {
  const parent = tempDir('arbor-execs-');
  const a = await makeRepo({ parent, name: 'a' });
  await arbor(a, 'init', 'a');
  await git(a, 'config', 'annex.largefiles', 'anything');
  writeFiles(a, { 'file.bin': 'x'.repeat(1024) });
  await arbor(a, 'add', 'file.bin');
  await git(a, 'commit', '-q', '-m', 'add');
  await git(parent, 'clone', '-q', a, 'b');
  const b = join(parent, 'b');
  await arbor(b, 'init', 'b');
  await git(a, 'remote', 'add', 'b', b);
  await git(a, 'config', 'remote.b.annex-uuid', await git(b, 'config', 'annex.uuid')); // as after the first contact
  await git(a, 'fetch', '-q', 'b');
  await arbor(a, 'whereis', 'file.bin'); // merges b's git-annex branch once, as the first command after a fetch does
  return { a, b };
})();

test('whereis of one file starts at most 3 git processes (config, index lookup, one cat-file)', options, async () => {
  const { a } = await fixture;
  atMost(await gitsStartedBy(a, ['whereis', 'file.bin']), 3);
});

test('info of the repository starts at most 3 git processes', options, async () => {
  const { a } = await fixture;
  atMost(await gitsStartedBy(a, ['info']), 3);
});

test('status starts at most 1 git process', options, async () => {
  const { a } = await fixture;
  atMost(await gitsStartedBy(a, ['status']), 1);
});

/**
 * How many commits of a git-annex branch: a small change is committed by one fast-import (which
 * moves the branch itself, and starts unpack-objects for its few objects), a large one through
 * the annex index (commit-tree, then update-ref).
 */
function annexBranchCommits(gits: readonly string[]): number {
  return gits.filter((g) => g.startsWith('fast-import') || g.startsWith('update-ref, --no-deref, refs/heads/git-annex')).length;
}

test('copy --to a local remote of one file starts at most 11 git processes, each git-annex branch committed once by one fast-import', options, async () => {
  const { a } = await fixture;
  const gits = await gitsStartedBy(a, ['copy', '--to', 'b', 'file.bin']);
  atMost(gits, 11);
  assert.equal(annexBranchCommits(gits), 2, gits.join('\n')); // one in a, one in b
  assert.equal(gits.filter((g) => g.startsWith('commit-tree')).length, 0, gits.join('\n'));
});

// One more than copy: per-file annex.numcopies/annex.mincopies are read with check-attr, as git-annex does.
test('drop --from a local remote of one file starts at most 12 git processes', options, async () => {
  const { a } = await fixture;
  atMost(await gitsStartedBy(a, ['drop', '--from', 'b', 'file.bin']), 12);
});

test('get of one file from a local remote starts at most 7 git processes', options, async () => {
  const { a } = await fixture;
  await arbor(a, 'copy', '--to', 'b', 'file.bin');
  await arbor(a, 'drop', 'file.bin');
  atMost(await gitsStartedBy(a, ['get', 'file.bin']), 7);
});

test('add of one file starts at most 7 git processes', options, async () => {
  const { a } = await fixture;
  writeFiles(a, { 'new.bin': 'y'.repeat(1024) });
  atMost(await gitsStartedBy(a, ['add', 'new.bin']), 7);
});

// A sync that commits one new file and pushes it to a local remote: the identity once (for both
// commits), the commit (7), one commit of the git-annex branch for its location log and the
// published links (fast-import and its unpack-objects), the synced branch and the push with
// git's own helpers on both ends.
test('sync of one new file with a local remote starts at most 19 git processes and commits the git-annex branch once', options, async () => {
  const { a } = await fixture;
  await arbor(a, 'sync', 'b'); // takes what b's branches gained in the tests above: nothing is left to merge
  writeFiles(a, { 'new.txt': 'new\n' });
  const gits = await gitsStartedBy(a, ['sync', 'b']);
  atMost(gits, 19);
  assert.equal(annexBranchCommits(gits), 1, gits.join('\n'));
});

test('init of a new repository starts at most 12 git processes: the git-annex branch begins with its first real commit', options, async () => {
  const repo = await makeRepo({ parent: tempDir('arbor-execs-init-'), name: 'fresh' });
  const gits = await gitsStartedBy(repo, ['init', 'fresh']);
  atMost(gits, 12);
  assert.equal(gits.filter((g) => g.startsWith('commit-tree')).length, 1, gits.join('\n'));
});
