// trust.log IO: trusted / semitrusted / untrusted / dead repositories (Logs/Trust.hs).

import type { AnnexBranch } from '../branch.js';
import type { VectorClock } from '../vector-clock.js';
import { TRUST_LOG } from './paths.js';
import { parseUuidLog, setUuidLogValue } from './uuid-based.js';

/** git-annex's trust levels; the log stores 1, ?, 0, X. */
export type TrustLevel = 'trusted' | 'semitrusted' | 'untrusted' | 'dead';

const CODES: Record<string, TrustLevel> = { '1': 'trusted', '?': 'semitrusted', '0': 'untrusted', X: 'dead' };
const LETTERS: Record<TrustLevel, string> = { trusted: '1', semitrusted: '?', untrusted: '0', dead: 'X' };

/** Trust level of every repository that has an entry; absent ones are semitrusted. */
export async function trustLevels(branch: AnnexBranch): Promise<Map<string, TrustLevel>> {
  const entries = parseUuidLog((await branch.read(TRUST_LOG)) ?? '');
  return new Map([...entries].map(([uuid, e]) => [uuid, CODES[e.value] ?? 'semitrusted']));
}

/** Sets the trust level of a repository. */
export async function setTrust(branch: AnnexBranch, change: { uuid: string; level: TrustLevel; now: VectorClock }): Promise<boolean> {
  return branch.change(TRUST_LOG, (current) =>
    setUuidLogValue(current ?? '', { uuid: change.uuid, value: LETTERS[change.level], now: change.now }),
  );
}
