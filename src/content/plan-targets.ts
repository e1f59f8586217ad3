// What one repository does with one file's content under the transfer plan: which of its remotes it sends to, and whether it fetches.
//
// The planner (network/planner.ts) draws the tree a key's content travels from the repositories
// that have it to those that want it. Every repository running the assistant computes the same
// tree from its own map and plays its part: it sends only to its children, and a child that
// receives the content forwards it to its own children (content-level re-push). So each link of
// the tree carries the content once, and the holder at the root sends once per child.
//
// Edges of the map mean "can send to" (the sender has a remote for the receiver). A repository
// that no sender reaches (say a clone of a bare hub: the hub runs nothing and publishes no links)
// still has its own remotes to pull from; for it alone, fetching is the way in. A special remote
// (a folder, a cloud) is a node that runs nothing: a link out of it means the repository at the
// other end fetches from it, so a child of a special remote in the plan fetches its content there.
import type { Key } from '../annex/key.js';
import type { PreferredContent } from '../annex/preferred-content.js';
import type { RepoGraph } from '../network/graph.js';
import { childrenOf, planTransfer, type TransferPlan } from '../network/planner.js';

/** One of this repository's remotes, by name and the annex UUID of the repository it reaches. */
export interface PlanRemote {
  readonly name: string;
  readonly uuid: string;
}

/** Everything planTargets needs about one file. */
export interface PlanTargetsInput {
  /** The network map (buildNetworkMap), with this repository's own links as they are now. */
  readonly graph: RepoGraph;
  readonly preferred: PreferredContent;
  /** This repository's UUID. */
  readonly here: string;
  /** The file: path relative to the work tree top (for include=/exclude=) and key. */
  readonly file: { readonly path: string; readonly key: Key };
  /** Repositories the location log lists as having the content. */
  readonly locations: readonly string[];
  /** Whether this repository's object store has the content (it overrides the location log for here). */
  readonly present: boolean;
  /** This repository's usable remotes, cheapest first; the first remote per UUID is the one sent through. */
  readonly remotes: readonly PlanRemote[];
}

/**
 * How the content reaches this repository: `none` (it has it, or neither wants nor relays it),
 * `sent` (a repository of the plan sends it here: wait for it), `fetch` (it wants the content and
 * no available path from a holder reaches it: get it from one of its remotes that has it; or its
 * parent in the plan is a special remote that has it: get it from there).
 */
export type Receive = 'none' | 'sent' | 'fetch';

/** This repository's part in one file's plan. */
export interface PlanTargets {
  readonly plan: TransferPlan;
  /** Repositories that have the content, without dead ones, sorted. */
  readonly have: readonly string[];
  /**
   * The remotes to send to once the content is here: this repository's children in the plan,
   * cheapest link first. Each wants the content or relays it to one that does.
   */
  readonly send: readonly PlanRemote[];
  /** Children in the plan that none of `remotes` reaches (not sent to). */
  readonly unroutable: readonly string[];
  /** Whether this repository wants the content and lacks it. */
  readonly wantedHere: boolean;
  readonly receive: Receive;
  /** Where to fetch from: the remotes that have the content, cheapest first; or the special remote that is this repository's parent in the plan. */
  readonly fetchFrom: readonly PlanRemote[];
  /** The special remote this repository fetches from as its parent in the plan (absent otherwise). */
  readonly fetchParent?: PlanRemote;
  /** Repositories that want the content and that no available path from a holder reaches. */
  readonly unreachable: readonly string[];
  /** Repositories the plan delivers to. */
  readonly reached: readonly string[];
}

/**
 * Plans one file over the map and returns this repository's part in it. Numcopies is left to
 * drops, as in git-annex's assistant: transfers follow preferred content only, so the plan holds
 * the repositories that want the content and the relays that lead to them.
 */
export async function planTargets(input: PlanTargetsInput): Promise<PlanTargets> {
  const { graph, preferred, here } = input;
  const have = new Set(input.locations.filter((u) => preferred.config.trust.get(u) !== 'dead'));
  if (input.present) have.add(here);
  else have.delete(here);
  const subject = { path: input.file.path, size: input.file.key.size, backend: input.file.key.backend, locations: [...have] };
  const wanted = new Set<string>();
  for (const uuid of graph.nodes()) {
    if (!have.has(uuid) && (await preferred.wants({ uuid, subject }))) wanted.add(uuid);
  }
  const plan = planTransfer({ graph, have, wants: (u) => wanted.has(u) });

  const byUuid = new Map<string, PlanRemote>();
  for (const r of input.remotes) if (!byUuid.has(r.uuid)) byUuid.set(r.uuid, r);
  const send: PlanRemote[] = [];
  const unroutable: string[] = [];
  for (const child of childrenOf(plan, here)) {
    const remote = byUuid.get(child);
    if (remote) send.push(remote);
    else unroutable.push(child);
  }

  const wantedHere = wanted.has(here);
  const parent = plan.edges.find((e) => e.to === here)?.from;
  const fromSpecial = parent !== undefined && graph.hasNode(parent) && graph.getNodeAttribute(parent, 'special') === true;
  const fetchFrom = input.remotes.filter((r) => have.has(r.uuid));
  if (fromSpecial && !input.present) {
    // A special remote sends nothing: its link to here means here fetches, once it has the content
    // (until then the repository sending to it is at work, and here waits like any receiver).
    const source = parent !== undefined && have.has(parent) ? byUuid.get(parent) : undefined;
    return { plan, have: [...have].sort(), send, unroutable, wantedHere, receive: source ? 'fetch' : 'sent', fetchFrom: source ? [source] : [], ...(source ? { fetchParent: source } : {}), unreachable: plan.unreachable, reached: plan.edges.map((e) => e.to) };
  }
  const receive: Receive = input.present ? 'none' : parent !== undefined ? 'sent' : wantedHere ? 'fetch' : 'none';
  return {
    plan,
    have: [...have].sort(),
    send,
    unroutable,
    wantedHere,
    receive,
    fetchFrom,
    unreachable: plan.unreachable,
    reached: plan.edges.map((e) => e.to),
  };
}
