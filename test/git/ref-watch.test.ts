// The ref watch behind notifychanges: every push that moves a ref is answered, not only the first, including refs in directories made after the watch began.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRefListing, watchRefs } from '../../src/git/ref-watch.js';
import { systemClock } from '../../src/util/clock.js';
import { git, makeRepo } from '../helpers/repo.js';
import { tempDir } from '../helpers/tmp.js';

/** `p`, or a failure after `ms`: a bound on waiting for the event (a lost answer would otherwise hang the test), generous for two busy cores, never a pause. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

test('watchRefs answers every push into a bare repository, and refs in a directory created later', async () => {
  const parent = tempDir('arbor-ref-watch-');
  const bare = await makeRepo({ bare: true, parent, name: 'server.git' });
  const work = await makeRepo({ parent, name: 'work' });
  await git(work, 'commit', '-q', '--allow-empty', '-m', 'start');
  await git(work, 'push', '-q', bare, 'HEAD:refs/heads/main');
  const watch = await watchRefs({
    gitDir: bare,
    clock: systemClock,
    listRefs: async () => parseRefListing(await git(bare, 'for-each-ref', '--format=%(objectname) %(refname)')),
  });
  try {
    // receive-pack writes main.lock and renames it over main. Node 20's recursive watch keeps
    // watching the replaced file's old inode, so with it only the first push was ever answered.
    for (let i = 0; i < 3; i++) {
      await git(work, 'commit', '-q', '--allow-empty', '-m', `update ${i}`);
      await git(work, 'push', '-q', bare, 'HEAD:refs/heads/main');
      const sha = await git(work, 'rev-parse', 'HEAD');
      assert.deepEqual(await within(watch.next(), 60_000, `push ${i + 1} of main`), [sha]);
    }
    for (let i = 0; i < 2; i++) {
      await git(work, 'commit', '-q', '--allow-empty', '-m', `synced ${i}`);
      await git(work, 'push', '-q', bare, 'HEAD:refs/heads/synced/main');
      const sha = await git(work, 'rev-parse', 'HEAD');
      assert.deepEqual(await within(watch.next(), 60_000, `push ${i + 1} of synced/main (a directory made after the watch began)`), [sha]);
    }
  } finally {
    watch.close();
  }
});
