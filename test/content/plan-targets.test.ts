// What one repository does with a file's content under the plan: send to its children, wait for its parent, or fetch when no sender reaches it.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { requireKey } from '../../src/annex/key.js';
import { emptyPreferredContentConfig, PreferredContent } from '../../src/annex/preferred-content.js';
import { addLink, addRepository, createRepoGraph, type Link, type RepoGraph } from '../../src/network/graph.js';
import { planTargets, type PlanRemote, type PlanTargetsInput } from '../../src/content/plan-targets.js';

const file = { path: 'big.dat', key: requireKey(`SHA256E-s1000--${'a'.repeat(64)}.dat`) };
const link = (from: string, to: string, cost: number, available = true): Link => ({ from, to, cost, available });

function graph(here: string, links: readonly Link[], nodes: readonly string[] = ['A', 'B', 'C', 'D']): RepoGraph {
  const g = createRepoGraph();
  for (const n of nodes) addRepository(g, n, { description: `repo ${n}`, here: n === here });
  for (const l of links) addLink(g, l);
  return g;
}

/** The network: A→B cheap, A→C dear, B→C cheap, C→D. */
const FOUR = [link('A', 'B', 10), link('A', 'C', 1000), link('B', 'C', 10), link('C', 'D', 10)];
/** Each repository's remotes in the four-repository network, named after the repository they reach. */
const REMOTES: Record<string, PlanRemote[]> = {
  A: [{ name: 'b', uuid: 'B' }, { name: 'c', uuid: 'C' }],
  B: [{ name: 'c', uuid: 'C' }],
  C: [{ name: 'd', uuid: 'D' }],
  D: [],
};

function input(here: string, over: Partial<PlanTargetsInput> = {}): PlanTargetsInput {
  return {
    graph: graph(here, FOUR),
    preferred: new PreferredContent(emptyPreferredContentConfig()),
    here,
    file,
    locations: [],
    present: false,
    remotes: REMOTES[here] ?? [],
    ...over,
  };
}

const names = (remotes: readonly PlanRemote[]): string[] => remotes.map((r) => r.name);

test('four repositories: A sends only to B, B forwards to C, C to D; nobody fetches', async () => {
  const a = await planTargets(input('A', { present: true }));
  assert.deepEqual(names(a.send), ['b'], 'the dear link A→C is not used');
  assert.equal(a.receive, 'none');
  assert.deepEqual(a.unreachable, []);
  assert.deepEqual(a.reached, ['B', 'C', 'D']);

  const bWaiting = await planTargets(input('B', { locations: ['A'] }));
  assert.equal(bWaiting.receive, 'sent', 'B waits for A to send');
  assert.equal(bWaiting.wantedHere, true);
  const b = await planTargets(input('B', { locations: ['A'], present: true }));
  assert.deepEqual(names(b.send), ['c']);
  assert.deepEqual(b.have, ['A', 'B']);

  const c = await planTargets(input('C', { locations: ['A', 'B'], present: true }));
  assert.deepEqual(names(c.send), ['d']);
  const d = await planTargets(input('D', { locations: ['A', 'B', 'C'] }));
  assert.equal(d.receive, 'sent');
  assert.deepEqual(d.send, []);

  // Once B has it, A has nothing more to send: C is B's to serve, even though A links to C.
  const aAfter = await planTargets(input('A', { present: true, locations: ['A', 'B'] }));
  assert.deepEqual(aAfter.send, []);
});

test('an unavailable link is routed around: with A→B down, A sends to C over the dear link', async () => {
  const g = graph('A', [link('A', 'B', 10, false), link('A', 'C', 1000), link('B', 'C', 10), link('C', 'D', 10)]);
  const a = await planTargets(input('A', { graph: g, present: true }));
  assert.deepEqual(names(a.send), ['c']);
  assert.deepEqual(a.unreachable, ['B'], 'B is reported, not silently dropped');
});

test('preferred content: a repository that does not want the file is not sent it, and does not fetch it', async () => {
  const preferred = new PreferredContent({ ...emptyPreferredContentConfig(), preferred: new Map([['D', 'exclude=*.dat']]) });
  const c = await planTargets(input('C', { preferred, present: true, locations: ['A', 'B'] }));
  assert.deepEqual(c.send, []);
  const d = await planTargets(input('D', { preferred, locations: ['A', 'B', 'C'] }));
  assert.equal(d.wantedHere, false);
  assert.equal(d.receive, 'none');
  const a = await planTargets(input('A', { preferred, present: true }));
  assert.deepEqual(a.reached, ['B', 'C']);
});

