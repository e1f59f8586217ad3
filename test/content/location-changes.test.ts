// Which keys' location logs changed between two git-annex branch commits, and the ref stamp that notices the branch moved.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { openAnnex } from '../../src/annex/annex.js';
import { initAnnex } from '../../src/annex/init.js';
import { formatKey, requireKey } from '../../src/annex/key.js';
import { locationLogPath } from '../../src/annex/locations.js';
import { logKeyPresence } from '../../src/annex/logs/location.js';
import { NETWORK_LOG } from '../../src/annex/logs/network.js';
import { annexBranchStamp, changedLocationKeys, locationLogKeys } from '../../src/content/location-changes.js';
import { makeRepo } from '../helpers/repo.js';

const k1 = requireKey(`SHA256E-s10--${'1'.repeat(64)}.bin`);
const k2 = requireKey(`SHA256E-s20--${'2'.repeat(64)}.bin`);

test('only location logs name keys: metadata, url logs, uuid.log and arbor/network.log do not', () => {
  const loc = locationLogPath(k1);
  const keys = locationLogKeys([loc, `${loc}.met`, `${loc}.web`, 'uuid.log', NETWORK_LOG, 'trust.log', `x/${loc}`]);
  assert.deepEqual([...keys], [formatKey(k1)]);
});

test('the keys whose location log changed between two branch commits; the stamp follows the branch', async () => {
  const dir = await makeRepo();
  await initAnnex(dir, { description: 'here' });
  const annex = await openAnnex(dir);
  try {
    const gitDir = annex.git.repo.gitDir;
    await logKeyPresence(annex.branch, { key: k1, uuid: annex.uuid, status: '1', now: annex.now() });
    const first = await annex.branch.commit();
    const stamp = await annexBranchStamp(gitDir);
    assert.equal(await annexBranchStamp(gitDir), stamp, 'an unmoved branch keeps its stamp');
    await logKeyPresence(annex.branch, { key: k2, uuid: annex.uuid, status: '1', now: annex.now() });
    await annex.branch.change(NETWORK_LOG, () => 'not a location log\n');
    const second = await annex.branch.commit();
    assert.ok(first && second && first !== second);
    assert.notEqual(await annexBranchStamp(gitDir), stamp, 'a commit to the branch changes the stamp');
    assert.deepEqual([...((await changedLocationKeys(annex, first, second)) ?? [])], [formatKey(k2)]);
    assert.deepEqual([...((await changedLocationKeys(annex, second, second)) ?? [])], []);
    assert.equal(await changedLocationKeys(annex, 'f'.repeat(40), second), undefined, 'a commit that is gone: scan everything');
  } finally {
    await annex.close();
  }
});
