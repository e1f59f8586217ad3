// Benchmark of the network planner on random networks; prints JSON timings (median of a few runs, in ms).
// Run: node --import tsx bench/planner.bench.ts
import { performance } from 'node:perf_hooks';
import { minimumArborescence } from '../src/network/arborescence.js';
import type { RepoGraph } from '../src/network/graph.js';
import { addLink, addRepository, createRepoGraph } from '../src/network/graph.js';
import { planTransfer } from '../src/network/planner.js';
import { prng } from '../test/helpers/prng.js';

/** UUID-shaped names, so sorting and hashing cost what they will in real maps. */
function uuid(rnd: () => number): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`;
}

/**
 * A random network: a random spanning tree from the first repository (so most of it is
 * reachable), plus random links; git-annex-like costs (100..400) with ties, 5% unavailable.
 */
function network(nodes: number, links: number, seed: number): { g: RepoGraph; root: string } {
  const rnd = prng(seed);
  const g = createRepoGraph();
  const ids = Array.from({ length: nodes }, () => uuid(rnd));
  ids.forEach((id, i) => addRepository(g, id, { description: `repo ${i}`, here: i === 0 }));
  const link = (from: string, to: string): void => {
    addLink(g, { from, to, cost: 100 + 25 * Math.floor(rnd() * 13), available: rnd() > 0.05 });
  };
  for (let i = 1; i < nodes; i++) link(ids[Math.floor(rnd() * i)] as string, ids[i] as string);
  while (g.size < links) {
    const from = ids[Math.floor(rnd() * nodes)] as string;
    const to = ids[Math.floor(rnd() * nodes)] as string;
    if (from !== to) link(from, to);
  }
  return { g, root: ids[0] as string };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function time(runs: number, f: () => void): { medianMs: number; runsMs: number[] } {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    runsMs.push(Math.round((performance.now() - t0) * 10) / 10);
  }
  return { medianMs: median(runsMs), runsMs };
}

const results = [];
for (const [nodes, links] of [
  [1_000, 10_000],
  [10_000, 100_000],
] as const) {
  const t0 = performance.now();
  const { g, root } = network(nodes, links, nodes);
  const buildMs = Math.round(performance.now() - t0);
  let tree = { edges: 0, cost: 0, unreachable: 0 };
  const arborescence = time(5, () => {
    const t = minimumArborescence(g, { root });
    tree = { edges: t.edges.length, cost: t.cost, unreachable: t.unreachable.length };
  });
  // A realistic plan: three holders, every other repository but one in five wants the content.
  const holders = g.nodes().slice(0, 3);
  const plan = time(5, () => {
    planTransfer({ graph: g, have: holders, wants: (u) => u.charCodeAt(0) % 5 !== 0, numcopies: 2 });
  });
  results.push({ nodes, links, buildMs, tree, arborescence, plan });
}
console.log(JSON.stringify({ benchmark: 'network planner', node: process.version, results }, null, 2));
