// This repository's own links (one per remote it can reach, with its cost) and their publication in arbor/network.log; the network map (network-map.ts) builds on them.

import { stat } from 'node:fs/promises';
import type { Annex } from '../annex/annex.js';
import { readPublishedLinks, writePublishedLinks, type LinkToPublish, type PublishedLink } from '../annex/logs/network.js';
import { REMOTE_LOG } from '../annex/logs/paths.js';
import { parseRemoteConfig } from '../annex/logs/remote-config.js';
import { parseUuidLog } from '../annex/logs/uuid-based.js';
import { localPathOf, uuidAtPath } from '../remotes/git-local.js';
import { readRemoteConfigs, readSpecialRemoteConfigs } from '../remotes/index.js';
import type { RemoteConfig } from '../remotes/remote.js';
import { specialRemoteCost } from '../remotes/special/special-type.js';

/** git-annex's default cost of a remote on a local path (Config/Cost.hs cheapRemoteCost). */
export const LOCAL_LINK_COST = 100;
/** git-annex's default cost of any other git remote (ssh, http: expensiveRemoteCost). */
export const REMOTE_LINK_COST = 200;

/** Throughput at and above which a link gets no cost penalty: 100 MB/s. */
const REFERENCE_BYTES_PER_SECOND = 100e6;

/** What recent transfers measured over a link (the transfer engine supplies it; both optional). */
export interface LinkMeasurement {
  readonly bytesPerSecond?: number;
  readonly latencyMs?: number;
}

/** Looks up the measurement of the link to one remote; undefined when nothing was measured. */
export type MeasureLink = (remote: { readonly name: string; readonly uuid: string }) => LinkMeasurement | undefined;

/**
 * A default cost adjusted by measurements: +100 per decade of throughput below 100 MB/s (10 MB/s
 * adds 100, 1 MB/s 200, capped at +300) and +1 per 10 ms of latency (capped at +100). Never lower
 * than `base`, so measurements only separate links that configuration left equal.
 */
export function adjustCost(base: number, measurement: LinkMeasurement | undefined): number {
  let cost = base;
  const bps = measurement?.bytesPerSecond;
  if (bps !== undefined && Number.isFinite(bps) && bps > 0 && bps < REFERENCE_BYTES_PER_SECOND) {
    cost += Math.min(300, Math.round(100 * Math.log10(REFERENCE_BYTES_PER_SECOND / bps)));
  }
  const latency = measurement?.latencyMs;
  if (latency !== undefined && Number.isFinite(latency) && latency > 0) cost += Math.min(100, Math.round(latency / 10));
  return cost;
}

/** One of this repository's links, with where its numbers came from. */
export interface OwnLink extends LinkToPublish {
  readonly name: string;
  readonly url: string;
  /** `config`: remote.<name>.annex-cost (used as is); `remote-log`: remote.log cost=; `default`: 100 local / 200 other. */
  readonly costSource: 'config' | 'remote-log' | 'default';
  /** Present (true) when the remote is a special remote (a folder, a cloud): storage that never sends. */
  readonly special?: boolean;
}

/** How to judge this repository's links. */
export interface OwnLinkOptions {
  /** Remote name → whether it answered in this sync (a fetch); undefined or absent: not tried. */
  readonly reachable?: ReadonlyMap<string, boolean | undefined>;
  /** Measured throughput and latency per remote (cost adjustment; explicit annex-cost is never adjusted). */
  readonly measure?: MeasureLink;
  /**
   * Record UUIDs learnt from local remotes' git config as remote.<name>.annex-uuid, as git-annex
   * does when it first uses a remote (default false: only read them).
   */
  readonly recordUuids?: boolean;
}

/** Which of two remotes reaching one repository to publish: available first, then cheaper, then by name. */
function better(a: OwnLink, b: OwnLink): boolean {
  if (a.available !== b.available) return a.available;
  return a.cost !== b.cost ? a.cost < b.cost : a.name < b.name;
}

async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}


/**
 * The link to a special remote: its cost as the remote itself uses it (special-type.ts:
 * annex-cost, remote.log cost=, the kind's default; never adjusted by measurements, so the map
 * and the transfers agree). Available: what the assistant found when it last tried it, else for
 * a directory whether the folder is there, else what was published last, else yes.
 */
