// Tests for the minimum-cost arborescence (src/network/arborescence.ts): brute force, reference and hand-made cases.
import '../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Arborescence } from '../../src/network/arborescence.js';
import { minimumArborescence, minimumBranching } from '../../src/network/arborescence.js';
import type { Link, RepoGraph } from '../../src/network/graph.js';
import { UnknownRepositoryError, addLink, addRepository, createRepoGraph } from '../../src/network/graph.js';
import { prng, shuffled } from '../helpers/prng.js';



function build(nodes: readonly string[], links: readonly Link[]): RepoGraph {
  const g = createRepoGraph();
  for (const n of nodes) addRepository(g, n, { description: n, here: false });
  for (const l of links) addLink(g, l);
  return g;
}

const up = (from: string, to: string, cost: number): Link => ({ from, to, cost, available: true });

/** Repositories reachable from root over available links, found independently of the code under test. */
function reachableFrom(g: RepoGraph, root: string): Set<string> {
  const seen = new Set([root]);
  const stack = [root];
  while (stack.length > 0) {
    const u = stack.pop() as string;
    for (const e of g.outEdges(u)) {
      const v = g.target(e);
      if (g.getEdgeAttribute(e, 'available') && !seen.has(v)) {
        seen.add(v);
        stack.push(v);
      }
    }
  }
  return seen;
}

/**
 * The minimum cost by enumeration: every choice of one available incoming link per reachable
 * non-root repository, keeping those where every parent chain ends at the root.
 */
function minimumArborescenceBruteForce(g: RepoGraph, root: string): number {
  const targets = [...reachableFrom(g, root)].filter((u) => u !== root);
  const choices = targets.map((v) => g.inEdges(v).filter((e) => g.getEdgeAttribute(e, 'available')));
  const parent = new Map<string, string>();
  let best = Infinity;
  const acyclic = (): boolean =>
    targets.every((v) => {
      let u = v;
      for (let steps = 0; steps <= targets.length; steps++) {
        if (u === root) return true;
        u = parent.get(u) ?? '';
        if (u === '') return false;
      }
      return false;
    });
  const choose = (i: number, cost: number): void => {
    if (i === targets.length) {
      if (cost < best && acyclic()) best = cost;
      return;
    }
    for (const e of choices[i] ?? []) {
      parent.set(targets[i] as string, g.source(e));
      choose(i + 1, cost + g.getEdgeAttribute(e, 'cost'));
    }
  };
  choose(0, 0);
  return targets.length === 0 ? 0 : best;
}

/**
 * A textbook O(VE) Chu–Liu/Edmonds (cost only, contracting with fresh numbering each round),
 * as an independent reference on graphs too large to enumerate.
 */
function chuLiuEdmondsCost(g: RepoGraph, root: string): number {
  const reach = reachableFrom(g, root);
  const ids = [...reach];
  const num = new Map(ids.map((id, i) => [id, i]));
  let edges = g
    .edges()
    .filter((e) => g.getEdgeAttribute(e, 'available') && reach.has(g.source(e)))
    .map((e) => ({ u: num.get(g.source(e)) as number, v: num.get(g.target(e)) as number, w: g.getEdgeAttribute(e, 'cost') }));
  let n = ids.length;
  let r = num.get(root) as number;
  let total = 0;
  for (;;) {
    const inW = new Array<number>(n).fill(Infinity);
    const pre = new Array<number>(n).fill(-1);
    for (const { u, v, w } of edges) if (u !== v && v !== r && w < (inW[v] as number)) [inW[v], pre[v]] = [w, u];
    const id = new Array<number>(n).fill(-1);
    const vis = new Array<number>(n).fill(-1);
    let cnt = 0;
    inW[r] = 0;
    for (let i = 0; i < n; i++) {
      total += inW[i] as number;
      let v = i;
      while (vis[v] !== i && id[v] === -1 && v !== r) {
        vis[v] = i;
        v = pre[v] as number;
      }
      if (v !== r && id[v] === -1) {
        for (let x = pre[v] as number; x !== v; x = pre[x] as number) id[x] = cnt;
        id[v] = cnt++;
      }
    }
    if (cnt === 0) return total;
    for (let i = 0; i < n; i++) if (id[i] === -1) id[i] = cnt++;
    edges = edges.map(({ u, v, w }) => ({ u: id[u] as number, v: id[v] as number, w: w - (inW[v] as number) }));
    n = cnt;
    r = id[r] as number;
  }
}

