// A local remote that goes away during a long session (a drive unmounted, a directory moved) is reported unavailable, never made afresh at its old path.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openAnnex } from '../../src/annex/annex.js';
import { parseKey } from '../../src/annex/key.js';
import { closeSession, connectRemote, openSession } from '../../src/content/session.js';
import { arbor } from '../helpers/arbor.js';
import { git, makeRepo } from '../helpers/repo.js';

test('sending to a connected local remote whose directory has gone fails as unavailable and does not recreate the directory', async () => {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  await arbor(hub, 'init', 'hub');
  const repo = await makeRepo({ name: 'laptop' });
  await arbor(repo, 'init', 'laptop');
  await git(repo, 'remote', 'add', 'hub', hub);
  writeFileSync(join(repo, 'big.bin'), Buffer.alloc(200_000, 7));
  await arbor(repo, 'add', 'big.bin');
  const key = parseKey(basename(readlinkSync(join(repo, 'big.bin')))); // a locked file links to its object, named by its key
  assert.ok(key);
  const annex = await openAnnex(repo);
  const session = await openSession(annex, () => undefined);
  try {
    const remote = session.remotes.find((r) => r.name === 'hub');
    assert.ok(remote);
    await connectRemote(session, remote);
    renameSync(hub, `${hub}.away`); // the drive is pulled out while the session holds the remote open
    const source = await annex.store.pathOf(key);
    assert.ok(source);
    await assert.rejects(remote.store(key, source), (err: Error) => /hub\.git is gone|not available/.test(err.message));
    assert.equal(existsSync(hub), false, 'nothing was written at the path the remote had');
    renameSync(`${hub}.away`, hub); // plugged in again: the next store opens it afresh and succeeds
    await remote.store(key, source);
    assert.equal(await remote.checkPresent(key), true);
  } finally {
    await closeSession(session);
    await annex.close();
  }
});
