// Content sessions: remotes connected once, however many transfers ask at the same moment.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openAnnex } from '../../src/annex/annex.js';
import { closeSession, connectRemote, openSession } from '../../src/content/session.js';
import { arbor } from '../helpers/arbor.js';
import { git, makeRepo } from '../helpers/repo.js';

test('transfers connecting to a new remote at once all reach it, and its uuid is recorded once', async () => {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  await arbor(hub, 'init', 'hub');
  const repo = await makeRepo({ name: 'laptop' });
  await arbor(repo, 'init', 'laptop');
  await git(repo, 'remote', 'add', 'hub', hub);
  const annex = await openAnnex(repo);
  const warnings: string[] = [];
  const session = await openSession(annex, (e) => void warnings.push(e.message));
  try {
    const remote = session.remotes.find((r) => r.name === 'hub');
    assert.ok(remote);
    const uuids = await Promise.all(Array.from({ length: 8 }, () => connectRemote(session, remote)));
    const expected = await git(hub, 'config', 'annex.uuid');
    assert.deepEqual(uuids, Array.from({ length: 8 }, () => expected));
    assert.deepEqual([...session.unavailable], [], 'no connection was taken for a failure');
    assert.deepEqual(warnings, []);
    assert.equal(await git(repo, 'config', 'remote.hub.annex-uuid'), expected);
  } finally {
    await closeSession(session);
    await annex.close();
  }
});