/** Checks that `t` is a spanning arborescence of the reachable part made of available links. */
function assertValid(g: RepoGraph, t: Arborescence, required: readonly string[] = g.nodes()): void {
  const reach = reachableFrom(g, t.root);
  const parentOf = new Map<string, string>();
  const received = new Set([t.root]);
  let sum = 0;
  for (const e of t.edges) {
    assert.ok(g.hasEdge(e.edgeKey), `edge ${e.edgeKey} exists`);
    assert.equal(g.source(e.edgeKey), e.from);
    assert.equal(g.target(e.edgeKey), e.to);
    assert.equal(g.getEdgeAttribute(e.edgeKey, 'cost'), e.cost);
    assert.equal(g.getEdgeAttribute(e.edgeKey, 'available'), true, 'only available links');
    assert.ok(!parentOf.has(e.to), `${e.to} has one parent`);
    assert.ok(received.has(e.from), `parent ${e.from} comes before child ${e.to}`);
    parentOf.set(e.to, e.from);
    received.add(e.to);
    sum += e.cost;
  }
  assert.ok(!parentOf.has(t.root), 'the root has no parent');
  assert.deepEqual([...received].sort(), [...reach].sort(), 'covers exactly the reachable repositories');
  assert.equal(t.cost, sum);
  assert.deepEqual(t.unreachable, [...new Set(required)].filter((u) => !reach.has(u)).sort());
}

/** A random multigraph: 2..7 repositories, parallel, zero-cost, tied and unavailable links. */
function randomGraph(rnd: () => number, opts: { negative: boolean }): { nodes: string[]; links: Link[] } {
  const n = 2 + Math.floor(rnd() * 6);
  const nodes = Array.from({ length: n }, () => Math.floor(rnd() * 0xffffff).toString(16).padStart(6, '0'));
  const unique = [...new Set(nodes)];
  const count = Math.floor(rnd() * (unique.length * 3.5));
  const links: Link[] = [];
  for (let i = 0; i < count; i++) {
    const from = unique[Math.floor(rnd() * unique.length)] as string;
    const to = unique[Math.floor(rnd() * unique.length)] as string;
    if (from === to) continue;
    const cost = Math.floor(rnd() * 6) - (opts.negative ? 2 : 0) + (rnd() < 0.2 ? 0.25 : 0);
    links.push({ from, to, cost, available: rnd() > 0.2 });
  }
  return { nodes: unique, links };
}

test('agrees with brute force on thousands of random small multigraphs', () => {
  const rnd = prng(20240601);
  let trees = 0;
  let deep = 0;
  for (let trial = 0; trial < 4000; trial++) {
    const { nodes, links } = randomGraph(rnd, { negative: trial % 4 === 3 });
    const g = build(nodes, links);
    const root = nodes[Math.floor(rnd() * nodes.length)] as string;
    const t = minimumArborescence(g, { root });
    assertValid(g, t);
    assert.equal(t.cost, minimumArborescenceBruteForce(g, root), `trial ${trial}: ${JSON.stringify({ root, links })}`);
    if (t.edges.length > 0) trees++;
    if (t.edges.length >= 3) deep++;
  }
  assert.ok(trees > 2000 && deep > 600, `enough non-trivial trees (${trees}, ${deep} of 3+ links)`);
});

