// The assistant re-plans content at once when the local trust setting of a remote changes, as it does for the trust log.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { annex, makeArborRepo, objectPath } from '../helpers/annex-fixtures.js';
import { arbor } from '../helpers/arbor.js';
import { tempDir } from '../helpers/tmp.js';
import { configureFastAssistant, eventually, startAssistant, startupPassMoved, stopAssistant } from '../helpers/assistant.js';

test('remote.<name>.annex-trustlevel changed while the assistant runs: unwanted content it now may drop goes without waiting for a rescan', needsGitAnnex, async () => {
  const parent = tempDir('arbor-trust-');
  const { dir: L } = await makeArborRepo({
    parent,
    name: 'L',
    description: 'L',
    files: [
      { path: 'keep/x.bin', content: Buffer.alloc(20_000, 1), unlocked: false },
      { path: 'junk/y.bin', content: Buffer.alloc(20_000, 2), unlocked: false },
    ],
  });
  for (const name of ['r1', 'r2']) {
    const dir = await makeRepo({ parent, name: `${name}.git`, bare: true });
    await annex(dir, 'init', '-q', name);
    await git(L, 'remote', 'add', name, dir);
  }
  await arbor(L, 'sync', '--content'); // both backups hold both files
  await annex(L, 'wanted', 'here', 'include=keep/*');
  await annex(L, 'numcopies', '2');
  // r2 untrusted: only r1's copy counts, so L must keep junk/y.bin.
  await git(L, 'config', 'remote.r2.annex-trustlevel', 'untrusted');
  // A new file the start-up pass sends to both backups: its log line marks the end of that pass.
  writeFiles(L, { 'keep/n.bin': Buffer.alloc(20_000, 3) });
  await arbor(L, 'add', 'keep/n.bin');
  await git(L, 'commit', '-qm', 'n');
  await arbor(L, 'sync'); // the policy logs committed and everywhere before the assistant starts
  await configureFastAssistant(L);
  const junk = await objectPath({ dir: L, key: basename(readlinkSync(join(L, 'junk/y.bin'))), bare: false });
  const log = join(L, '.git', 'annex', 'arbor', 'daemon.log');
  await startAssistant(L);
  try {
    await startupPassMoved(L);
    assert.ok(existsSync(junk), 'junk/y.bin kept while r2 is untrusted');
    await git(L, 'config', '--unset', 'remote.r2.annex-trustlevel');
    await eventually('junk/y.bin dropped from L once r2 counts', () => !existsSync(junk), { logOf: L });
    assert.match(readFileSync(log, 'utf8'), /trust settings changed/);
    assert.ok(existsSync(await objectPath({ dir: L, key: basename(readlinkSync(join(L, 'keep/x.bin'))), bare: false })), 'wanted content stays');
  } finally {
    await stopAssistant(L);
  }
});
