// numcopies.log IO: how many copies of each file must exist (Logs/NumCopies.hs).

import type { AnnexBranch } from '../branch.js';
import type { VectorClock } from '../vector-clock.js';
import { MINCOPIES_LOG, NUMCOPIES_LOG } from './paths.js';
import { parseSingleValueLog, setSingleValueLog } from './single-value.js';

/** git-annex's default when nothing is configured. */
export const DEFAULT_NUMCOPIES = 1;

/** The repository-wide numcopies setting (git config annex.numcopies is the deprecated override). */
export async function numCopies(branch: AnnexBranch): Promise<number> {
  const entry = parseSingleValueLog((await branch.read(NUMCOPIES_LOG)) ?? '', { accept: (v) => /^\d+$/.test(v) });
  const n = entry ? Number.parseInt(entry.value, 10) : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_NUMCOPIES;
}

/** The repository-wide mincopies setting (mincopies.log); undefined when unset. */
export async function minCopies(branch: AnnexBranch): Promise<number | undefined> {
  const entry = parseSingleValueLog((await branch.read(MINCOPIES_LOG)) ?? '', { accept: (v) => /^\d+$/.test(v) });
  return entry ? Number.parseInt(entry.value, 10) : undefined;
}

/** Sets numcopies for the whole repository network. */
export async function setNumCopies(branch: AnnexBranch, change: { value: number; now: VectorClock }): Promise<boolean> {
  return branch.change(NUMCOPIES_LOG, (current) => {
    // Setting the value it already has writes nothing, as git-annex does.
    if (parseSingleValueLog(current ?? '', { accept: (v) => /^\d+$/.test(v) })?.value === String(change.value)) return undefined;
    return setSingleValueLog(current ?? '', { value: String(change.value), now: change.now });
  });
}
