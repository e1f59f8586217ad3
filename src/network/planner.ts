// The transfer planner: which repository sends a key's content to which, from a network map.

import type { ArborescenceEdge } from './arborescence.js';
import { minimumBranching } from './arborescence.js';
import type { RepoGraph } from './graph.js';

/** What to plan for one key. */
export interface PlanOptions {
  graph: RepoGraph;
  /** Repositories that have the content (from the location log); they are never targets. */
  have: Iterable<string>;
  /** Whether a repository wants the content (its preferred-content expression; default: all want). */
  wants: (uuid: string) => boolean;
  /** Copies that should exist after the plan; repositories that do not want the content are added, cheapest first, to reach it. */
  numcopies?: number;
}

/**
 * How a key's content travels (`git arbor plan --json` prints root, edges, cost, unreachable).
 * `edges` lists each transfer once, a sender always before the repositories it sends to;
 * every repository in it receives the content exactly once.
 */
export interface TransferPlan {
  /** The holder the plan is drawn from: the one marked `here` if it holds the content, else the first by UUID; null when no holder is in the map. */
  root: string | null;
  /** Every holder in the map: with several, the plan is a forest with one tree per holder that sends. */
  sources: string[];
  edges: ArborescenceEdge[];
  cost: number;
  /** Repositories that want the content but that no available path from a holder reaches, sorted. */
  unreachable: string[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Drops, repeatedly, the leaves that are not targets: they would only receive content to keep
 * nothing and forward nothing. `edges` is parents-before-children, so one backward pass sees
 * every child of a repository before the link into it.
 */
function prune(edges: readonly ArborescenceEdge[], targets: ReadonlySet<string>): ArborescenceEdge[] {
  const childCount = new Map<string, number>();
  for (const e of edges) childCount.set(e.from, (childCount.get(e.from) ?? 0) + 1);
  const keep = new Array<boolean>(edges.length).fill(true);
  for (let i = edges.length - 1; i >= 0; i--) {
    const e = edges[i] as ArborescenceEdge;
    if (!targets.has(e.to) && (childCount.get(e.to) ?? 0) === 0) {
      keep[i] = false;
      childCount.set(e.from, (childCount.get(e.from) ?? 0) - 1);
    }
  }
  return edges.filter((_, i) => keep[i]);
}

const sum = (edges: readonly ArborescenceEdge[]): number => edges.reduce((s, e) => s + e.cost, 0);

/**
 * The cheapest link from a repository in the plan (or a holder) to one not yet in it, by
 * (cost, from, to, edge key); undefined when there is none.
 */
function cheapestExtension(g: RepoGraph, inPlan: ReadonlySet<string>): ArborescenceEdge | undefined {
  const before = (x: ArborescenceEdge, y: ArborescenceEdge): boolean =>
    (x.cost - y.cost || cmp(x.from, y.from) || cmp(x.to, y.to) || cmp(x.edgeKey, y.edgeKey)) < 0;
  let best: ArborescenceEdge | undefined;
  g.forEachEdge((edgeKey, a, from, to) => {
    if (!a.available || !inPlan.has(from) || inPlan.has(to)) return;
    const c: ArborescenceEdge = { from, to, cost: a.cost, edgeKey };
    if (best === undefined || before(c, best)) best = c;
  });
  return best;
}

/**
 * Plans the transfers of one key's content.
 *
 * Delivering to exactly the repositories that want the content, possibly through others that
 * only forward it, is the directed Steiner tree problem, which is NP-hard. We approximate: take
 * the minimum-cost branching from all holders (a virtual super-root with zero-cost links to each
 * holder, stripped afterwards) over every reachable repository, then prune, repeatedly, the
 * leaves that do not want the content. A relay survives only when something that wants the
 * content hangs below it. Because the branching was optimal for reaching *everything*, a relay
 * can remain where a direct link would have been cheaper for the targets alone (A->X 100,
 * X->B 1, A->B 50 keeps A->X->B); so we also compute the branching restricted to holders and
 * targets, and take it instead when it reaches as many targets for no more cost. Neither is
 * optimal in every network; both are exact when every repository wants the content.
 */
export function planTransfer(options: PlanOptions): TransferPlan {
  const g = options.graph;
  const have = new Set(options.have);
  const sources = [...have].filter((u) => g.hasNode(u)).sort(cmp);
  const targets = new Set(g.filterNodes((u) => !have.has(u) && options.wants(u)));
  if (sources.length === 0) return { root: null, sources, edges: [], cost: 0, unreachable: [...targets].sort(cmp) };

  const full = minimumBranching(g, { roots: sources, required: targets });
  let edges = prune(full.edges, targets);
  const direct = minimumBranching(g, { roots: sources, required: targets, within: targets });
  if (direct.unreachable.length === full.unreachable.length && direct.cost <= sum(edges)) edges = direct.edges;

  // numcopies: holders (also those missing from the map) and recipients each keep a copy.
  const inPlan = new Set([...sources, ...edges.map((e) => e.to)]);
  for (let copies = have.size + edges.length; copies < (options.numcopies ?? 0); copies++) {
    const extra = cheapestExtension(g, inPlan);
    if (extra === undefined) break;
    edges = [...edges, extra];
    inPlan.add(extra.to);
  }
  const root = sources.find((u) => g.getNodeAttribute(u, 'here') === true) ?? (sources[0] as string);
  return { root, sources, edges, cost: sum(edges), unreachable: full.unreachable };
}

/** The repositories `uuid` must send to under `plan`, cheapest link first (then by UUID). */
export function childrenOf(plan: TransferPlan, uuid: string): string[] {
  return plan.edges
    .filter((e) => e.from === uuid)
    .sort((x, y) => x.cost - y.cost || cmp(x.to, y.to))
    .map((e) => e.to);
}
