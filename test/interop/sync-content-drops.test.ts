// sync --content drops what a repository no longer wants, within numcopies, and makes the same choices as `git annex sync --content`.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { annex, annexRun, arbor } from '../helpers/annex-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

type Tool = 'arbor' | 'git-annex';

const FILES = {
  'keep.bin': Buffer.alloc(150_000, 1),
  'archive/old.bin': Buffer.alloc(150_000, 2),
  'scratch/tmp.bin': Buffer.alloc(150_000, 3),
  'archive/lonely.bin': Buffer.alloc(150_000, 4),
};

/** Which files' content the laptop holds, by git-annex's account (`find --in=here`). */
async function present(laptop: string): Promise<string[]> {
  const out = await annex(laptop, 'find', '--in=here', '--format=${file}\\n');
  return out.split('\n').filter(Boolean).sort();
}

/** Which files' content the backup really holds: git-annex asks the remote itself (checkpresentkey), not a log. */
async function onBackup(laptop: string): Promise<string[]> {
  const held: string[] = [];
  for (const file of Object.keys(FILES)) {
    const key = (await annex(laptop, 'lookupkey', file)).trim();
    if ((await annexRun(laptop, 'checkpresentkey', key, 'backup')).code === 0) held.push(file);
  }
  return held.sort();
}

/**
 * A laptop that does not want archive/ (wanted exclude=archive/*), a local backup
 * remote that wants everything but scratch/, and numcopies 1. The backup already holds
 * scratch/tmp.bin from before its wanted changed; archive/lonely.bin is excluded from the backup
 * too, so it has nowhere else to go. Then `tool` runs sync --content in the laptop.
 */
async function scenario(tool: Tool, laptopGroup?: string): Promise<{ laptop: string; backup: string; stderr: string }> {
  const parent = tempDir('arbor-drops-');
  const laptop = await makeRepo({ parent, name: 'laptop' });
  const backup = await makeRepo({ parent, name: 'backup', bare: true });
  if (tool === 'arbor') await arbor(laptop, 'init', 'laptop');
  else await annex(laptop, 'init', '-q', 'laptop');
  await git(laptop, 'config', 'annex.largefiles', 'anything');
  writeFiles(laptop, FILES);
  if (tool === 'arbor') await arbor(laptop, 'add', '.');
  else await annex(laptop, 'add', '-q', '.');
  await git(laptop, 'commit', '-q', '-m', 'files');
  await git(laptop, 'remote', 'add', 'backup', backup);
  await annex(backup, 'init', '-q', 'backup');
  await annex(laptop, 'sync', '-q', '--no-content');
  // Before the policy: the backup already has scratch/tmp.bin.
  await annex(laptop, 'copy', '-q', '--to', 'backup', 'scratch/tmp.bin');
  await annex(laptop, 'numcopies', '1');
  if (laptopGroup) {
    await annex(laptop, 'group', 'here', laptopGroup);
    await annex(laptop, 'wanted', 'here', 'standard');
  } else {
    await annex(laptop, 'wanted', 'here', 'exclude=archive/*');
  }
  await annex(laptop, 'wanted', 'backup', 'exclude=scratch/* and exclude=archive/lonely.bin');
  const r = tool === 'arbor' ? await runArbor(['sync', '--content'], { cwd: laptop }) : { code: 0, stderr: await annex(laptop, 'sync', '-q', '--content') };
  assert.equal(r.code, 0, r.stderr);
  return { laptop, backup, stderr: r.stderr };
}

test('sync --content drops unwanted content here and on remotes within numcopies, as git-annex does', needsGitAnnex, async () => {
  const withArbor = await scenario('arbor');
  const withAnnex = await scenario('git-annex');
  // What a user relies on: the client keeps what it wants; archive/old.bin went to the backup and
  // then left the laptop; scratch/tmp.bin left the backup (the laptop still has it); the lonely
  // archive file stays on the laptop, its only copy, though the laptop does not want it.
  assert.deepEqual(await present(withArbor.laptop), ['archive/lonely.bin', 'keep.bin', 'scratch/tmp.bin']);
  assert.deepEqual(await onBackup(withArbor.laptop), ['archive/old.bin', 'keep.bin']);
  // The same decisions as real git-annex, file for file.
  assert.deepEqual(await present(withArbor.laptop), await present(withAnnex.laptop));
  assert.deepEqual(await onBackup(withArbor.laptop), await onBackup(withAnnex.laptop));
  assert.doesNotMatch(withArbor.stderr, /lonely/, 'too few copies is the rule working, not an error');
  // Both repositories' own logs tell the truth, by git-annex's fsck.
  for (const dir of [withArbor.laptop, withArbor.backup]) assert.equal((await annex(dir, 'fsck', '--quiet')).trim(), '');
  const summary = await runArbor(['sync', '--content'], { cwd: withArbor.laptop });
  assert.match(summary.stdout, /content: 0 got, 0 sent, 0 dropped, 0 failed/, 'a second pass has nothing left to do');
});

test('sync --content with a standard group (client) keeps and drops what git-annex keeps and drops', needsGitAnnex, async () => {
  // A client wants archive/ files until a repository in the archive group has them: none does here.
  const withArbor = await scenario('arbor', 'client');
  const withAnnex = await scenario('git-annex', 'client');
  assert.deepEqual(await present(withArbor.laptop), Object.keys(FILES).sort());
  assert.deepEqual(await present(withArbor.laptop), await present(withAnnex.laptop));
  assert.deepEqual(await onBackup(withArbor.laptop), await onBackup(withAnnex.laptop));
});
