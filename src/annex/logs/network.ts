// arbor/network.log: the links each repository publishes ("I can send to X at cost C"), so every clone learns the network.
//
// Format (arbor's own file; git-annex does not know it and only union-merges it, verified with
// git-annex 10.20230126: sync, fsck, info, forget --force [--drop-dead] keep it unchanged):
//
//     TIMESTAMP FROM TO STATUS [key=value ...]
//     1795359482.5s 6f...e5 b2...db 1 available=1 cost=100 name=usb
//     1795359490s 6f...e5 b2...db 0
//
// - TIMESTAMP is a git-annex vector clock; FROM and TO are annex UUIDs; STATUS `1` publishes the
//   link, `0` withdraws it (the repository no longer has that remote). The fields use remote.log's
//   `k=v` encoding (remote-config.ts: sorted keys, whitespace and `&` escaped as `&<code>;`):
//   `cost` (a number on git-annex's annex-cost scale), `available` (`1`/`0`: reachable when last
//   checked), `name` (the remote's name in FROM's git config). Unknown fields are kept and ignored.
// - Reading: per (FROM, TO) the newest line wins, on a tie the later line (as old-style UUID logs).
//   A union merge of two repositories' versions keeps both sets of lines, so the newest survives.
// - Writing: a repository only ever writes lines with its own UUID as FROM, compacted to one line
//   per (FROM, TO) sorted by bytes, and only when something changed (no timestamp churn). A
//   withdrawn link gets a `0` line with a newer clock, so an older `1` line merged in later from
//   another clone cannot bring it back.
// - The path is under `arbor/` so it never collides with git-annex's top-level logs, and its base
//   name `network` is not a key, so git-annex's Logs.hs never takes it for a location log.
import type { AnnexBranch } from '../branch.js';
import { compareVectorClocks, formatVectorClock, nextVectorClock, parseVectorClock } from '../vector-clock.js';
import type { VectorClock } from '../vector-clock.js';
import { formatRemoteConfig, parseRemoteConfig } from './remote-config.js';
import { compareByteOrder, splitLogLines } from './union-merge.js';

/** The branch path of the published links. */
export const NETWORK_LOG = 'arbor/network.log';

/** `1`: the link is published; `0`: it was withdrawn. */
export type LinkStatus = '1' | '0';

/** One line of the network log. */
export interface NetworkLogLine {
  readonly date: VectorClock;
  readonly from: string;
  readonly to: string;
  readonly status: LinkStatus;
  /** The `k=v` fields, unescaped (empty for a withdrawal). */
  readonly fields: ReadonlyMap<string, string>;
}

/** A link some repository publishes, as the network map uses it. */
export interface PublishedLink {
  readonly from: string;
  readonly to: string;
  readonly cost: number;
  readonly available: boolean;
  /** The remote's name in `from`'s configuration, when published. */
  readonly name?: string;
  readonly date: VectorClock;
}

/** A link this repository wants published (from itself). */
export interface LinkToPublish {
  readonly to: string;
  readonly cost: number;
  readonly available: boolean;
  readonly name?: string;
}

const UUID_WORD = /^\S+$/;

/**
 * Parses the network log. Tolerant like git-annex's parsers: unreadable lines (bad clock, bad
 * status, missing UUIDs) are skipped, any run of `\r`/`\n` ends a line, and lines come back in
 * file order, obsolete ones included.
 */
export function parseNetworkLog(text: string): NetworkLogLine[] {
  const lines: NetworkLogLine[] = [];
  for (const raw of splitLogLines(text)) {
    const [clock = '', from = '', to = '', status = '', ...rest] = raw.split(' ');
    const date = parseVectorClock(clock);
    if (date === undefined || !UUID_WORD.test(from) || !UUID_WORD.test(to)) continue;
    if (status !== '1' && status !== '0') continue;
    lines.push({ date, from, to, status, fields: parseRemoteConfig(rest.join(' ')) });
  }
  return lines;
}

/** Formats lines in the order given: `T FROM TO S[ k=v…]\n` each. */
export function formatNetworkLog(lines: readonly NetworkLogLine[]): string {
  return lines
    .map((l) => {
      const fields = formatRemoteConfig(l.fields);
      return `${formatVectorClock(l.date)} ${l.from} ${l.to} ${l.status}${fields === '' ? '' : ` ${fields}`}\n`;
    })
    .join('');
}