async function specialLink(config: RemoteConfig, options: OwnLinkOptions, previous: ReadonlyMap<string, PublishedLink>): Promise<OwnLink | undefined> {
  const uuid = config.uuid;
  if (config.ignore || uuid === undefined || uuid === '') return undefined;
  const costSource: OwnLink['costSource'] = config.cost !== undefined ? 'config' : config.special?.settings.has('cost') ? 'remote-log' : 'default';
  const dir = config.special?.type === 'directory' ? config.special.settings.get('directory') : undefined;
  const available = options.reachable?.get(config.name) ?? (dir !== undefined ? await pathExists(dir) : previous.get(uuid)?.available ?? true);
  return { to: uuid, name: config.name, url: config.url, cost: specialRemoteCost(config), available, costSource, special: true };
}

/**
 * This repository's links: one per remote with a known annex UUID (remote.<name>.annex-uuid, or for
 * a local path the annex.uuid in its git config) that is not annex-ignore'd (the cheapest,
 * preferring available ones, when several remotes reach one repository).
 * Cost: remote.<name>.annex-cost, else remote.log `cost=`, else git-annex's defaults (100 for a
 * local path, 200 otherwise) adjusted by `measure`. Available: the sync's answer when it tried
 * the remote, else whether a local path exists (drive mounted), else what this repository
 * published last time, else yes. Special remotes are links too (specialLink).
 */
export async function ownLinks(annex: Annex, options: OwnLinkOptions = {}): Promise<OwnLink[]> {
  const remoteLog = parseUuidLog((await annex.branch.read(REMOTE_LOG)) ?? '');
  const previous = new Map((await readPublishedLinks(annex.branch)).filter((l) => l.from === annex.uuid).map((l) => [l.to, l]));
  const base = annex.workTree ?? annex.git.repo.gitDir;
  const links: OwnLink[] = [];
  for (const config of await readRemoteConfigs(annex)) {
    if (config.ignore) continue;
    const localPath = localPathOf(config.url, base);
    let uuid = config.uuid;
    if (uuid === undefined && localPath !== undefined) {
      uuid = await uuidAtPath(localPath);
      if (uuid !== undefined && options.recordUuids === true) await annex.git.configSet(`remote.${config.name}.annex-uuid`, uuid);
    }
    if (uuid === undefined || uuid === annex.uuid) continue;
    const logCost = Number(parseRemoteConfig(remoteLog.get(uuid)?.value ?? '').get('cost') ?? Number.NaN);
    let cost: number;
    let costSource: OwnLink['costSource'];
    if (config.cost !== undefined) {
      cost = config.cost;
      costSource = 'config';
    } else {
      costSource = Number.isFinite(logCost) ? 'remote-log' : 'default';
      const dflt = localPath !== undefined ? LOCAL_LINK_COST : REMOTE_LINK_COST;
      cost = adjustCost(Number.isFinite(logCost) ? logCost : dflt, options.measure?.({ name: config.name, uuid }));
    }
    const tried = options.reachable?.get(config.name);
    const available = tried ?? (localPath !== undefined ? await pathExists(localPath) : previous.get(uuid)?.available ?? true);
    links.push({ to: uuid, name: config.name, url: config.url, cost, available, costSource });
  }
  for (const config of await readSpecialRemoteConfigs(annex)) {
    const link = await specialLink(config, options, previous);
    if (link) links.push(link);
  }
  const best = new Map<string, OwnLink>();
  for (const l of links) {
    const b = best.get(l.to);
    if (b === undefined || better(l, b)) best.set(l.to, l);
  }
  return [...best.values()].sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0));
}

/**
 * Publishes this repository's links in the git-annex branch (arbor/network.log), withdrawing
 * links to remotes it no longer has. UUIDs learnt from local remotes are recorded in git config. Journalled: the sync's branch commit that follows records
 * it. Writes nothing when the published links are already current. Returns whether it wrote.
 */
export async function publishNetworkEdges(annex: Annex, options: OwnLinkOptions = {}): Promise<boolean> {
  // Merge what was just fetched first: AnnexBranch merges only once per process, and a journal
  // entry computed from the pre-merge file would overwrite the merged lines when committed.
  await annex.branch.update();
  const links = await ownLinks(annex, { recordUuids: true, ...options });
  return writePublishedLinks(annex.branch, {
    from: annex.uuid,
    links: links.map((l) => ({ to: l.to, cost: l.cost, available: l.available, name: l.name })),
    now: annex.now(),
  });
}

