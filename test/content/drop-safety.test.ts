// drop counts each repository once, never untrusted copies, and honours mincopies: the copies a user relies on stay.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { runArbor } from '../helpers/run.js';
import { git, makeRepo } from '../helpers/repo.js';
import { annex, arbor, makeArborRepo } from '../helpers/annex-fixtures.js';
import { tempDir } from '../helpers/tmp.js';

const CONTENT = Buffer.alloc(150_000, 5);

/** A laptop whose big.bin is also on one backup repository (a local bare remote, initialised by git-annex). */
async function laptopAndBackup(): Promise<{ laptop: string; backup: string }> {
  const parent = tempDir('arbor-drop-safety-');
  const { dir: laptop } = await makeArborRepo({ parent, name: 'laptop', description: 'laptop', files: [{ path: 'big.bin', content: CONTENT, unlocked: false }] });
  const backup = await makeRepo({ parent, name: 'backup.git', bare: true });
  await annex(backup, 'init', '-q', 'backup');
  await git(laptop, 'remote', 'add', 'backup', backup);
  await arbor(laptop, 'sync');
  await arbor(laptop, 'copy', '--to', 'backup', 'big.bin');
  return { laptop, backup };
}

async function refusedDrop(dir: string, ...args: string[]): Promise<void> {
  const r = await runArbor(['drop', ...args, 'big.bin'], { cwd: dir });
  assert.notEqual(r.code, 0, `drop ${args.join(' ')} should have been refused`);
  assert.match(r.stderr, /not dropping .*numcopies/);
}

test('two remotes that reach the same repository count as one copy', needsGitAnnex, async () => {
  const { laptop, backup } = await laptopAndBackup();
  await git(laptop, 'remote', 'add', 'backup-again', `file://${backup}`);
  await arbor(laptop, 'numcopies', '2');
  await refusedDrop(laptop);
  assert.deepEqual(readFileSync(join(laptop, 'big.bin')), CONTENT, 'content still here');
  // Nor is the backup's copy dropped on the strength of itself under another name.
  await arbor(laptop, 'numcopies', '1');
  await git(laptop, 'annex', 'drop', '--force', '-q', 'big.bin'); // the backup is now the only copy
  await refusedDrop(laptop, '--from', 'backup');
});

test('an untrusted copy does not count, here or on a remote', needsGitAnnex, async () => {
  const { laptop } = await laptopAndBackup();
  await annex(laptop, 'untrust', 'backup');
  await refusedDrop(laptop);
  await annex(laptop, 'semitrust', 'backup');
  await annex(laptop, 'untrust', 'here');
  await refusedDrop(laptop, '--from', 'backup');
  // With both trusted again, a drop goes through.
  await annex(laptop, 'semitrust', 'here');
  await arbor(laptop, 'drop', 'big.bin');
});

test('mincopies above numcopies is honoured, and a numcopies of 0 still keeps the last copy', needsGitAnnex, async () => {
  const { laptop } = await laptopAndBackup();
  await annex(laptop, 'mincopies', '2');
  await refusedDrop(laptop);
  await annex(laptop, 'mincopies', '1');
  // numcopies.log holding 0 (older git-annex wrote it): the last copy still stays.
  await git(laptop, 'annex', 'drop', '--force', '-q', '--from', 'backup', 'big.bin');
  // Neither tool will set 0 today, so the log line goes straight into the journal.
  mkdirSync(join(laptop, '.git', 'annex', 'journal'), { recursive: true });
  writeFileSync(join(laptop, '.git', 'annex', 'journal', 'numcopies.log'), `${Math.floor(Date.now() / 1000) + 60}s 0\n`);
  assert.match(await arbor(laptop, 'numcopies'), /\b0\b/, 'the log says 0');
  await refusedDrop(laptop);
});
