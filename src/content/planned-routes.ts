// The routes of the assistant: this repository's part in each file's minimum-cost plan over the network map (content/plan-targets.ts).

import type { PreferredContent } from '../annex/preferred-content.js';
import type { RepoGraph } from '../network/graph.js';
import type { AnnexedFile } from './annexed-files.js';
import type { ContentRoutes } from './content-pass.js';
import { planTargets, type PlanRemote, type PlanTargets } from './plan-targets.js';

/**
 * Content here goes only to this repository's children in the plan, cheapest first; content
 * missing here is fetched only when this repository wants it and no sender in the plan reaches it,
 * or from a special remote that is its parent in the plan (storage sends nothing). Remotes in
 * `unavailable` are left out of the plan, so it routes around them. Every plan that reaches,
 * or fails to reach, some repository is added to `plans` (the caller reports who waits).
 */
export function plannedRoutes(options: {
  readonly here: string;
  readonly graph: RepoGraph;
  readonly preferred: PreferredContent;
  /** Connected remotes, cheapest first. */
  readonly remotes: readonly PlanRemote[];
  readonly unavailable: ReadonlySet<string>;
  readonly plans: PlanTargets[];
}): ContentRoutes {
  const { here, graph, preferred, remotes, unavailable, plans } = options;
  const plan = async (file: AnnexedFile, locations: readonly string[], present: boolean): Promise<PlanTargets> => {
    const usable = remotes.filter((r) => !unavailable.has(r.name));
    const t = await planTargets({ graph, preferred, here, file, locations, present, remotes: usable });
    if (t.unreachable.length || t.unroutable.length || t.reached.length) plans.push(t);
    return t;
  };
  return {
    receive: async (file, locations) => {
      const t = await plan(file, locations, false);
      if (t.receive !== 'fetch' || t.fetchFrom.length === 0) return { fetch: false };
      // From a special remote that is this repository's parent in the plan: from it alone.
      return t.fetchParent ? { fetch: true, from: t.fetchParent.name } : { fetch: true };
    },
    send: async (file, locations) => (await plan(file, locations, true)).send.map((r) => r.name),
  };
}
