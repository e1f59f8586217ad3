// git arbor map / plan / wanted / group through the real CLI, over real repositories that learn the network by syncing.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { runArbor } from '../helpers/run.js';
import { arbor, hubAndClones } from '../helpers/arbor.js';
import { git, makeRepo, writeFiles } from '../helpers/repo.js';

const uuidOf = (dir: string): Promise<string> => git(dir, 'config', 'annex.uuid');

/**
 * The four repositories: A→B cheap (10), A→C dear (100), B→C cheap (10), C→D (local
 * default 100). B, C, D are clones of A (so each also links back to A as origin). Each syncs once,
 * A last, so A has learnt every published link.
 */
async function fourRepositories(): Promise<Record<'A' | 'B' | 'C' | 'D', { dir: string; uuid: string }>> {
  const a = await makeRepo({ name: 'A' });
  const parent = join(a, '..');
  await arbor(a, 'init', 'repo A');
  await git(a, 'config', 'annex.largefiles', 'anything');
  writeFiles(a, { 'big.dat': Buffer.alloc(4096, 7) });
  await arbor(a, 'add', 'big.dat');
  await git(a, 'commit', '-q', '-m', 'big');
  const repos = { A: { dir: a, uuid: await uuidOf(a) } } as Record<'A' | 'B' | 'C' | 'D', { dir: string; uuid: string }>;
  for (const name of ['B', 'C', 'D'] as const) {
    const dir = join(parent, name);
    await git(parent, 'clone', '-q', a, name);
    await arbor(dir, 'init', `repo ${name}`);
    repos[name] = { dir, uuid: await uuidOf(dir) };
  }
  await git(a, 'remote', 'add', 'b', '../B');
  await git(a, 'config', 'remote.b.annex-cost', '10');
  await git(a, 'remote', 'add', 'c', '../C');
  await git(a, 'config', 'remote.c.annex-cost', '100');
  await git(repos.B.dir, 'remote', 'add', 'c', '../C');
  await git(repos.B.dir, 'config', 'remote.c.annex-cost', '10');
  await git(repos.C.dir, 'remote', 'add', 'd', '../D');
  for (const name of ['D', 'C', 'B', 'A'] as const) await arbor(repos[name].dir, 'sync');
  return repos;
}

test('four repositories: the plan for A\'s file is A→B→C→D, the map shows every link, wanted prunes the tree', async () => {
  const r = await fourRepositories();
  const plan = JSON.parse(await arbor(r.A.dir, 'plan', 'big.dat', '--json'));
  assert.deepEqual(plan, {
    root: r.A.uuid,
    edges: [
      { from: r.A.uuid, to: r.B.uuid, cost: 10 },
      { from: r.B.uuid, to: r.C.uuid, cost: 10 },
      { from: r.C.uuid, to: r.D.uuid, cost: 100 },
    ],
    cost: 120,
    unreachable: [],
  });
  // Without a path: the tree for new content added here, the same here.
  assert.deepEqual(JSON.parse(await arbor(r.A.dir, 'plan', '--json')).edges, plan.edges);

  const map = JSON.parse(await arbor(r.A.dir, 'map', '--format', 'json'));
  const byUuid = (x: { uuid: string }, y: { uuid: string }): number => (x.uuid < y.uuid ? -1 : 1);
  assert.deepEqual(map.nodes, [
    { uuid: r.A.uuid, description: 'repo A', here: true },
    { uuid: r.B.uuid, description: 'repo B', here: false, remotes: ['b'] }, // the names A's remotes give them
    { uuid: r.C.uuid, description: 'repo C', here: false, remotes: ['c'] },
    { uuid: r.D.uuid, description: 'repo D', here: false },
  ].sort(byUuid));
  const edge = (from: string, to: string, cost: number): { from: string; to: string; cost: number; available: boolean } => ({ from, to, cost, available: true });
  const expected = [
    edge(r.A.uuid, r.B.uuid, 10),
    edge(r.A.uuid, r.C.uuid, 100),
    edge(r.B.uuid, r.C.uuid, 10),
    edge(r.C.uuid, r.D.uuid, 100),
    edge(r.B.uuid, r.A.uuid, 100), // each clone's origin
    edge(r.C.uuid, r.A.uuid, 100),
    edge(r.D.uuid, r.A.uuid, 100),
  ].sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : x.to < y.to ? -1 : 1));
  assert.deepEqual(map.edges, expected);
  assert.deepEqual(Object.keys(map), ['nodes', 'edges']);

  // D does not want .dat files: C→D is pruned, nothing else changes.
  await arbor(r.A.dir, 'wanted', r.D.uuid, 'exclude=*.dat');
  const pruned = JSON.parse(await arbor(r.A.dir, 'plan', 'big.dat', '--json'));
  assert.deepEqual(pruned.edges.map((e: { to: string }) => e.to), [r.B.uuid, r.C.uuid]);
  assert.equal(pruned.cost, 20);

  // The SVG map names every repository and highlights the tree; DOT too.
  const svg = await arbor(r.A.dir, 'map');
  for (const name of ['A', 'B', 'C', 'D'] as const) assert.ok(svg.includes(`data-uuid="${r[name].uuid}"`), name);
  assert.equal((svg.match(/class="link tree"/g) ?? []).length, 3);
  assert.match(await arbor(r.A.dir, 'map', '--format', 'dot'), /^digraph arbor \{/);
  const bad = await runArbor(['map', '--format', 'gif'], { cwd: r.A.dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown map format gif/);
});

