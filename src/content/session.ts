// A content session: one repository, its remotes, and the bookkeeping every content command shares.

import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import type { Key } from '../annex/key.js';
import { keyLocations, logKeyPresence } from '../annex/logs/location.js';
import { openRemotes } from '../remotes/index.js';
import type { Remote } from '../remotes/remote.js';
import { UnknownRemoteError } from '../remotes/remote.js';
import { ArborError, describeError, readOnlyErrno } from '../util/errors.js';

/** One line per event a command may want to show (the CLI prints them; tests collect them). */
export type Reporter = (event: { level: 'info' | 'warn'; message: string }) => void;

/**
 * Told the outcome of each connection a session makes (`error` undefined: it worked). Returns
 * true when it took care of telling the user about a failure (the session then says nothing).
 */
export type ConnectionWatch = (remote: Remote, error?: unknown) => boolean;

/** What content operations work with. */
export interface ContentSession {
  readonly annex: Annex;
  /** Remotes cheapest first (annex-ignore ones included; operations skip them). */
  readonly remotes: readonly Remote[];
  readonly report: Reporter;
  /** Remotes that could not be reached in this session (each reported once). */
  readonly unavailable: Set<string>;
  /** Unlocked files whose work-tree copy arbor rewrote: restaged together by flushSession. */
  readonly restage: Set<string>;
  /** Connections made in this session, by remote name (transfers running side by side share one). */
  readonly connections: Map<string, Promise<string | undefined>>;
  /** Told every connection's outcome (the assistant keeps its reachability state with it). */
  readonly watch?: ConnectionWatch;
}

/** Opens the repository's remotes for a content command. */
export async function openSession(annex: Annex, report: Reporter = () => undefined, watch?: ConnectionWatch): Promise<ContentSession> {
  return { annex, remotes: await openRemotes(annex), report, unavailable: new Set(), restage: new Set(), connections: new Map(), ...(watch ? { watch } : {}) };
}

/**
 * Restages unlocked files whose work-tree copy changed between content and pointer, so git's
 * index has fresh stat data and `git status` stays clean (one `git update-index` for all of them).
 */
export async function flushSession(session: ContentSession): Promise<void> {
  if (session.restage.size === 0) return;
  const wanted = [...session.restage];
  session.restage.clear();
  const { annex } = session;
  // A merge may have renamed or removed a path since: restage only what is still tracked and present.
  const tracked = (await annex.git.run(['ls-files', '-z', '--', ...wanted.map((p) => `:(literal)${p}`)])).split('\0').filter(Boolean);
  const present: string[] = [];
  for (const p of tracked) if (await lstat(join(annex.workTree ?? '', p)).then((s) => s.isFile(), () => false)) present.push(p);
  if (present.length === 0) return;
  const r = await annex.git.tryRun(['update-index', '-q', '-z', '--stdin'], { input: present.join('\0') + '\0' });
  if (r.code !== 0) session.report({ level: 'warn', message: `could not refresh git's index for ${present.length} file(s): ${r.stderr.trim().split('\n')[0] ?? ''}` });
}

/** Restages what needs it and closes remotes opened by the session. */
export async function closeSession(session: ContentSession): Promise<void> {
  try {
    await flushSession(session);
  } finally {
    await Promise.all(session.remotes.map((r) => r.close()));
  }
}

/** The named remote, or UnknownRemoteError. */
export function remoteNamed(session: ContentSession, name: string): Remote {
  const r = session.remotes.find((x) => x.name === name);
  if (!r) throw new UnknownRemoteError(name);
  return r;
}

/**
 * Connects a remote and returns its UUID, recording it as remote.<name>.annex-uuid (as git-annex
 * does when it probes a remote). Unreachable remotes give undefined and one warning (unless the
 * session's watch tells the user itself).
 */
export async function connectRemote(session: ContentSession, remote: Remote): Promise<string | undefined> {
  if (session.unavailable.has(remote.name)) return undefined;
  // Once per session: two transfers connecting at once would both write the uuid to git's config,
  // and the second `git config` fails on the first one's config.lock.
  let connection = session.connections.get(remote.name);
  if (!connection) {
    connection = (async () => {
      try {
        const uuid = await remote.connect();
        // Best effort in a repository that cannot be written (fsck --from a mounted backup).
        if (uuid && remote.config.uuid !== uuid) {
          await session.annex.git.configSet(`remote.${remote.name}.annex-uuid`, uuid).catch((err: unknown) => {
            if (!readOnlyErrno(err, { anyDenial: true })) throw err;
          });
        }
        session.watch?.(remote);
        return uuid;
      } catch (err) {
        session.unavailable.add(remote.name);
        if (session.watch?.(remote, err) === true) return undefined;
        let message = describeError(err);
        if (err instanceof ArborError && err.code === 'ENOANNEXSERVICE') {
          // As git-annex does: a git-only host is left out of content work from now on (git sync goes on).
          const ignored = await session.annex.git.configSet(`remote.${remote.name}.annex-ignore`, 'true').then(() => true, () => false);
          if (ignored) message += `; set remote.${remote.name}.annex-ignore=true, as git-annex does (undo with git config --unset)`;
        }
        session.report({ level: 'warn', message });
        return undefined;
      }
    })();
    session.connections.set(remote.name, connection);
  }
  return connection;
}

/** The UUIDs the location log lists for a key. */
export function locationsOf(session: ContentSession, key: Key): Promise<string[]> {
  return keyLocations(session.annex.branch, key);
}

/** Records presence of `key` in `uuid` in this repository's git-annex branch (journal). */
export async function recordLocation(session: ContentSession, key: Key, uuid: string, present: boolean): Promise<void> {
  await logKeyPresence(session.annex.branch, { key, uuid, status: present ? '1' : '0', now: session.annex.now() });
}
