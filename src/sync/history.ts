// The activity history people read (`git arbor log`): commits, merges, content received and dropped by each copy, newest first.
//
// Three sources, each bounded by the same limit and --since, merged by time:
// - the checked-out branch's commits (`git log`): what was committed, and by which copy (arbor
//   and git-annex name the copy in their commit message: "arbor in <description>");
// - the git-annex branch's location logs (`git log -p` of their diffs): a `1` line added for a
//   copy means that copy received the content, `0` that it dropped it; lines of one commit for
//   one copy and one change are grouped ("nas received 3 files: …"), so a commit of 10,000 keys
//   stays one line;
// - this copy's own activity file (merges, conflicts, peer deletions): merges that git does not
//   record as commits (fast-forwards) and which remote they came from.
import type { Annex } from '../annex/annex.js';
import { formatKey, type Key } from '../annex/key.js';
import { keyFromLogPath } from '../annex/locations.js';
import { logVariety } from '../annex/logs/paths.js';
import { parsePresenceLog } from '../annex/logs/presence.js';
import { repositoryDescriptions } from '../annex/logs/uuid.js';
import { readRemoteConfigs } from '../remotes/index.js';
import { readActivity } from './activity-log.js';
import { annexedFileChunks, annexedFilesAt } from '../content/annexed-files.js';
import { earlierKeys } from '../annex/delta/earlier-keys.js';
import { locationLogPath } from '../annex/locations.js';

/** What an entry says happened. */
export type HistoryAction = 'committed' | 'merged' | 'received' | 'dropped' | 'dead' | 'conflict' | 'deletion' | 'cleared' | 'cancelled';

/** One line of the history. */
export interface HistoryEntry {
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** The copy that did it: a remote name, a repository description, or "here". */
  readonly copy: string;
  readonly action: HistoryAction;
  /** What it concerned: file names (a few), or a ref. */
  readonly subjects: readonly string[];
  /** How many things in all (subjects holds at most a few). */
  readonly count: number;
  /** The commit it comes from, when there is one. */
  readonly commit?: string;
}