const pairKey = (from: string, to: string): string => `${from} ${to}`;

/** The newest line per (from, to); on equal clocks the later line wins. Sorted by (from, to) bytes. */
export function compactNetworkLog(lines: readonly NetworkLogLine[]): NetworkLogLine[] {
  const newest = new Map<string, NetworkLogLine>();
  for (const line of lines) {
    const key = pairKey(line.from, line.to);
    const old = newest.get(key);
    if (old === undefined || compareVectorClocks(line.date, old.date) >= 0) newest.set(key, line);
  }
  return [...newest.values()].sort((a, b) => compareByteOrder(a.from, b.from) || compareByteOrder(a.to, b.to));
}

/** Reads a line's fields as a link; undefined for a withdrawal or a line without a usable cost. */
function toPublishedLink(line: NetworkLogLine): PublishedLink | undefined {
  if (line.status !== '1' || line.from === line.to) return undefined;
  const costText = line.fields.get('cost') ?? '';
  const cost = Number(costText);
  if (costText === '' || !Number.isFinite(cost) || cost < 0) return undefined;
  const name = line.fields.get('name');
  return { from: line.from, to: line.to, cost, available: line.fields.get('available') !== '0', ...(name ? { name } : {}), date: line.date };
}

/** The links in effect: the newest line per (from, to) when it publishes a usable link. */
export function currentLinks(lines: readonly NetworkLogLine[]): PublishedLink[] {
  return compactNetworkLog(lines).flatMap((l) => toPublishedLink(l) ?? []);
}

function linkFields(link: LinkToPublish): Map<string, string> {
  const fields = new Map([
    ['available', link.available ? '1' : '0'],
    ['cost', String(link.cost)],
  ]);
  if (link.name !== undefined && link.name !== '') fields.set('name', link.name);
  return fields;
}

function sameFields(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

/**
 * Replaces the links `from` publishes with `links` (one per destination; a later duplicate wins).
 * Links it published before and no longer has are withdrawn with a `0` line. Other repositories'
 * lines are kept as they are (compacted). Returns the new file, or undefined when `from`'s links
 * already read exactly so (nothing to write). Clocks follow the clock-skew rule per (from, to).
 */
export function publishLinks(text: string, change: { readonly from: string; readonly links: readonly LinkToPublish[]; readonly now: VectorClock }): string | undefined {
  const lines = parseNetworkLog(text);
  const compacted = compactNetworkLog(lines);
  const byPair = new Map(compacted.map((l) => [pairKey(l.from, l.to), l]));
  const wanted = new Map(change.links.filter((l) => l.to !== change.from).map((l) => [l.to, l]));
  let changed = false;
  const clockFor = (to: string): VectorClock =>
    nextVectorClock(
      change.now,
      lines.filter((l) => l.from === change.from && l.to === to).map((l) => l.date),
    );
  for (const line of compacted) {
    if (line.from !== change.from || line.status !== '1' || wanted.has(line.to)) continue;
    byPair.set(pairKey(line.from, line.to), { date: clockFor(line.to), from: line.from, to: line.to, status: '0', fields: new Map() });
    changed = true;
  }
  for (const link of wanted.values()) {
    const fields = linkFields(link);
    const old = byPair.get(pairKey(change.from, link.to));
    if (old !== undefined && old.status === '1' && sameFields(old.fields, fields)) continue;
    byPair.set(pairKey(change.from, link.to), { date: clockFor(link.to), from: change.from, to: link.to, status: '1', fields });
    changed = true;
  }
  if (!changed) return undefined;
  return formatNetworkLog(compactNetworkLog([...byPair.values()]));
}

/** Every link in effect in the git-annex branch (all repositories). */
export async function readPublishedLinks(branch: AnnexBranch): Promise<PublishedLink[]> {
  return currentLinks(parseNetworkLog((await branch.read(NETWORK_LOG)) ?? ''));
}

/** Publishes `from`'s links (journalled; the next branch commit records them). Returns whether the log changed. */
export async function writePublishedLinks(
  branch: AnnexBranch,
  change: { readonly from: string; readonly links: readonly LinkToPublish[]; readonly now: VectorClock },
): Promise<boolean> {
  return branch.change(NETWORK_LOG, (current) => publishLinks(current ?? '', change));
}
