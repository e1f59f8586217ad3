// The assistant repairs the location log at every contact with a remote: at start, and when a remote that was away comes back; git-annex sees the repair.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { annex, arbor, arborWhereis, gitAnnexWhereis, makeArborRepo, objectPath, simpleFiles, uuidOf } from '../helpers/annex-fixtures.js';
import { configureFastAssistant, eventually, logMessages, startAssistant, stopAssistant } from '../helpers/assistant.js';
import { git, makeRepo } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';

const options = { skip: needsGitAnnex.skip };

/** Whether `whereis` (arbor's, or git-annex's once no assistant runs), in `dir`, lists `uuid` for `path`. */
async function listed(dir: string, path: string, uuid: string, by: 'arbor' | 'git-annex' = 'arbor'): Promise<boolean> {
  const where = by === 'arbor' ? await arborWhereis(dir, path) : await gitAnnexWhereis(dir, path);
  return (where.get(path) ?? []).includes(uuid);
}

test('the assistant checks each remote\'s inventory when it starts and when the remote comes back, and repairs the location log', options, async () => {
  const parent = tempDir('arbor-inventory-daemon-');
  const hub = await makeRepo({ bare: true, parent, name: 'hub.git' });
  await annex(hub, 'init', '-q', 'hub');
  const hubUuid = await uuidOf(hub);
  const { dir: laptop } = await makeArborRepo({ parent, name: 'laptop', description: 'laptop', files: simpleFiles(['a.txt', 'b.txt', 'c.txt', 'd.txt']) });
  await git(laptop, 'remote', 'add', 'hub', hub);
  await arbor(laptop, 'copy', '--to', 'hub', '.');
  await arbor(laptop, 'sync');
  // Asked of git-annex while no assistant runs: a git-annex command reading while the assistant
  // commits its journal can fail once (arbor does not take journal.lck; annex-compat.md).
  const keys = new Map<string, string>();
  for (const f of ['a.txt', 'b.txt']) keys.set(f, (await annex(laptop, 'find', '--format=${key}', f)).trim());
  const objectDir = async (store: string, path: string): Promise<string> => dirname(await objectPath({ dir: store, key: keys.get(path) ?? '', bare: true }));
  const bDir = await objectDir(hub, 'b.txt');
  // Only the log is under test: no content is sent back to the hub after the repair.
  await configureFastAssistant(laptop);
  await git(laptop, 'config', 'arbor.assistant.content', 'false');

  // Deleted on the hub by hand while nothing was running.
  rmSync(await objectDir(hub, 'a.txt'), { recursive: true, force: true });
  assert.ok(await listed(laptop, 'a.txt', hubUuid, 'git-annex'), 'before: the log says the hub has a.txt');
  await startAssistant(laptop);
  try {
    await eventually('the start-up check repairs a.txt', () => logMessages(laptop).some((m) => /inventory of hub: 3 keys there, 1 wrong entry fixed \(listed here\)/.test(m)), { logOf: laptop });
    assert.equal(await listed(laptop, 'a.txt', hubUuid), false, 'the hub is no longer listed for a.txt');
    assert.ok(await listed(laptop, 'b.txt', hubUuid), 'right entries stay');

    // The hub goes away; while away, another copy is lost; it comes back.
    const away = join(parent, 'unplugged.git');
    renameSync(hub, away);
    await eventually('the hub is seen to be away', () => logMessages(laptop).some((m) => /hub/.test(m) && /will retry/.test(m)), { logOf: laptop });
    rmSync(join(away, relative(hub, bDir)), { recursive: true, force: true });
    renameSync(away, hub);
    await eventually('the check at its return repairs b.txt', () => logMessages(laptop).some((m) => /inventory of hub: 2 keys there, 1 wrong entry fixed/.test(m)), { logOf: laptop, timeoutMs: 120_000 });
    assert.equal(await listed(laptop, 'b.txt', hubUuid), false);
    assert.ok(await listed(laptop, 'c.txt', hubUuid));
    // Remembered, so a restart within a day is no new contact.
    const checks = JSON.parse(readFileSync(join(laptop, '.git/annex/arbor/inventory-checks.json'), 'utf8')) as Record<string, number>;
    assert.equal(typeof checks.hub, 'number');
  } finally {
    await stopAssistant(laptop);
  }
  // git-annex reads the repaired log the same way.
  assert.equal(await listed(laptop, 'a.txt', hubUuid, 'git-annex'), false);
  assert.equal(await listed(laptop, 'b.txt', hubUuid, 'git-annex'), false);
  assert.ok(await listed(laptop, 'c.txt', hubUuid, 'git-annex'));
});
