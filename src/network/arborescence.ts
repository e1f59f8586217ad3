// Minimum-cost spanning arborescence (Chu–Liu/Edmonds in Tarjan's O(E log V) form) over a RepoGraph.

import type { RepoGraph } from './graph.js';
import { UnknownRepositoryError } from './graph.js';
import { ArborError } from '../util/errors.js';

/** One link of a tree: `from` sends to `to` over the graph edge `edgeKey`. */
export interface ArborescenceEdge {
  from: string;
  to: string;
  cost: number;
  edgeKey: string;
}

/**
 * A minimum-cost arborescence. `edges` covers every repository reachable from `root` over
 * available links, parents before children (breadth first, each repository's links cheapest
 * first); `unreachable` lists the required repositories that no path reaches, sorted.
 */
export interface Arborescence {
  root: string;
  edges: ArborescenceEdge[];
  cost: number;
  unreachable: string[];
}

/** A minimum-cost branching: like Arborescence, with several roots (a forest). */
export interface Branching {
  roots: string[];
  edges: ArborescenceEdge[];
  cost: number;
  unreachable: string[];
}

/** Which tree to compute: its root and the repositories that must be in it (default: all). */
export interface ArborescenceOptions {
  root: string;
  required?: Iterable<string>;
}

/** Which forest to compute: its roots and the repositories that must be in it (default: all). */
export interface BranchingOptions {
  roots: Iterable<string>;
  required?: Iterable<string>;
  /** Only these repositories (and the roots) may be in the forest; default: all. */
  within?: ReadonlySet<string>;
}

/** Code-unit order, the same everywhere (never locale order). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The minimum-cost arborescence rooted at `root` over the available links. Ties between links
 * are broken by (cost, from UUID, to UUID, edge key), and repositories are numbered in UUID
 * order, so the same graph gives the same tree whatever order it was built in.
 */
export function minimumArborescence(g: RepoGraph, options: ArborescenceOptions): Arborescence {
  const b = minimumBranching(g, { roots: [options.root], ...(options.required === undefined ? {} : { required: options.required }) });
  return { root: options.root, edges: b.edges, cost: b.cost, unreachable: b.unreachable };
}

/**
 * The minimum-cost branching in which every root has no parent and every other repository
 * reachable from a root has exactly one. Computed as the arborescence from a virtual super-root
 * with a zero-cost link to each root; the virtual links are not part of the result.
 */
export function minimumBranching(g: RepoGraph, options: BranchingOptions): Branching {
  const roots = [...new Set(options.roots)].sort(cmp);
  for (const r of roots) if (!g.hasNode(r)) throw new UnknownRepositoryError(r);
  const rootSet = new Set(roots);
  const within = options.within;
  // A link is usable when it is available and leads to a repository that may take a parent.
  const usable = (to: string, available: boolean): boolean => available && !rootSet.has(to) && (within?.has(to) ?? true);

  // Breadth-first reachability from the roots over usable links.
  const reached = new Set(roots);
  const queue = [...roots];
  for (let i = 0; i < queue.length; i++) {
    g.forEachOutEdge(queue[i] as string, (_key, a, _from, to) => {
      if (usable(to, a.available) && !reached.has(to)) {
        reached.add(to);
        queue.push(to);
      }
    });
  }
  // Number repositories in UUID order; the virtual super-root is number n.
  const ids = [...reached].sort(cmp);
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  const n = ids.length;

  const links: { f: number; t: number; c: number; k: string }[] = [];
  g.forEachEdge((k, a, from, to) => {
    const f = index.get(from);
    const t = index.get(to);
    if (f !== undefined && t !== undefined && f !== t && usable(to, a.available)) links.push({ f, t, c: a.cost, k });
  });
  links.sort((x, y) => x.c - y.c || x.f - y.f || x.t - y.t || cmp(x.k, y.k));
  // Edge number = tie-break rank; the virtual links to the roots come last (they never compete).
  const m = links.length + roots.length;
  const from = new Int32Array(m);
  const to = new Int32Array(m);
  const cost = new Float64Array(m);
  links.forEach((l, e) => {
    from[e] = l.f;
    to[e] = l.t;
    cost[e] = l.c;
  });
  roots.forEach((r, i) => {
    from[links.length + i] = n;
    to[links.length + i] = index.get(r) as number;
  });
  const parent = solve({ n: n + 1, root: n, from, to, cost });

  // Children of each repository, cheapest link first (edge numbers are in rank order).
  const chosen = [...parent.subarray(0, n)].filter((e) => e < links.length).sort((x, y) => x - y);
  const children: number[][] = Array.from({ length: n }, () => []);
  for (const e of chosen) children[from[e] as number]?.push(e);
  const edges: ArborescenceEdge[] = [];
  let total = 0;
  const order = roots.map((r) => index.get(r) as number);
  for (let i = 0; i < order.length; i++) {
    for (const e of children[order[i] as number] ?? []) {
      const l = links[e] as (typeof links)[number];
      edges.push({ from: ids[l.f] as string, to: ids[l.t] as string, cost: l.c, edgeKey: l.k });
      total += l.c;
      order.push(l.t);
    }
  }
  const required = options.required === undefined ? g.nodes() : [...new Set(options.required)];
  const unreachable = required.filter((u) => !reached.has(u)).sort(cmp);
  return { roots, edges, cost: total, unreachable };
}

/** The arborescence problem in numbers: edges ordered by tie-break rank, all nodes reachable. */
interface Problem {
  n: number;
  root: number;
  from: Int32Array;
  to: Int32Array;
  cost: Float64Array;
}

