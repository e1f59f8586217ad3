// What the user has cleared from status: byte offsets into the append-only notice logs, in .git/annex/arbor/cleared.json.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { errnoCode } from '../util/errors.js';

/** Log file name (in .git/annex/arbor/) → byte offset: records before it are cleared. */
export interface ClearedState {
  readonly offsets: Readonly<Record<string, number>>;
  /** When the user last cleared (ms since the epoch). */
  readonly time?: number;
}

function clearedPath(annex: Annex): string {
  return join(annex.annexDir, 'arbor', 'cleared.json');
}

/** Parses cleared.json; anything unreadable counts as nothing cleared (the lists reappear, nothing is hidden). */
export function parseCleared(text: string): ClearedState {
  try {
    const raw = JSON.parse(text) as { offsets?: unknown; time?: unknown };
    const offsets: Record<string, number> = {};
    if (raw.offsets && typeof raw.offsets === 'object') {
      for (const [k, v] of Object.entries(raw.offsets)) if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) offsets[k] = v;
    }
    return { offsets, ...(typeof raw.time === 'number' ? { time: raw.time } : {}) };
  } catch {
    return { offsets: {} };
  }
}

/** The current cleared state (none when the file is missing). */
export async function readCleared(annex: Annex): Promise<ClearedState> {
  try {
    return parseCleared(await readFile(clearedPath(annex), 'utf8'));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return { offsets: {} };
    throw err;
  }
}

/** Records new offsets (merged over the old ones), atomically. */
export async function writeCleared(annex: Annex, offsets: Readonly<Record<string, number>>): Promise<void> {
  const old = await readCleared(annex);
  const state: ClearedState = { offsets: { ...old.offsets, ...offsets }, time: annex.deps.clock.now() };
  await mkdir(dirname(clearedPath(annex)), { recursive: true });
  await writeFileAtomic(clearedPath(annex), JSON.stringify(state, null, 2) + '\n');
}
