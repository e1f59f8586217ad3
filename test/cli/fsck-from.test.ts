// fsck --from a local-path remote re-hashes the copy where it is (no download): a bad copy is
// moved to that repository's annex/bad/ and unlogged, as git-annex then reads the logs.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { annex, arbor, cloneWithArbor, gitAnnexWhereis, makeArborRepo, objectPath } from '../helpers/annex-fixtures.js';
import { git } from '../helpers/repo.js';
import { runArbor } from '../helpers/run.js';

test('fsck --from a local remote: a changed copy there is reported, moved to its annex/bad/ and unlogged; the good one stays', needsGitAnnex, async () => {
  const origin = await makeArborRepo({
    description: 'origin',
    files: [
      { path: 'bad.txt', content: Buffer.from('will be changed on the clone\n'), unlocked: false },
      { path: 'good.txt', content: Buffer.from('stays good\n'), unlocked: false },
    ],
  });
  const clone = await cloneWithArbor({ origin: origin.dir, description: 'clone' });
  await arbor(clone.dir, 'get', 'bad.txt', 'good.txt');
  await git(origin.dir, 'remote', 'add', 'clone', clone.dir);
  await arbor(origin.dir, 'sync');
  const key = (await annex(origin.dir, 'find', '--format=${key}', 'bad.txt')).trim();
  const object = await objectPath({ dir: clone.dir, key });
  chmodSync(dirname(object), 0o755);
  chmodSync(object, 0o644);
  writeFileSync(object, 'will be CHANGED on the clone\n');

  const r = await runArbor(['fsck', '--from', 'clone'], { cwd: origin.dir });
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr, 'git-arbor: bad.txt: Bad file content on clone; moved to its annex/bad/\n');
  assert.match(r.stdout, /fsck: 2 checked, 1 failed/);
  assert.doesNotMatch(r.stdout, /only checked for presence/);
  assert.equal(existsSync(object), false);
  assert.ok(readdirSync(join(clone.dir, '.git', 'annex', 'bad')).includes(key));
  const where = await gitAnnexWhereis(origin.dir, 'bad.txt', 'good.txt');
  assert.equal(where.get('bad.txt')?.includes(clone.uuid), false, 'the bad copy is no longer listed');
  assert.equal(where.get('good.txt')?.includes(clone.uuid), true, 'the good copy still is');
});