test('agrees with brute force on every 3-repository graph with costs 1, 2 or an unavailable link', () => {
  const nodes = ['a', 'b', 'c'];
  const pairs = [['a', 'b'], ['a', 'c'], ['b', 'a'], ['b', 'c'], ['c', 'a'], ['c', 'b']] as const;
  for (let code = 0; code < 4 ** pairs.length; code++) {
    const links: Link[] = [];
    pairs.forEach(([from, to], i) => {
      const choice = Math.floor(code / 4 ** i) % 4;
      if (choice === 1 || choice === 2) links.push(up(from, to, choice));
      if (choice === 3) links.push({ from, to, cost: 0, available: false });
    });
    const g = build(nodes, links);
    const t = minimumArborescence(g, { root: 'a' });
    assertValid(g, t);
    assert.equal(t.cost, minimumArborescenceBruteForce(g, 'a'), JSON.stringify(links));
  }
});

test('agrees with a textbook Chu–Liu/Edmonds on larger random graphs', () => {
  const rnd = prng(7);
  for (let trial = 0; trial < 150; trial++) {
    const n = 10 + Math.floor(rnd() * 40);
    const nodes = Array.from({ length: n }, (_, i) => `r${i}`);
    const links: Link[] = [];
    for (let i = 0; i < n * 4; i++) {
      const from = nodes[Math.floor(rnd() * n)] as string;
      const to = nodes[Math.floor(rnd() * n)] as string;
      if (from !== to) links.push({ from, to, cost: Math.floor(rnd() * 20), available: rnd() > 0.1 });
    }
    const g = build(nodes, links);
    const t = minimumArborescence(g, { root: 'r0' });
    assertValid(g, t);
    assert.equal(t.cost, chuLiuEdmondsCost(g, 'r0'), `trial ${trial}`);
  }
});

test('the same links in any insertion order give the same tree', () => {
  const rnd = prng(99);
  for (let trial = 0; trial < 500; trial++) {
    const { nodes, links } = randomGraph(rnd, { negative: false });
    // Many ties: costs of 0 or 1 only, and duplicated links.
    const tied = [...links, ...links.slice(0, 3)].map((l) => ({ ...l, cost: Math.round(l.cost) % 2 }));
    const root = nodes[0] as string;
    const first = minimumArborescence(build(nodes, tied), { root });
    for (let k = 0; k < 3; k++) {
      const again = minimumArborescence(build(shuffled(nodes, rnd), shuffled(tied, rnd)), { root });
      assert.deepEqual(again, first, `trial ${trial}`);
    }
  }
});

test('ties go to the link from the smaller UUID, then the smaller edge key', () => {
  const g = build(['a', 'b', 'r'], [up('r', 'a', 0), up('r', 'b', 1), up('a', 'b', 1)]);
  const t = minimumArborescence(g, { root: 'r' });
  assert.deepEqual(t.edges.map((e) => `${e.from}->${e.to}`), ['r->a', 'a->b']);
  const h = createRepoGraph();
  for (const n of ['a', 'b']) addRepository(h, n, { description: '', here: false });
  addLink(h, { from: 'a', to: 'b', cost: 1, available: true, key: 'y-remote' });
  addLink(h, { from: 'a', to: 'b', cost: 1, available: true, key: 'x-remote' });
  assert.equal(minimumArborescence(h, { root: 'a' }).edges[0]?.edgeKey, 'x-remote');
});

test('contracts a cycle: the classic Edmonds example', () => {
  // The cheapest link into each of a, b, c forms the cycle a->b->c->a; entering it at b is cheapest.
  const g = build(['r', 'a', 'b', 'c'], [up('a', 'b', 1), up('b', 'c', 1), up('c', 'a', 1), up('r', 'a', 10), up('r', 'b', 8), up('r', 'c', 9)]);
  const t = minimumArborescence(g, { root: 'r' });
  assert.deepEqual(t.edges.map((e) => [e.from, e.to, e.cost]), [['r', 'b', 8], ['b', 'c', 1], ['c', 'a', 1]]);
  assert.equal(t.cost, 10);
  assert.equal(t.cost, minimumArborescenceBruteForce(g, 'r'));
});