test('a repository that does not want the content still relays it to one that does', async () => {
  const preferred = new PreferredContent({ ...emptyPreferredContentConfig(), preferred: new Map([['B', 'exclude=*']]) });
  const g = graph('A', [link('A', 'B', 10), link('B', 'C', 10)], ['A', 'B', 'C']);
  const a = await planTargets(input('A', { graph: g, preferred, present: true }));
  assert.deepEqual(names(a.send), ['b']);
  const b = await planTargets(input('B', { graph: g, preferred, locations: ['A'] }));
  assert.equal(b.wantedHere, false);
  assert.equal(b.receive, 'sent', 'a relay waits for its parent too');
});

test('a repository no sender reaches fetches from its remotes that have the content, cheapest first', async () => {
  // P is a clone of the bare hub H: P can send to H, but H runs nothing and sends to nobody.
  const g = graph('P', [link('P', 'H', 100), link('P', 'S', 200), link('Q', 'H', 100)], ['P', 'Q', 'H', 'S']);
  const remotes = [{ name: 'origin', uuid: 'H' }, { name: 'server', uuid: 'S' }];
  const p = await planTargets(input('P', { graph: g, remotes, locations: ['Q', 'H', 'S'] }));
  assert.equal(p.receive, 'fetch');
  assert.deepEqual(names(p.fetchFrom), ['origin', 'server']);
  assert.ok(p.unreachable.includes('P'));
  const nowhere = await planTargets(input('P', { graph: g, remotes, locations: ['Q'] }));
  assert.equal(nowhere.receive, 'fetch');
  assert.deepEqual(nowhere.fetchFrom, [], 'no remote of P has it: nothing to fetch from yet');
});

test('children without a remote of ours are unroutable; dead holders and a stale location for here are ignored', async () => {
  const a = await planTargets(input('A', { present: true, remotes: [{ name: 'c', uuid: 'C' }] }));
  assert.deepEqual(a.send, [], 'the plan wants B, and no usable remote of A reaches B');
  assert.deepEqual(a.unroutable, ['B']);

  const preferred = new PreferredContent({ ...emptyPreferredContentConfig(), trust: new Map([['B', 'dead']]) });
  const c = await planTargets(input('C', { preferred, locations: ['B', 'C'], present: false }));
  assert.deepEqual(c.have, [], 'B is dead and C\'s store lacks the content, whatever the log says');
  assert.equal(c.receive, 'fetch');
});

test('the remote used for a child is the first (cheapest) one reaching it', async () => {
  const remotes = [{ name: 'b-fast', uuid: 'B' }, { name: 'b-slow', uuid: 'B' }, { name: 'c', uuid: 'C' }];
  const a = await planTargets(input('A', { present: true, remotes }));
  assert.deepEqual(names(a.send), ['b-fast']);
});

test('a special remote shared by two copies: the holder sends to it, the other fetches from it once it has the content', async () => {
  // L and D never link to each other; both have the folder S (links into S, and S's reverse "fetch" links).
  const bridged = (here: string): RepoGraph => {
    const g = createRepoGraph();
    for (const n of ['L', 'D']) addRepository(g, n, { description: n, here: n === here });
    addRepository(g, 'S', { description: 'nas', here: false, special: true });
    for (const l of [link('L', 'S', 100), link('S', 'L', 100), link('D', 'S', 100), link('S', 'D', 100)]) addLink(g, l);
    return g;
  };
  const nas: PlanRemote[] = [{ name: 'nas', uuid: 'S' }];
  const l = await planTargets(input('L', { graph: bridged('L'), present: true, remotes: nas }));
  assert.deepEqual(names(l.send), ['nas'], 'the holder sends to the folder');
  assert.deepEqual(l.unreachable, []);

  const waiting = await planTargets(input('D', { graph: bridged('D'), locations: ['L'], remotes: nas }));
  assert.equal(waiting.receive, 'sent', 'D waits while the folder lacks the content');
  assert.equal(waiting.fetchParent, undefined);

  const d = await planTargets(input('D', { graph: bridged('D'), locations: ['L', 'S'], remotes: nas }));
  assert.equal(d.receive, 'fetch', 'a special remote sends nothing: D fetches from it');
  assert.deepEqual(d.fetchParent, { name: 'nas', uuid: 'S' });
  assert.deepEqual(names(d.send), []);
});