test('two repositories publish their links, a third learns the whole network by syncing with the hub', async () => {
  const { clones } = await hubAndClones(['P', 'Q', 'R']);
  const [p, q, rr] = clones as [string, string, string];
  await git(p, 'remote', 'add', 'q', '../Q');
  await git(q, 'remote', 'add', 'p', '../P');
  await git(q, 'config', 'remote.p.annex-cost', '50');
  await arbor(p, 'sync');
  await arbor(q, 'sync');
  await arbor(rr, 'sync');
  const [P, Q, R] = await Promise.all([uuidOf(p), uuidOf(q), uuidOf(rr)]);
  const map = JSON.parse(await arbor(rr, 'map', '--format', 'json'));
  assert.deepEqual(
    map.nodes.map((n: { uuid: string; description: string; here: boolean }) => [n.description, n.here]).sort(),
    [['P', false], ['Q', false], ['R', true]],
  );
  assert.deepEqual(
    map.edges.map((e: { from: string; to: string; cost: number; available: boolean }) => [e.from, e.to, e.cost, e.available]).sort(),
    [[P, Q, 100, true], [Q, P, 50, true]].sort(),
  );
  assert.ok(R);
  // P learnt Q's uuid from Q's git config while publishing, as git-annex records it.
  assert.equal(await git(p, 'config', 'remote.q.annex-uuid'), Q);
});

test('wanted and group show and set like git-annex\'s, by here, remote name, uuid or description', async () => {
  const { clones } = await hubAndClones(['W', 'V']);
  const [w, v] = clones as [string, string];
  await git(w, 'remote', 'add', 'v', '../V');
  await arbor(w, 'sync'); // learns v's uuid
  const V = await uuidOf(v);

  assert.equal(await arbor(w, 'wanted', 'here'), '\n', 'unset: an empty line');
  assert.equal(await arbor(w, 'wanted', 'here', 'standard'), 'wanted here ok\n');
  assert.equal(await arbor(w, 'wanted', '.'), 'standard\n');
  assert.equal(await arbor(w, 'wanted', 'v', 'include=*.mp3 or largerthan=10mb'), 'wanted v ok\n');
  assert.equal(await arbor(w, 'wanted', V), 'include=*.mp3 or largerthan=10mb\n');
  const bad = await runArbor(['wanted', 'here', 'in=here'], { cwd: w });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not setting wanted for here: .*in=here/);
  assert.equal(await arbor(w, 'wanted', 'here'), 'standard\n', 'a rejected expression changes nothing');

  assert.equal(await arbor(w, 'group', 'here'), '\n');
  assert.equal(await arbor(w, 'group', 'here', 'client'), 'group here ok\n');
  await arbor(w, 'group', 'here', 'backup');
  assert.equal(await arbor(w, 'group', 'W'), 'backup client\n', 'by description');
  const spaced = await runArbor(['group', 'here', 'a b'], { cwd: w });
  assert.equal(spaced.code, 1);
  const unknown = await runArbor(['group', 'nobody'], { cwd: w });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no repository named "nobody"/);
  assert.match(await git(w, 'show', 'git-annex:group.log'), new RegExp(`^${await uuidOf(w)} backup client timestamp=\\d+(\\.\\d+)?s$`, 'm'));
});
