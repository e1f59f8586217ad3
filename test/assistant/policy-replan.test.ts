// The assistant re-plans content at once when a policy change made on another copy (git-annex's `wanted`) arrives through a shared remote.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';
import { annex, annexSyncBesideAssistant, makeArborRepo, objectPath, uuidOf } from '../helpers/annex-fixtures.js';
import { arbor } from '../helpers/arbor.js';
import { tempDir } from '../helpers/tmp.js';
import { configureFastAssistant, eventually, startAssistant, startupPassMoved, stopAssistant } from '../helpers/assistant.js';

test('git annex wanted for this copy, set on another copy and synced through a backup, makes the running assistant drop what it no longer wants', needsGitAnnex, async () => {
  const parent = tempDir('arbor-policy-');
  const { dir: L } = await makeArborRepo({
    parent,
    name: 'L',
    description: 'laptop',
    files: [
      { path: 'keep/x.bin', content: Buffer.alloc(20_000, 1), unlocked: false },
      { path: 'junk/y.bin', content: Buffer.alloc(20_000, 2), unlocked: false },
    ],
  });
  const backup = await makeRepo({ parent, name: 'backup.git', bare: true });
  await annex(backup, 'init', '-q', 'backup');
  await git(L, 'remote', 'add', 'backup', backup);
  await arbor(L, 'sync', '--content'); // the backup holds both files
  // A new file the start-up pass sends: its log line marks the end of that pass.
  writeFiles(L, { 'keep/n.bin': Buffer.alloc(20_000, 3) });
  await arbor(L, 'add', 'keep/n.bin');
  await git(L, 'commit', '-qm', 'n');
  await arbor(L, 'sync');
  // The desktop: git-annex, a clone of the backup.
  await git(parent, 'clone', '-q', backup, 'desktop');
  const desktop = join(parent, 'desktop');
  await annex(desktop, 'init', '-q', 'desktop');
  await configureFastAssistant(L);
  const junk = await objectPath({ dir: L, key: basename(readlinkSync(join(L, 'junk/y.bin'))), bare: false });
  await startAssistant(L);
  try {
    await startupPassMoved(L);
    assert.ok(existsSync(junk), 'everything is wanted so far');
    await annex(desktop, 'wanted', await uuidOf(L), 'include=keep/*');
    await annexSyncBesideAssistant(desktop, '--no-content', 'origin');
    await eventually('junk/y.bin dropped from the laptop once the policy arrived', () => !existsSync(junk), { logOf: L });
    assert.ok(existsSync(await objectPath({ dir: L, key: basename(readlinkSync(join(L, 'keep/x.bin'))), bare: false })), 'wanted content stays');
    assert.equal((await annex(backup, 'find', '--format=${file}\\n', '--in', 'here', '--branch', 'main')).includes('junk/y.bin'), true, 'the backup still holds junk/y.bin (numcopies kept)');
  } finally {
    await stopAssistant(L);
  }
});

test('deleting the last wanted path of a key makes the running assistant drop it here (the other path using it is unwanted)', needsGitAnnex, async () => {
  const parent = tempDir('arbor-last-path-');
  const same = Buffer.alloc(20_000, 5);
  const { dir: L } = await makeArborRepo({
    parent,
    name: 'L',
    description: 'laptop',
    files: [
      { path: 'keep/a.bin', content: same, unlocked: false },
      { path: 'junk/a-copy.bin', content: same, unlocked: false },
    ],
  });
  const backup = await makeRepo({ parent, name: 'backup.git', bare: true });
  await annex(backup, 'init', '-q', 'backup');
  await git(L, 'remote', 'add', 'backup', backup);
  await annex(L, 'wanted', 'here', 'include=keep/*');
  writeFiles(L, { 'keep/n.bin': Buffer.alloc(20_000, 6) });
  await arbor(L, 'add', 'keep/n.bin');
  await git(L, 'commit', '-qm', 'n');
  await arbor(L, 'sync'); // the backup learns of the files; the start-up pass sends the content
  await configureFastAssistant(L);
  const object = await objectPath({ dir: L, key: basename(readlinkSync(join(L, 'keep/a.bin'))), bare: false });
  await startAssistant(L);
  try {
    await startupPassMoved(L);
    assert.ok(existsSync(object), 'keep/a.bin is wanted: its content stays');
    await git(L, 'rm', '-q', 'keep/a.bin');
    await git(L, 'commit', '-qm', 'keep/a.bin gone; junk/a-copy.bin uses the same content');
    await eventually('the content is dropped here once no wanted path uses it', () => !existsSync(object), { logOf: L });
    assert.match(await annex(backup, 'whereis', '--key', basename(object)), /backup/, 'the backup still holds it');
  } finally {
    await stopAssistant(L);
  }
});
