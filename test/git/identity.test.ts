// The commit identity git gives: asked once per repository, a refusal not kept.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identities } from '../../src/git/identity.js';
import { git, makeRepo } from '../helpers/repo.js';
import type { Git } from '../../src/git/git.js';
import { nodeSpawner } from '../../src/util/spawn.js';

/** tryRun through the real git in `dir`, counting its runs. */
function counting(dir: string): { git: Pick<Git, 'tryRun'>; runs: () => number } {
  let n = 0;
  return {
    git: {
      tryRun: (args) => {
        n++;
        return nodeSpawner.run('git', args, { cwd: dir });
      },
    },
    runs: () => n,
  };
}

test('the author and committer come from one git var -l, asked once per repository', async () => {
  const dir = await makeRepo();
  await git(dir, 'config', 'user.name', 'A U Thor');
  await git(dir, 'config', 'user.email', 'author@example.com');
  const { git: g, runs } = counting(dir);
  assert.deepEqual(await identities(g), { author: 'A U Thor <author@example.com>', committer: 'A U Thor <author@example.com>' });
  assert.deepEqual(await identities(g), { author: 'A U Thor <author@example.com>', committer: 'A U Thor <author@example.com>' });
  assert.equal(runs(), 1);
});

test('an identity git would refuse is none, and is asked again once it is set', async () => {
  const dir = await makeRepo();
  await git(dir, 'config', 'user.name', 'Someone');
  await git(dir, 'config', 'user.email', '');
  const { git: g, runs } = counting(dir);
  assert.equal(await identities(g), undefined, 'an empty email');
  await git(dir, 'config', 'user.email', 'someone@example.com');
  assert.deepEqual(await identities(g), { author: 'Someone <someone@example.com>', committer: 'Someone <someone@example.com>' });
  assert.equal(runs(), 2);
});