/**
 * Tarjan's O(E log V) Chu–Liu/Edmonds (with the Camerini et al. correction for recovering the
 * edges), returning the chosen incoming edge of every node (-1 for the root). Each node keeps a
 * leftist heap of its incoming edges with a lazy "subtract" so that contracting a cycle just
 * melds the heaps; contractions are union-find joins without path compression so that they can
 * be rolled back, cycle by cycle in reverse, to expand the contracted cycles into real edges.
 * Precondition: every node is reachable from the root (the caller restricts to reachable ones).
 * With non-integer costs the reduced costs are floating-point differences, so ties between
 * fractional costs may be resolved by rounding; integer costs are exact.
 */
function solve(p: Problem): Int32Array {
  const { n, root, from, to, cost } = p;
  const m = from.length;
  // Heap node e is edge e. key[e] is its reduced cost once the pending lazy[e] (which also
  // applies to e's whole subtree) has been pushed down; rank[e] is the leftist null-path length.
  const key = Float64Array.from(cost);
  const lazy = new Float64Array(m);
  const left = new Int32Array(m).fill(-1);
  const right = new Int32Array(m).fill(-1);
  const rank = new Int32Array(m).fill(1);
  const push = (a: number): void => {
    const d = lazy[a] as number;
    if (d === 0) return;
    key[a] = (key[a] as number) + d;
    const l = left[a] as number;
    const r = right[a] as number;
    if (l >= 0) lazy[l] = (lazy[l] as number) + d;
    if (r >= 0) lazy[r] = (lazy[r] as number) + d;
    lazy[a] = 0;
  };
  // Recursion depth is bounded by the two right spines: O(log m) in a leftist heap.
  const meld = (a: number, b: number): number => {
    if (a < 0) return b;
    if (b < 0) return a;
    push(a);
    push(b);
    if ((key[b] as number) < (key[a] as number) || (key[b] === key[a] && b < a)) [a, b] = [b, a];
    right[a] = meld(right[a] as number, b);
    const l = left[a] as number;
    const r = right[a] as number;
    if ((l < 0 ? 0 : (rank[l] as number)) < (rank[r] as number)) {
      left[a] = r;
      right[a] = l;
    }
    rank[a] = (right[a] as number) < 0 ? 1 : (rank[right[a] as number] as number) + 1;
    return a;
  };
  const heap = new Int32Array(n).fill(-1);
  for (let e = 0; e < m; e++) heap[to[e] as number] = meld(heap[to[e] as number] as number, e);

  // Union-find by size with a join history, so joins can be undone (no path compression).
  const up = Int32Array.from({ length: n }, (_, i) => i);
  const size = new Int32Array(n).fill(1);
  const history: number[] = [];
  const find = (x: number): number => {
    while (up[x] !== x) x = up[x] as number;
    return x;
  };
  const join = (x: number, y: number): boolean => {
    x = find(x);
    y = find(y);
    if (x === y) return false;
    if ((size[x] as number) < (size[y] as number)) [x, y] = [y, x];
    up[y] = x;
    size[x] = (size[x] as number) + (size[y] as number);
    history.push(y);
    return true;
  };
  const rollback = (time: number): void => {
    while (history.length > time) {
      const y = history.pop() as number;
      const x = up[y] as number;
      size[x] = (size[x] as number) - (size[y] as number);
      up[y] = y;
    }
  };

  // seen[c] = the start node whose walk claimed component c (-1: not yet claimed).
  const seen = new Int32Array(n).fill(-1);
  seen[root] = root;
  const path = new Int32Array(n);
  const walk = new Int32Array(n);
  const incoming = new Int32Array(n).fill(-1);
  const cycles: { c: number; time: number; edges: Int32Array }[] = [];
  for (let s = 0; s < n; s++) {
    let u = s;
    let depth = 0;
    while ((seen[u] as number) < 0) {
      const e = heap[u] as number;
      if (e < 0) throw new ArborError('EINTERNAL', `arborescence: node ${u} has no incoming edge`);
      push(e);
      // Take the cheapest edge and make it cost zero: the rest of the heap drops by its cost.
      lazy[e] = -(key[e] as number);
      push(e);
      heap[u] = meld(left[e] as number, right[e] as number);
      walk[depth] = e;
      path[depth++] = u;
      seen[u] = s;
      u = find(from[e] as number);
      if (seen[u] === s) {
        // A cycle (or a self-loop of a contracted component): contract it into one node.
        let cyc = -1;
        const end = depth;
        const time = history.length;
        let w: number;
        do {
          w = path[--depth] as number;
          cyc = meld(cyc, heap[w] as number);
        } while (join(u, w));
        u = find(u);
        heap[u] = cyc;
        seen[u] = -1;
        cycles.push({ c: u, time, edges: walk.slice(depth, end) });
      }
    }
    for (let i = 0; i < depth; i++) incoming[find(to[walk[i] as number] as number)] = walk[i] as number;
  }
  // Expand the cycles, latest first: every member keeps its cycle edge except the one entered
  // by the edge chosen for the whole contracted node.
  for (let i = cycles.length - 1; i >= 0; i--) {
    const { c, time, edges } = cycles[i] as (typeof cycles)[number];
    rollback(time);
    const enter = incoming[c] as number;
    for (const e of edges) incoming[find(to[e] as number)] = e;
    incoming[find(to[enter] as number)] = enter;
  }
  incoming[root] = -1;
  return incoming;
}
