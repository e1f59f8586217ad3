// arbor/network.log in the git-annex branch: git-annex keeps working with it there, and its union merges keep every repository's links.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { needsGitAnnex } from '../helpers/git-annex.js';
import { ok } from '../helpers/run.js';
import { tempDir } from '../helpers/tmp.js';
import { annex, annexRun, arbor, cloneWithArbor, cloneWithGitAnnex, makeArborRepo, simpleFiles } from '../helpers/annex-fixtures.js';
import { currentLinks, NETWORK_LOG, parseNetworkLog } from '../../src/annex/logs/network.js';

/** The links in effect in a repository's git-annex branch, as `from>to cost` strings. */
async function publishedLinks(dir: string, names: Record<string, string>): Promise<string[]> {
  const text = await ok('git', ['show', `git-annex:${NETWORK_LOG}`], { cwd: dir });
  return currentLinks(parseNetworkLog(text))
    .map((l) => `${names[l.from] ?? l.from}>${names[l.to] ?? l.to} ${l.cost}`)
    .sort();
}

test('two arbor repositories publish concurrently; git-annex sync union-merges both, and fsck, info, get, forget keep working', needsGitAnnex, async () => {
  const parent = tempDir('arbor-netlog-');
  const a = await makeArborRepo({ description: 'arbor A', files: simpleFiles(['f1.txt', 'f2.txt']), parent, name: 'A' });
  const b = await cloneWithGitAnnex({ origin: a.dir, description: 'annex B', parent, name: 'B' });
  const c = await cloneWithArbor({ origin: a.dir, description: 'arbor C', parent, name: 'C' });
  const names = { [a.uuid]: 'A', [b.uuid]: 'B', [c.uuid]: 'C' };
  await ok('git', ['remote', 'add', 'b', '../B'], { cwd: a.dir });
  await ok('git', ['remote', 'add', 'b', '../B'], { cwd: c.dir });
  await ok('git', ['config', 'remote.b.annex-cost', '50'], { cwd: c.dir });

  // A and C publish from the same base, neither seeing the other's version.
  await arbor(a.dir, 'sync', '--no-push');
  await arbor(c.dir, 'sync', '--no-pull', '--no-push');
  assert.deepEqual(await publishedLinks(a.dir, names), ['A>B 100']);
  assert.deepEqual(await publishedLinks(c.dir, names), ['C>A 100', 'C>B 50']);

  // git-annex in B pulls both and union-merges the two versions of arbor/network.log.
  await ok('git', ['remote', 'add', 'a', '../A'], { cwd: b.dir });
  await ok('git', ['remote', 'add', 'c', '../C'], { cwd: b.dir });
  await annex(b.dir, 'sync', '-q', '--no-content', 'a', 'c');
  const all = ['A>B 100', 'C>A 100', 'C>B 50'];
  assert.deepEqual(await publishedLinks(b.dir, names), all);

  // git-annex works as before with the file in its branch.
  const fsck = await annexRun(b.dir, 'fsck', '--all', '--fast');
  assert.equal(fsck.code, 0, fsck.stderr);
  assert.doesNotMatch(fsck.stdout + fsck.stderr, /network/, 'never taken for a key');
  assert.equal((await annexRun(b.dir, 'info')).code, 0);
  await annex(b.dir, 'get', '-q', '--from', 'a', 'f1.txt');
  assert.equal((await annexRun(b.dir, 'fsck', 'f1.txt')).code, 0);
  await annex(b.dir, 'forget', '--force', '--drop-dead');
  assert.deepEqual(await publishedLinks(b.dir, names), all, 'forget keeps the file');
  await annex(b.dir, 'sync', '-q', '--no-content', 'a', 'c');

  // arbor reads the branch git-annex merged (and rewrote with forget) and draws the whole network.
  await arbor(a.dir, 'sync');
  assert.deepEqual(await publishedLinks(a.dir, names), all);
  const map = JSON.parse(await arbor(a.dir, 'map', '--format', 'json')) as { edges: Array<{ from: string; to: string; cost: number }> };
  assert.deepEqual(map.edges.map((e) => `${names[e.from]}>${names[e.to]} ${e.cost}`).sort(), all);
  // And arbor reads it in git-annex's repository too, adding B's own remotes as git-annex recorded them.
  const inB = JSON.parse(await arbor(b.dir, 'map', '--format', 'json')) as { edges: Array<{ from: string; to: string; cost: number }> };
  assert.deepEqual(inB.edges.map((e) => `${names[e.from]}>${names[e.to]} ${e.cost}`).sort(), [...all, 'B>A 100', 'B>C 100'].sort());
  assert.equal(join(parent, 'B'), b.dir);
});
