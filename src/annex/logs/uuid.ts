// uuid.log IO: repository descriptions (Logs/UUID.hs over uuid-based.ts).

import type { AnnexBranch } from '../branch.js';
import type { VectorClock } from '../vector-clock.js';
import { UUID_LOG } from './paths.js';
import { parseUuidLog, setUuidLogValue } from './uuid-based.js';

/** Every known repository UUID with its description. */
export async function repositoryDescriptions(branch: AnnexBranch): Promise<Map<string, string>> {
  const entries = parseUuidLog((await branch.read(UUID_LOG)) ?? '');
  return new Map([...entries].map(([uuid, e]) => [uuid, e.value]));
}

/** Sets the description of a repository. Returns whether the log changed. */
export async function describeRepository(branch: AnnexBranch, change: { uuid: string; description: string; now: VectorClock }): Promise<boolean> {
  return branch.change(UUID_LOG, (current) => {
    const entries = parseUuidLog(current ?? '');
    if (entries.get(change.uuid)?.value === change.description) return undefined;
    return setUuidLogValue(current ?? '', { uuid: change.uuid, value: change.description, now: change.now });
  });
}
