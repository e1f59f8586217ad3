// Remote state logs (`<key>.log.rmt`): a special remote's own per-key state, by remote uuid (Logs/RemoteState.hs).

import type { AnnexBranch } from '../branch.js';
import type { Key } from '../key.js';
import { locationLogPath } from '../locations.js';
import type { VectorClock } from '../vector-clock.js';
import { LOCATION_LOG_EXT, REMOTE_STATE_LOG_EXT } from './paths.js';
import { parseMapLog, setMapLogValue } from './map-log.js';

/** The remote state log of a key ("<hashdir><keyfile>.log.rmt"). */
export function remoteStateLogPath(key: Key): string {
  return locationLogPath(key).slice(0, -LOCATION_LOG_EXT.length) + REMOTE_STATE_LOG_EXT;
}

/** The state `uuid` stored for `key` ('' when none). */
export async function remoteState(branch: AnnexBranch, key: Key, uuid: string): Promise<string> {
  return parseMapLog((await branch.read(remoteStateLogPath(key))) ?? '').get(uuid)?.value ?? '';
}

/** Stores the state of `key` for `uuid`. */
export async function setRemoteState(branch: AnnexBranch, change: { key: Key; uuid: string; value: string; now: VectorClock }): Promise<void> {
  await branch.change(remoteStateLogPath(change.key), (current) => setMapLogValue(current ?? '', { field: change.uuid, value: change.value, now: change.now }));
}
