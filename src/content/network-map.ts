// The network map of a repository: every known repository, the links all of them published, and this repository's own remotes.

import type { Annex } from '../annex/annex.js';
import { readPublishedLinks, type PublishedLink } from '../annex/logs/network.js';
import { UUID_LOG } from '../annex/logs/paths.js';
import { trustLevels } from '../annex/logs/trust.js';
import { repositoryDescriptions } from '../annex/logs/uuid.js';
import { addLink, addRepository, createRepoGraph, type RepoGraph } from '../network/graph.js';
import { readRemoteConfigs } from '../remotes/index.js';
import { specialRemoteConfigs } from '../annex/logs/remote.js';
import { ownLinks, REMOTE_LINK_COST, type OwnLink, type OwnLinkOptions } from './own-links.js';

/** Whether the git-annex branch at `ref` lists `uuids` in its uuid.log: which of them it knows. */
async function knownAt(annex: Annex, ref: string, uuids: readonly string[]): Promise<Set<string>> {
  const r = await annex.git.tryRun(['cat-file', 'blob', `${ref}:${UUID_LOG}`]);
  const text = r.code === 0 ? r.stdout.toString('utf8') : '';
  return new Set(uuids.filter((u) => text.includes(u)));
}

/**
 * Links for repositories that publish none (git-annex repositories: only arbor writes
 * arbor/network.log). Such a repository still syncs: it reached the network through some remote
 * it shares with us, and its UUID came to us in that remote's git-annex branch. So it is linked
 * both ways, at the default cost of a remote, with every remote of ours whose tracking
 * git-annex branch (refs/remotes/<name>/git-annex) knows it, unless we link to it ourselves.
 * The links are marked inferred: drawn apart, and never published.
 */
async function inferredLinks(annex: Annex, silent: readonly string[], own: readonly OwnLink[]): Promise<Array<{ from: string; to: string; cost: number; available: boolean; inferred: true }>> {
  const direct = new Set(own.map((l) => l.to));
  const wanted = silent.filter((u) => !direct.has(u));
  if (wanted.length === 0) return [];
  const links: Array<{ from: string; to: string; cost: number; available: boolean; inferred: true }> = [];
  for (const l of own) {
    if (l.special === true) continue; // storage keeps no git-annex branch
    for (const peer of await knownAt(annex, `refs/remotes/${l.name}/git-annex`, wanted)) {
      links.push({ from: l.to, to: peer, cost: REMOTE_LINK_COST, available: l.available, inferred: true });
      links.push({ from: peer, to: l.to, cost: REMOTE_LINK_COST, available: l.available, inferred: true });
    }
  }
  return links;
}

/**
 * The UUIDs of special remotes: every remote.log entry (initremote writes one per special remote,
 * git repositories have none) and this repository's special remotes, whatever remote.log says yet.
 */
async function specialUuids(annex: Annex, own: readonly OwnLink[]): Promise<Set<string>> {
  const logged = [...(await specialRemoteConfigs(annex.branch))].filter(([, settings]) => (settings.get('type') ?? '') !== 'git').map(([uuid]) => uuid);
  return new Set([...logged, ...own.filter((l) => l.special === true).map((l) => l.to)]);
}

/**
 * Builds the network map: a node for every repository in uuid.log (and any a link names), dead
 * ones left out, each with the names this repository's remotes give it; links published by other
 * repositories from arbor/network.log; this repository's links from its own remotes as they are
 * now (its published ones may be stale); and for repositories that publish no links (git-annex
 * peers), links to the remotes they share with this one (see inferredLinks).
 *
 * Special remotes are nodes marked `special`. They run nothing, so they publish no links and are
 * not taken for silent git-annex peers; instead every link X→S into one (X has S enabled) gets
 * its reverse S→X at the same cost: "X can fetch from S". So two copies that share only a special
 * remote are connected through it, and a plan A→S→B reads: A sends to S, B fetches from S.
 */
export async function buildNetworkMap(annex: Annex, options: OwnLinkOptions = {}): Promise<RepoGraph> {
  const descriptions = await repositoryDescriptions(annex.branch);
  const trust = await trustLevels(annex.branch);
  const dead = (uuid: string): boolean => trust.get(uuid) === 'dead';
  const allPublished = await readPublishedLinks(annex.branch);
  const published: PublishedLink[] = allPublished.filter((l) => l.from !== annex.uuid);
  const own = await ownLinks(annex, options);
  const special = await specialUuids(annex, own);
  const publishers = new Set([annex.uuid, ...allPublished.map((l) => l.from)]);
  const silent = [...descriptions.keys()].filter((u) => !publishers.has(u) && !dead(u) && !special.has(u));
  const forward = [
    ...published.filter((l) => !special.has(l.from)).map((l) => ({ from: l.from, to: l.to, cost: l.cost, available: l.available })),
    ...own.map((l) => ({ from: annex.uuid, to: l.to, cost: l.cost, available: l.available })),
  ];
  const fetches = forward.filter((l) => special.has(l.to)).map((l) => ({ from: l.to, to: l.from, cost: l.cost, available: l.available }));
  const links = [...forward, ...fetches, ...(await inferredLinks(annex, silent, own))].filter((l) => !dead(l.from) && !dead(l.to));

  const names = new Map<string, Set<string>>();
  const nameIt = (uuid: string, name: string): void => void (names.get(uuid) ?? names.set(uuid, new Set()).get(uuid))?.add(name);
  for (const l of own) nameIt(l.to, l.name);
  for (const c of await readRemoteConfigs(annex)) if (c.uuid !== undefined && !c.ignore) nameIt(c.uuid, c.name);

  const g = createRepoGraph();
  const uuids = new Set([...descriptions.keys(), annex.uuid, ...links.flatMap((l) => [l.from, l.to])]);
  for (const uuid of [...uuids].sort()) {
    if (dead(uuid) && uuid !== annex.uuid) continue;
    addRepository(g, uuid, {
      description: descriptions.get(uuid) ?? '',
      here: uuid === annex.uuid,
      remotes: [...(names.get(uuid) ?? [])].sort(),
      ...(special.has(uuid) && uuid !== annex.uuid ? { special: true } : {}),
    });
  }
  for (const link of links) addLink(g, link);
  return g;
}
