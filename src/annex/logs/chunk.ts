// Chunk logs (`<key>.log.cnk`): how many chunks of which size a special remote holds of a key (Logs/Chunk.hs).
//
// A map log whose field is `<remote uuid>:<chunk size in bytes>` and whose value is the chunk
// count; git-annex writes it once every chunk is stored, and a count of 0 once they are removed.

import type { AnnexBranch } from '../branch.js';
import type { Key } from '../key.js';
import { nonChunkKey } from '../key.js';
import { locationLogPath } from '../locations.js';
import type { VectorClock } from '../vector-clock.js';
import { CHUNK_LOG_EXT, LOCATION_LOG_EXT } from './paths.js';
import { parseMapLog, setMapLogValue } from './map-log.js';

/** One recorded chunking of a key on a remote. */
export interface ChunkCount {
  readonly chunkSize: number;
  readonly count: number;
}

/** The chunk log of a key in the git-annex branch ("<hashdir><keyfile>.log.cnk"). */
export function chunkLogPath(key: Key): string {
  const loc = locationLogPath(nonChunkKey(key));
  return loc.slice(0, -LOCATION_LOG_EXT.length) + CHUNK_LOG_EXT;
}

/** Parses a chunk log into the counts one remote holds (counts of 0, removed chunkings, left out). */
export function parseChunkLog(text: string, uuid: string): ChunkCount[] {
  const out: ChunkCount[] = [];
  for (const [field, entry] of parseMapLog(text)) {
    const colon = field.lastIndexOf(':');
    if (colon === -1 || field.slice(0, colon) !== uuid) continue;
    const chunkSize = Number(field.slice(colon + 1));
    const count = Number(entry.value.trim());
    if (Number.isSafeInteger(chunkSize) && chunkSize > 0 && Number.isSafeInteger(count) && count > 0) out.push({ chunkSize, count });
  }
  return out;
}

/** The chunkings of `key` the remote `uuid` is recorded to hold. */
export async function chunkCounts(branch: AnnexBranch, key: Key, uuid: string): Promise<ChunkCount[]> {
  return parseChunkLog((await branch.read(chunkLogPath(key))) ?? '', uuid);
}

/** Records that `uuid` holds `count` chunks of `chunkSize` of `key` (0: none any more). */
export async function logChunkCount(
  branch: AnnexBranch,
  change: { key: Key; uuid: string; chunkSize: number; count: number; now: VectorClock },
): Promise<boolean> {
  const field = `${change.uuid}:${change.chunkSize}`;
  return branch.change(chunkLogPath(change.key), (current) => {
    if (parseMapLog(current ?? '').get(field)?.value === String(change.count)) return undefined;
    return setMapLogValue(current ?? '', { field, value: String(change.count), now: change.now });
  });
}
