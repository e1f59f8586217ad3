// Tests for the transfer planner (src/network/planner.ts): holders, pruning, relays, numcopies, determinism.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { minimumBranching } from '../../src/network/arborescence.js';
import type { Link, RepoGraph } from '../../src/network/graph.js';
import { addLink, addRepository, createRepoGraph } from '../../src/network/graph.js';
import type { TransferPlan } from '../../src/network/planner.js';
import { childrenOf, planTransfer } from '../../src/network/planner.js';
import { prng, shuffled } from '../helpers/prng.js';



function build(nodes: readonly string[], links: readonly Link[], here?: string): RepoGraph {
  const g = createRepoGraph();
  for (const n of nodes) addRepository(g, n, { description: n, here: n === here });
  for (const l of links) addLink(g, l);
  return g;
}

const up = (from: string, to: string, cost: number): Link => ({ from, to, cost, available: true });
const all = (): boolean => true;
const only = (...uuids: string[]) => (u: string): boolean => uuids.includes(u);
const hops = (p: TransferPlan): string[] => p.edges.map((e) => `${e.from}->${e.to}`);

test('the four-repository network: A sends once, each repository forwards to its child', () => {
  const g = build(['A', 'B', 'C', 'D'], [up('A', 'B', 100), up('A', 'C', 1000), up('B', 'C', 100), up('C', 'D', 100)], 'A');
  const plan = planTransfer({ graph: g, have: ['A'], wants: all });
  assert.deepEqual(plan, {
    root: 'A',
    sources: ['A'],
    edges: [
      { from: 'A', to: 'B', cost: 100, edgeKey: 'A->B:100' },
      { from: 'B', to: 'C', cost: 100, edgeKey: 'B->C:100' },
      { from: 'C', to: 'D', cost: 100, edgeKey: 'C->D:100' },
    ],
    cost: 300,
    unreachable: [],
  });
  assert.deepEqual(['A', 'B', 'C', 'D'].map((u) => childrenOf(plan, u)), [['B'], ['C'], ['D'], []]);
});

test('several holders: each sends from its side, nobody sends to a holder, no virtual links', () => {
  const g = build(['A', 'B', 'C', 'D'], [up('A', 'B', 1), up('D', 'C', 1), up('A', 'C', 10), up('D', 'B', 10), up('A', 'D', 0), up('B', 'A', 0)], 'D');
  const plan = planTransfer({ graph: g, have: ['D', 'A', 'A'], wants: all });
  assert.deepEqual(hops(plan), ['A->B', 'D->C']);
  assert.deepEqual(plan.sources, ['A', 'D']);
  assert.equal(plan.root, 'D', 'the holder that is here');
  assert.equal(plan.cost, 2);
  const elsewhere = planTransfer({ graph: build(['A', 'B', 'C', 'D'], [up('A', 'B', 1)]), have: ['D', 'A'], wants: all });
  assert.equal(elsewhere.root, 'A', 'else the first holder by UUID');
  assert.deepEqual(elsewhere.unreachable, ['C']);
});

test('prunes, repeatedly, the leaves that do not want the content', () => {
  // B is only reachable through the relay X; Y->Z and W hang off the tree wanting nothing.
  const g = build(['A', 'B', 'W', 'X', 'Y', 'Z'], [up('A', 'X', 1), up('X', 'Y', 1), up('Y', 'Z', 1), up('X', 'B', 1), up('A', 'W', 1)]);
  const plan = planTransfer({ graph: g, have: ['A'], wants: only('B') });
  assert.deepEqual(hops(plan), ['A->X', 'X->B']);
  assert.equal(plan.cost, 2);
  assert.deepEqual(childrenOf(plan, 'X'), ['B']);
  assert.deepEqual(childrenOf(plan, 'Y'), []);
});

test('keeps a repository that does not want the content as a relay when that is cheaper', () => {
  const g = build(['A', 'B', 'X'], [up('A', 'X', 1), up('X', 'B', 1), up('A', 'B', 10)]);
  const plan = planTransfer({ graph: g, have: ['A'], wants: only('B') });
  assert.deepEqual(hops(plan), ['A->X', 'X->B']);
  assert.equal(plan.cost, 2);
});

test('drops a relay when the direct links are cheaper for the targets alone', () => {
  // The minimum arborescence over everything routes B through X (101); B wants it, X does not.
  const g = build(['A', 'B', 'X'], [up('A', 'X', 100), up('X', 'B', 1), up('A', 'B', 50)]);
  const plan = planTransfer({ graph: g, have: ['A'], wants: only('B') });
  assert.deepEqual(hops(plan), ['A->B']);
  assert.equal(plan.cost, 50);
});

test('keeps a relay that is the only way to a target', () => {
  const g = build(['A', 'B', 'X', 'Y'], [up('A', 'X', 100), up('X', 'B', 1), up('A', 'Y', 1)]);
  const plan = planTransfer({ graph: g, have: ['A'], wants: only('B', 'Y') });
  assert.deepEqual(hops(plan), ['A->Y', 'A->X', 'X->B']);
  assert.deepEqual(childrenOf(plan, 'A'), ['Y', 'X'], 'cheapest link first');
  assert.deepEqual(plan.unreachable, []);
});