/** "a.txt, b.bin and 3 more". */
function what(e: HistoryEntry): string {
  const more = e.count - e.subjects.length;
  return `${e.subjects.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

/** One entry as a sentence. */
export function describeEntry(e: HistoryEntry): string {
  switch (e.action) {
    case 'committed':
      return e.count === 0 ? 'committed (no file changes)' : `committed ${what(e)}`;
    case 'received':
      return `received ${what(e)}`;
    case 'dropped':
      return `dropped ${what(e)}`;
    case 'dead':
      return `lost ${what(e)} (marked dead)`;
    case 'merged':
      return `merged ${what(e)}`;
    default:
      return what(e);
  }
}

/** How much history to read. */
export interface HistoryOptions {
  /** At most this many entries (and commits read per source). */
  readonly limit: number;
  /** Only what happened at or after this time (ms since the epoch). */
  readonly since?: number;
  /**
   * Only what concerns this file (top-relative path): its commits, and the copies that received
   * or dropped any version of it (the keys it had in those commits, and in the index), as
   * `git annex log FILE` shows the location history of a file.
   */
  readonly path?: string;
}

/** Subjects kept per entry; the count says how many there were. */
const SUBJECTS = 3;

/** One commit of `git log` as read by parseCommitLog. */
export interface LoggedCommit {
  readonly sha: string;
  readonly time: number;
  readonly parents: number;
  readonly author: string;
  readonly subject: string;
  /** Changed paths (`--name-only`), or for the git-annex branch the added/removed diff lines per path. */
  readonly body: string;
}

/** The record separator put before each commit by the format below. */
const SEP = '\x01';
const FORMAT = `--format=${SEP}%H%x00%at%x00%P%x00%an%x00%s%x00`;

/** Parses `git log` output made with FORMAT (anything after the header, up to the next commit, is its body). */
export function parseCommitLog(out: string): LoggedCommit[] {
  const commits: LoggedCommit[] = [];
  for (const rec of out.split(SEP)) {
    const parts = rec.split('\0');
    if (parts.length < 6) continue;
    const [sha = '', at = '0', parents = '', author = '', subject = ''] = parts;
    commits.push({ sha, time: Number(at) * 1000, parents: parents.split(' ').filter(Boolean).length, author, subject, body: parts.slice(5).join('\0') });
  }
  return commits;
}

/** The copy a commit message names ("arbor in laptop", "git-annex in nas:~/annex"), if any. */
export function copyFromMessage(subject: string): string | undefined {
  return /^(?:arbor|git-annex) in (.+)$/.exec(subject)?.[1];
}

/** A location-log change read from one git-annex branch commit: which copy, got or lost, which keys, and when. */
export interface LocationChange {
  readonly uuid: string;
  readonly status: '1' | '0' | 'X';
  readonly keys: string[];
  /** Latest timestamp of its log lines (ms). */
  time: number;
}

/**
 * Groups the added lines of location logs in one commit's `-p --unified=0` diff by (copy,
 * status). `seen` holds the lines already counted from other commits (the same line reaches the
 * branch from two sides, e.g. written here and by the remote that received the content) and
 * gets this commit's lines added.
 */
export function parseLocationDiff(diff: string, seen: Set<string> = new Set()): LocationChange[] {
  const groups = new Map<string, LocationChange>();
  let key: Key | undefined;
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) {
      const path = line.slice(4).replace(/^b\//, '');
      key = logVariety(path) === 'location' ? keyFromLogPath(path)?.key : undefined;
      continue;
    }
    if (key === undefined || !line.startsWith('+') || line.startsWith('+++')) continue;
    for (const p of parsePresenceLog(line.slice(1))) {
      const lineId = `${formatKey(key)} ${line}`;
      if (seen.has(lineId)) continue;
      seen.add(lineId);
      const id = `${p.info}\0${p.status}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { uuid: p.info, status: p.status, keys: [], time: 0 }));
      const k = formatKey(key);
      if (!g.keys.includes(k)) g.keys.push(k);
      g.time = Math.max(g.time, Number(p.date.seconds) * 1000 + Math.floor(p.date.nanos / 1e6));
    }
  }
  return [...groups.values()];
}

/** `git rev-parse --since=<date>` turns any date git understands into seconds (`--max-age=<n>`). */
export async function parseSince(annex: Annex, since: string): Promise<number | undefined> {
  const r = await annex.git.tryRun(['rev-parse', `--since=${since}`]);
  const m = /--max-age=(\d+)/.exec(r.stdout.toString());
  return m ? Number(m[1]) * 1000 : undefined;
}

/** The location log paths of the keys a file had in its last `limit` commits and has in the index. */
async function versionsOf(annex: Annex, path: string, limit: number): Promise<{ logs: string[] }> {
  const keys = new Map<string, Key>();
  for (const k of await earlierKeys(annex.git, path, undefined, limit)) keys.set(formatKey(k), k);
  if (annex.workTree) for (const f of await annexedFilesAt(annex, [path])) keys.set(formatKey(f.key), f.key);
  return { logs: [...keys.values()].map(locationLogPath) };
}

/** File names for keys, from the index; stops reading as soon as every key is named. */
async function namesForKeys(annex: Annex, keys: ReadonlySet<string>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (keys.size === 0 || !annex.workTree) return names;
  for await (const chunk of annexedFileChunks(annex)) {
    for (const f of chunk) {
      const k = formatKey(f.key);
      if (keys.has(k) && !names.has(k)) names.set(k, f.path);
    }
    if (names.size === keys.size) break;
  }
  return names;
}

