// Ahead/behind of each remote's branch on the status page, counted by real git; git runs again only when a ref moved.
import '../../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { git, makeRepo, writeFiles } from '../../helpers/repo.js';
import { findRepository } from '../../../src/git/repo.js';
import { createGit } from '../../../src/git/git.js';
import { DivergenceCounter } from '../../../src/assistant/web/divergence.js';

async function commit(dir: string, file: string): Promise<void> {
  writeFiles(dir, { [file]: `${file}\n` });
  await git(dir, 'add', file);
  await git(dir, 'commit', '-q', '-m', file);
}

test('commits to send and to merge per remote; a remote never fetched is left out; git counts only a pair of commits not counted before', async () => {
  const hub = await makeRepo({ bare: true, name: 'hub.git' });
  const a = await makeRepo({ name: 'a' });
  await commit(a, 'one.txt');
  await git(a, 'remote', 'add', 'origin', hub);
  await git(a, 'remote', 'add', 'never', hub);
  await git(a, 'push', '-q', 'origin', 'HEAD:main');
  await git(a, 'fetch', '-q', 'origin');
  // A peer pushes one commit to the hub; A makes two of its own.
  const peer = await makeRepo({ name: 'peer' });
  await git(peer, 'pull', '-q', hub, 'main');
  await commit(peer, 'theirs.txt');
  await git(peer, 'push', '-q', hub, 'HEAD:main');
  await commit(a, 'two.txt');
  await commit(a, 'three.txt');

  const real = createGit(await findRepository(a));
  const counted: string[][] = [];
  const counter = new DivergenceCounter({ revParse: (r) => real.revParse(r), run: (args) => (counted.push([...args]), real.run(args)) }, 'main');
  assert.deepEqual(await counter.count(['origin', 'never']), { origin: { ahead: 2, behind: 0 } }, 'before the fetch, the peer\'s commit is not known here');
  await git(a, 'fetch', '-q', 'origin');
  assert.deepEqual(await counter.count(['origin', 'never']), { origin: { ahead: 2, behind: 1 } });
  assert.equal(counted.length, 2, 'one count per new pair of commits');
  assert.deepEqual(await counter.count(['origin']), { origin: { ahead: 2, behind: 1 } });
  assert.equal(counted.length, 2, 'an idle page costs no git');
  await git(a, 'merge', '-q', '--no-edit', 'origin/main');
  assert.deepEqual(await counter.count(['origin']), { origin: { ahead: 3, behind: 0 } }, 'after the merge: our two commits and the merge to send');
  assert.equal(counted.length, 3);
});