test('contracts nested cycles and expands them back into real links', () => {
  // a<->b is a cycle; contracted, it forms a second cycle with c; the tree enters at c.
  const g = build(['r', 'a', 'b', 'c'], [up('a', 'b', 1), up('b', 'a', 1), up('b', 'c', 2), up('c', 'a', 3), up('r', 'c', 10), up('r', 'a', 20), up('r', 'b', 20)]);
  const t = minimumArborescence(g, { root: 'r' });
  assert.deepEqual(t.edges.map((e) => [e.from, e.to]), [['r', 'c'], ['c', 'a'], ['a', 'b']]);
  assert.equal(t.cost, 14);
  assert.equal(t.cost, minimumArborescenceBruteForce(g, 'r'));
});

test('chooses the cheaper of parallel links, and never an unavailable one', () => {
  const g = build(['a', 'b'], [up('a', 'b', 5), up('a', 'b', 2), { from: 'a', to: 'b', cost: 1, available: false }]);
  const t = minimumArborescence(g, { root: 'a' });
  assert.deepEqual(t.edges, [{ from: 'a', to: 'b', cost: 2, edgeKey: 'a->b:2' }]);
});

test('reports unreachable repositories instead of dropping them', () => {
  const g = build(['r', 'a', 'b', 'c', 'd', 'e'], [up('r', 'a', 1), up('c', 'd', 1), up('d', 'a', 1), { from: 'r', to: 'e', cost: 1, available: false }]);
  const t = minimumArborescence(g, { root: 'r' });
  assert.deepEqual(t.edges.map((e) => e.to), ['a']);
  assert.deepEqual(t.unreachable, ['b', 'c', 'd', 'e']);
  const some = minimumArborescence(g, { root: 'r', required: ['a', 'd', 'not-in-the-map', 'd'] });
  assert.deepEqual(some.unreachable, ['d', 'not-in-the-map']);
  assert.deepEqual(some.edges, t.edges, 'the tree still covers every reachable repository');
});

test('the four-repository network: A->B->C->D, and A sends exactly once', () => {
  const g = build(['A', 'B', 'C', 'D'], [up('A', 'B', 100), up('A', 'C', 1000), up('B', 'C', 100), up('C', 'D', 100)]);
  const t = minimumArborescence(g, { root: 'A' });
  assert.deepEqual(t.edges.map((e) => [e.from, e.to]), [['A', 'B'], ['B', 'C'], ['C', 'D']]);
  assert.equal(t.edges.filter((e) => e.from === 'A').length, 1);
  assert.equal(t.cost, 300);
  assert.deepEqual(t.unreachable, []);
});

test('a lone root is a tree of no links; an unknown root is an error', () => {
  const g = build(['a'], []);
  assert.deepEqual(minimumArborescence(g, { root: 'a' }), { root: 'a', edges: [], cost: 0, unreachable: [] });
  assert.throws(() => minimumArborescence(g, { root: 'zz' }), (e: unknown) => e instanceof UnknownRepositoryError && e.code === 'EUNKNOWNREPO');
});

test('a branching from several roots gives each other repository one parent, none to the roots', () => {
  const g = build(['a', 'b', 'x', 'y'], [up('a', 'x', 5), up('b', 'x', 3), up('a', 'b', 0), up('x', 'y', 1), up('b', 'y', 9), up('y', 'a', 0)]);
  const f = minimumBranching(g, { roots: ['b', 'a'] });
  assert.deepEqual(f.roots, ['a', 'b']);
  assert.deepEqual(f.edges.map((e) => [e.from, e.to]), [['b', 'x'], ['x', 'y']]);
  assert.equal(f.cost, 4);
  const within = minimumBranching(g, { roots: ['a'], within: new Set(['b', 'y']) });
  assert.deepEqual(within.edges.map((e) => [e.from, e.to]), [['a', 'b'], ['b', 'y']]);
  assert.deepEqual(within.unreachable, ['x']);
});