test('reports wanting repositories that cannot be reached, and only those', () => {
  const g = build(['A', 'B', 'C', 'D'], [up('A', 'B', 1), { from: 'A', to: 'C', cost: 1, available: false }]);
  assert.deepEqual(planTransfer({ graph: g, have: ['A'], wants: all }).unreachable, ['C', 'D']);
  assert.deepEqual(planTransfer({ graph: g, have: ['A'], wants: only('B', 'C') }).unreachable, ['C']);
});

test('with no holder in the map, nothing is sent and every wanting repository is unreachable', () => {
  const g = build(['A', 'B'], [up('A', 'B', 1)]);
  assert.deepEqual(planTransfer({ graph: g, have: ['gone'], wants: all }), { root: null, sources: [], edges: [], cost: 0, unreachable: ['A', 'B'] });
});

test('numcopies adds the cheapest further recipients until enough copies exist', () => {
  const g = build(['A', 'B', 'X', 'Y'], [up('A', 'B', 5), up('A', 'X', 3), up('B', 'Y', 1), up('A', 'Y', 9)]);
  const plan = (numcopies: number, have = ['A']) => hops(planTransfer({ graph: g, have, wants: only('B'), numcopies }));
  assert.deepEqual(plan(1), ['A->B']);
  assert.deepEqual(plan(2), ['A->B']);
  assert.deepEqual(plan(3), ['A->B', 'B->Y']);
  assert.deepEqual(plan(4), ['A->B', 'B->Y', 'A->X']);
  assert.deepEqual(plan(9), ['A->B', 'B->Y', 'A->X'], 'stops when nobody else can be reached');
  assert.deepEqual(plan(3, ['A', 'offline-holder']), ['A->B'], 'holders missing from the map still hold copies');
});

test('random networks: plans are valid, pruned, and optimal when everyone wants the content', () => {
  const rnd = prng(4242);
  for (let trial = 0; trial < 1500; trial++) {
    const n = 2 + Math.floor(rnd() * 7);
    const nodes = Array.from({ length: n }, (_, i) => `r${(i * 7919) % 97}`);
    const links: Link[] = [];
    for (let i = 0; i < n * 2.5; i++) {
      const from = nodes[Math.floor(rnd() * n)] as string;
      const to = nodes[Math.floor(rnd() * n)] as string;
      if (from !== to) links.push({ from, to, cost: Math.floor(rnd() * 5), available: rnd() > 0.15 });
    }
    const g = build(nodes, links);
    const have = nodes.filter(() => rnd() < 0.3);
    if (have.length === 0) have.push(nodes[0] as string);
    const wanting = new Set(nodes.filter(() => rnd() < 0.6));
    const plan = planTransfer({ graph: g, have, wants: (u) => wanting.has(u) });
    const received = new Set(have);
    for (const e of plan.edges) {
      assert.ok(received.has(e.from), `trial ${trial}: ${e.from} has the content before sending it`);
      assert.ok(!received.has(e.to), `trial ${trial}: ${e.to} receives once and is no holder`);
      assert.equal(g.getEdgeAttribute(e.edgeKey, 'available'), true);
      assert.equal(g.source(e.edgeKey), e.from);
      assert.equal(g.target(e.edgeKey), e.to);
      received.add(e.to);
    }
    for (const e of plan.edges) {
      assert.ok(wanting.has(e.to) || childrenOf(plan, e.to).length > 0, `trial ${trial}: leaf ${e.to} wants the content`);
    }
    const reach = minimumBranching(g, { roots: have });
    const reachable = new Set([...have, ...reach.edges.map((e) => e.to)]);
    const targets = [...wanting].filter((u) => !have.includes(u));
    assert.deepEqual(plan.unreachable, targets.filter((u) => !reachable.has(u)).sort(), `trial ${trial}`);
    for (const u of targets.filter((t) => reachable.has(t))) assert.ok(received.has(u), `trial ${trial}: ${u} gets the content`);
    assert.ok(plan.cost <= reach.cost, `trial ${trial}: pruning only removes links`);
    const everyone = planTransfer({ graph: g, have, wants: all });
    assert.equal(everyone.cost, reach.cost, `trial ${trial}: with every repository wanting it, the plan is the minimum branching`);
  }
});

test('the same network built in any order gives the same plan', () => {
  const rnd = prng(5);
  for (let trial = 0; trial < 300; trial++) {
    const nodes = Array.from({ length: 6 }, (_, i) => `n${i}`);
    const links: Link[] = [];
    for (let i = 0; i < 14; i++) {
      const from = nodes[Math.floor(rnd() * 6)] as string;
      const to = nodes[Math.floor(rnd() * 6)] as string;
      if (from !== to) links.push({ from, to, cost: Math.floor(rnd() * 2), available: rnd() > 0.1 });
    }
    const have = ['n0', 'n3'];
    const wants = (u: string): boolean => u !== 'n4';
    const first = planTransfer({ graph: build(nodes, links), have, wants, numcopies: 5 });
    const again = planTransfer({ graph: build(shuffled(nodes, rnd), shuffled(links, rnd)), have: shuffled(have, rnd), wants, numcopies: 5 });
    assert.deepEqual(again, first, `trial ${trial}`);
  }
});
