// The repository graph: annex repositories as nodes, "A can send to B" links with a cost as edges.

import { MultiDirectedGraph } from 'graphology';
import { ArborError } from '../util/errors.js';

/** What the network map knows about one repository (a node, keyed by its annex UUID). */
export interface RepositoryAttributes {
  /** The repository's description from uuid.log ('' when none is known). */
  description: string;
  /** Whether this is the repository arbor runs in. */
  here: boolean;
  /** The names this repository's remotes give it (empty for repositories it has no remote for). */
  remotes?: string[];
  /**
   * A special remote (a folder, a cloud): it stores content but runs nothing, so it never sends.
   * A link out of it means "the repository at the other end fetches from it".
   */
  special?: boolean;
}

/** One "from can send to `to`" link (an edge). Parallel links are allowed (two remotes, one repo). */
export interface LinkAttributes {
  /** Cost of sending over this link (git-annex annex-cost scale: lower is cheaper). Finite. */
  cost: number;
  /** False when the link was unusable lately (drive not mounted, host down): routed around. */
  available: boolean;
  /**
   * True for a link nobody published but the map assumes: between a repository that publishes no
   * links (git-annex) and a remote it shares with this one (see content/network-map.ts).
   */
  inferred?: boolean;
}

/**
 * The network map. A graphology multigraph so that the map can be drawn and queried with the
 * graphology ecosystem; nodes are UUIDs, edge keys are unique per graph.
 */
export type RepoGraph = MultiDirectedGraph<RepositoryAttributes, LinkAttributes>;

/** A link to add: endpoints (which must already be repositories of the graph) and attributes. */
export interface Link extends LinkAttributes {
  from: string;
  to: string;
  /** Edge key; by default derived from the link itself (see linkKey), so insertion order never matters. */
  key?: string;
}

/** The JSON form of one repository, as `git arbor map --format json` prints it. */
export interface RepositoryJson {
  uuid: string;
  description: string;
  here: boolean;
  /** Remote names this repository gives it; absent when none. */
  remotes?: string[];
  /** Present (true) for a special remote: links out of it are fetches by the receiver. */
  special?: boolean;
}

/** The JSON form of one link, as `git arbor map --format json` prints it. */
export interface LinkJson {
  from: string;
  to: string;
  cost: number;
  available: boolean;
  /** Present (true) for a link the map assumes rather than one a repository published. */
  inferred?: boolean;
}

/** `git arbor map --format json`: `{"nodes":[{uuid,description,here}],"edges":[{from,to,cost,available}]}`. */
export interface RepoGraphJson {
  nodes: RepositoryJson[];
  edges: LinkJson[];
}

/** A link or a network map that cannot be represented (bad cost, bad JSON shape). */
export class InvalidRepoGraphError extends ArborError {
  constructor(message: string, data: Readonly<Record<string, unknown>> = {}) {
    super('EREPOGRAPH', message, { data });
    this.name = 'InvalidRepoGraphError';
  }
}

/** A UUID that is not a repository of the network map. */
export class UnknownRepositoryError extends ArborError {
  constructor(uuid: string) {
    super('EUNKNOWNREPO', `repository ${uuid} is not in the network map`, { data: { uuid } });
    this.name = 'UnknownRepositoryError';
  }
}

/** An empty network map. */
export function createRepoGraph(): RepoGraph {
  return new MultiDirectedGraph<RepositoryAttributes, LinkAttributes>();
}

/** Adds a repository, or replaces the attributes of one already in the map. */
export function addRepository(g: RepoGraph, uuid: string, attrs: RepositoryAttributes): void {
  if (uuid === '') throw new InvalidRepoGraphError('a repository needs a non-empty UUID');
  g.mergeNode(uuid, {
    description: attrs.description,
    here: attrs.here,
    ...(attrs.remotes?.length ? { remotes: [...attrs.remotes] } : {}),
    ...(attrs.special === true ? { special: true } : {}),
  });
}

/**
 * The default key of a link: its endpoints, cost and availability, plus `#n` for the n-th
 * identical duplicate. Derived from content (not from a counter) so that the same links added in
 * any order give the same keys, which keeps tie-breaking on keys order-independent.
 */
function linkKey(g: RepoGraph, link: Link): string {
  const base = `${link.from}->${link.to}:${link.cost}${link.available ? '' : ':down'}${link.inferred === true ? ':inferred' : ''}`;
  if (!g.hasEdge(base)) return base;
  for (let n = 2; ; n++) {
    const key = `${base}#${n}`;
    if (!g.hasEdge(key)) return key;
  }
}

