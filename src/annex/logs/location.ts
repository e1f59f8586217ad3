// Location log IO: which repositories have a key's content (Logs/Location.hs over presence.ts).

import type { AnnexBranch } from '../branch.js';
import { formatKey, type Key } from '../key.js';
import { locationLogPath } from '../locations.js';
import type { VectorClock } from '../vector-clock.js';
import { changePresence, currentlyPresent, formatPresenceLog, parsePresenceLog, type PresenceStatus } from './presence.js';

/** UUIDs of the repositories the location log says have the content of `key`. */
export async function keyLocations(branch: AnnexBranch, key: Key): Promise<string[]> {
  const text = await branch.read(locationLogPath(key));
  return text === undefined ? [] : currentlyPresent(parsePresenceLog(text));
}

/** The UUIDs the location logs list for many keys at once (by formatted key; keys without a log map to []). */
export async function keysLocations(branch: AnnexBranch, keys: Iterable<Key>): Promise<Map<string, string[]>> {
  const byPath = new Map<string, string>();
  for (const key of keys) byPath.set(locationLogPath(key), formatKey(key));
  const texts = await branch.readMany(byPath.keys());
  const out = new Map<string, string[]>();
  for (const [path, key] of byPath) {
    const text = texts.get(path);
    out.set(key, text === undefined ? [] : currentlyPresent(parsePresenceLog(text)));
  }
  return out;
}

/**
 * Records that `uuid` has (`'1'`) or no longer has (`'0'`) the content of `key`. Writes nothing
 * when the log already says so, as git-annex does. Returns whether the log changed.
 */
export async function logKeyPresence(
  branch: AnnexBranch,
  change: { key: Key; uuid: string; status: PresenceStatus; now: VectorClock },
): Promise<boolean> {
  return branch.change(locationLogPath(change.key), (current) => {
    const next = changePresence(parsePresenceLog(current ?? ''), { info: change.uuid, status: change.status, now: change.now });
    return next === undefined ? undefined : formatPresenceLog(next);
  });
}

/** Records many presence changes in one branch commit (bulk adds); returns how many logs changed. */
export async function logKeysPresence(
  branch: AnnexBranch,
  changes: ReadonlyArray<{ key: Key; uuid: string; status: PresenceStatus; now: VectorClock }>,
): Promise<number> {
  return branch.changeMany(
    changes.map((change) => ({
      branchPath: locationLogPath(change.key),
      fn: (current: string | undefined) => {
        const next = changePresence(parsePresenceLog(current ?? ''), { info: change.uuid, status: change.status, now: change.now });
        return next === undefined ? undefined : formatPresenceLog(next);
      },
    })),
  );
}