/** Reads the history, newest first. */
export async function readHistory(annex: Annex, options: HistoryOptions): Promise<HistoryEntry[]> {
  const limit = Math.max(1, options.limit);
  const since = options.since;
  const sinceArgs = since !== undefined ? [`--since=${Math.floor(since / 1000)}`] : [];
  const descriptions = await repositoryDescriptions(annex.branch);
  const remoteNames = new Map<string, string>();
  for (const r of await readRemoteConfigs(annex)) if (r.uuid !== undefined && !remoteNames.has(r.uuid)) remoteNames.set(r.uuid, r.name);
  const hereDescription = descriptions.get(annex.uuid);
  const copyOf = (uuid: string): string => (uuid === annex.uuid ? 'here' : remoteNames.get(uuid) ?? descriptions.get(uuid) ?? uuid.slice(0, 8));
  const copyByDescription = (d: string | undefined, author: string): string => {
    if (d === undefined) return author;
    if (d === hereDescription) return 'here';
    for (const [uuid, desc] of descriptions) if (desc === d) return copyOf(uuid);
    return d;
  };
  const entries: HistoryEntry[] = [];
  const path = options.path;
  const pathspec = path !== undefined ? [`:(top,literal)${path}`] : [];
  /** For one file: its versions' keys (formatted) and their location logs; undefined for the whole history. */
  const file = path !== undefined ? await versionsOf(annex, path, limit) : undefined;

  // Commits of the checked-out branch (merge commits are left out: the merges are listed from the activity file).
  const head = await annex.git.tryRun(['-c', 'core.quotePath=false', 'log', '--no-merges', `--max-count=${limit}`, ...sinceArgs, FORMAT, '--name-only', '--no-renames', 'HEAD', '--', ...pathspec]);
  for (const c of head.code === 0 ? parseCommitLog(head.stdout.toString('utf8')) : []) {
    const files = c.body.split('\n').filter(Boolean);
    entries.push({ time: c.time, copy: copyByDescription(copyFromMessage(c.subject), c.author), action: 'committed', subjects: files.slice(0, SUBJECTS), count: files.length, commit: c.sha });
  }

  // Content moves, from the git-annex branch's location logs (for one file: only its versions' logs).
  const branch =
    file?.logs.length === 0
      ? undefined
      : await annex.git.tryRun(['log', '--no-merges', `--max-count=${limit}`, ...sinceArgs, FORMAT, '-p', '--unified=0', '--no-renames', '--no-color', '--no-ext-diff', 'git-annex', '--', ...(file?.logs ?? [])]);
  const moves: Array<{ change: LocationChange; commit: string }> = [];
  const seen = new Set<string>();
  for (const c of branch?.code === 0 ? parseCommitLog(branch.stdout.toString('utf8')) : []) {
    for (const change of parseLocationDiff(c.body, seen)) moves.push({ change, commit: c.sha });
  }
  const wanted = new Set(moves.flatMap((m) => m.change.keys.slice(0, SUBJECTS)));
  const names = path !== undefined ? new Map([...wanted].map((k) => [k, path])) : await namesForKeys(annex, wanted);
  for (const { change, commit } of moves) {
    if (since !== undefined && change.time < since) continue;
    const action: HistoryAction = change.status === '1' ? 'received' : change.status === '0' ? 'dropped' : 'dead';
    const subjects = change.keys.slice(0, SUBJECTS).map((k) => names.get(k) ?? k);
    entries.push({ time: change.time, copy: copyOf(change.uuid), action, subjects, count: change.keys.length, commit });
  }

  // This copy's own record: merges (fast-forwards included), conflicts, peer deletions.
  for (const a of await readActivity(annex)) {
    if (a.type === 'commit' || (since !== undefined && a.time < since)) continue;
    // For one file: only what names it (its conflicts, its deletion by a peer, a cancelled transfer of it).
    if (path !== undefined && (a.type === 'merge' || !a.message.includes(path))) continue;
    const action: HistoryAction = a.type === 'merge' ? 'merged' : a.type === 'peer-deletion' ? 'deletion' : a.type === 'cleared' ? 'cleared' : a.type === 'cancelled' ? 'cancelled' : 'conflict';
    const from = a.ref !== undefined ? /^refs\/remotes\/([^/]+)\//.exec(a.ref)?.[1] : undefined;
    entries.push({ time: a.time, copy: 'here', action, subjects: [a.type === 'merge' && from !== undefined ? `from ${from}` : a.message], count: 1 });
  }
  entries.sort((a, b) => b.time - a.time);
  return entries.slice(0, limit);
}