/**
 * Adds a link "from can send to `to`"; both repositories must already be in the map. Returns the
 * edge key. Self-links are rejected: a repository never sends to itself.
 */
export function addLink(g: RepoGraph, link: Link): string {
  if (!g.hasNode(link.from)) throw new UnknownRepositoryError(link.from);
  if (!g.hasNode(link.to)) throw new UnknownRepositoryError(link.to);
  if (link.from === link.to) throw new InvalidRepoGraphError(`a repository cannot link to itself: ${link.from}`, { uuid: link.from });
  if (!Number.isFinite(link.cost)) {
    throw new InvalidRepoGraphError(`link ${link.from} -> ${link.to} has no finite cost: ${link.cost}`, { from: link.from, to: link.to });
  }
  const key = link.key ?? linkKey(g, link);
  if (g.hasEdge(key)) throw new InvalidRepoGraphError(`duplicate link key: ${key}`, { key });
  g.addDirectedEdgeWithKey(key, link.from, link.to, { cost: link.cost, available: link.available, ...(link.inferred === true ? { inferred: true } : {}) });
  return key;
}

/** Code-unit order (not locale order): the same everywhere, like git's own sorting. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The map as JSON, nodes sorted by UUID and edges by (from, to, cost, unavailable first). */
export function toJson(g: RepoGraph): RepoGraphJson {
  const nodes: RepositoryJson[] = g.mapNodes((uuid, a) => ({
    uuid,
    description: a.description,
    here: a.here,
    ...(a.remotes?.length ? { remotes: [...a.remotes] } : {}),
    ...(a.special === true ? { special: true } : {}),
  }));
  nodes.sort((x, y) => cmp(x.uuid, y.uuid));
  const edges: LinkJson[] = g.mapEdges((_key, a, from, to) => ({ from, to, cost: a.cost, available: a.available, ...(a.inferred === true ? { inferred: true } : {}) }));
  edges.sort((x, y) => cmp(x.from, y.from) || cmp(x.to, y.to) || x.cost - y.cost || Number(x.available) - Number(y.available));
  return { nodes, edges };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldError(name: string, type: string, where: string): InvalidRepoGraphError {
  return new InvalidRepoGraphError(`network map JSON: ${where} needs a ${type} "${name}"`, { where, field: name });
}

function stringField(obj: Record<string, unknown>, name: string, where: string): string {
  const v = obj[name];
  if (typeof v !== 'string') throw fieldError(name, 'string', where);
  return v;
}

function booleanField(obj: Record<string, unknown>, name: string, where: string): boolean {
  const v = obj[name];
  if (typeof v !== 'boolean') throw fieldError(name, 'boolean', where);
  return v;
}

function numberField(obj: Record<string, unknown>, name: string, where: string): number {
  const v = obj[name];
  if (typeof v !== 'number') throw fieldError(name, 'number', where);
  return v;
}

/** Reads the JSON form back (the inverse of toJson); throws InvalidRepoGraphError on a bad shape. */
export function fromJson(json: unknown): RepoGraph {
  if (!isRecord(json) || !Array.isArray(json.nodes) || !Array.isArray(json.edges)) {
    throw new InvalidRepoGraphError('network map JSON needs "nodes" and "edges" arrays');
  }
  const g = createRepoGraph();
  json.nodes.forEach((n: unknown, i) => {
    const where = `nodes[${i}]`;
    if (!isRecord(n)) throw new InvalidRepoGraphError(`network map JSON: ${where} is not an object`);
    const uuid = stringField(n, 'uuid', where);
    if (g.hasNode(uuid)) throw new InvalidRepoGraphError(`network map JSON: repository ${uuid} appears twice`, { uuid });
    const remotes = Array.isArray(n.remotes) ? n.remotes.filter((r): r is string => typeof r === 'string') : [];
    addRepository(g, uuid, { description: stringField(n, 'description', where), here: booleanField(n, 'here', where), remotes, ...(n.special === true ? { special: true } : {}) });
  });
  json.edges.forEach((e: unknown, i) => {
    const where = `edges[${i}]`;
    if (!isRecord(e)) throw new InvalidRepoGraphError(`network map JSON: ${where} is not an object`);
    addLink(g, {
      from: stringField(e, 'from', where),
      to: stringField(e, 'to', where),
      cost: numberField(e, 'cost', where),
      available: booleanField(e, 'available', where),
      ...(e.inferred === true ? { inferred: true } : {}),
    });
  });
  return g;
}
