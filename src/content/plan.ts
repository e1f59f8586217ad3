// Transfer plans for a file's content: who sends it to whom over the network map (`git arbor plan`).

import type { Annex } from '../annex/annex.js';
import type { Key } from '../annex/key.js';
import { keyLocations } from '../annex/logs/location.js';
import { loadPreferredContent, type PreferredContent } from '../annex/preferred-content.js';
import type { RepoGraph } from '../network/graph.js';
import { planTransfer, type TransferPlan } from '../network/planner.js';
import { UsageError } from '../util/errors.js';
import { listAnnexedFiles } from './annexed-files.js';
import { buildNetworkMap } from './network-map.js';
import type { OwnLinkOptions } from './own-links.js';

/** `git arbor plan --json`: `{"root": uuid, "edges": [{"from", "to", "cost"}], "cost": total, "unreachable": [uuid]}`. */
export interface PlanJson {
  root: string | null;
  edges: Array<{ from: string; to: string; cost: number }>;
  cost: number;
  unreachable: string[];
}

/** The JSON form of a plan (edges in sending order: a sender before the repositories it sends to). */
export function planToJson(plan: TransferPlan): PlanJson {
  return { root: plan.root, edges: plan.edges.map((e) => ({ from: e.from, to: e.to, cost: e.cost })), cost: plan.cost, unreachable: plan.unreachable };
}

/** What planning can reuse across files (each is built from the branch when absent). */
export interface PlanContext extends OwnLinkOptions {
  readonly graph?: RepoGraph;
  readonly preferred?: PreferredContent;
}

/** A file's plan, with what it was computed from. */
export interface FilePlan {
  /** Path relative to the work tree top. */
  readonly file: string;
  readonly key: Key;
  /** Repositories that have the content (location log, plus here when the object store has it). */
  readonly have: readonly string[];
  /** Repositories that want it and lack it. */
  readonly wanted: readonly string[];
  readonly plan: TransferPlan;
}

/**
 * Plans how the content of one annexed file (`path`, relative to the work tree top) travels:
 * from the repositories that have it to every repository in the map whose preferred content
 * wants it, plus the cheapest extra ones numcopies asks for.
 */
export async function planForFile(annex: Annex, path: string, context: PlanContext = {}): Promise<FilePlan> {
  const files = await listAnnexedFiles(annex, [path]);
  const file = files.length === 1 ? files[0] : undefined;
  if (file === undefined) {
    throw new UsageError(files.length === 0 ? `${path} is not an annexed file` : `${path} names ${files.length} annexed files; plan one at a time`, { path });
  }
  const graph = context.graph ?? (await buildNetworkMap(annex, context));
  const preferred = context.preferred ?? (await loadPreferredContent(annex.branch));
  const have = new Set((await keyLocations(annex.branch, file.key)).filter((u) => preferred.config.trust.get(u) !== 'dead'));
  if (await annex.store.has(file.key)) have.add(annex.uuid);
  const subject = { path: file.path, size: file.key.size, backend: file.key.backend, locations: [...have] };
  const wanted: string[] = [];
  for (const uuid of graph.nodes()) {
    if (!have.has(uuid) && (await preferred.wants({ uuid, subject }))) wanted.push(uuid);
  }
  const wants = new Set(wanted);
  const plan = planTransfer({ graph, have, wants: (u) => wants.has(u), numcopies: preferred.config.numcopies });
  return { file: file.path, key: file.key, have: [...have].sort(), wanted: wanted.sort(), plan };
}

/**
 * The plan for new content added here that every repository wants: the minimum-cost
 * arborescence from this repository over the map (what `git arbor map` highlights).
 */
export async function planForNewContent(annex: Annex, context: PlanContext = {}): Promise<TransferPlan> {
  const graph = context.graph ?? (await buildNetworkMap(annex, context));
  return planTransfer({ graph, have: [annex.uuid], wants: () => true });
}
