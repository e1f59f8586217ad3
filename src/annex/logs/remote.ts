// remote.log IO: each special remote's settings, by uuid (Logs/Remote.hs over uuid-based.ts and remote-config.ts).

import type { AnnexBranch } from '../branch.js';
import type { VectorClock } from '../vector-clock.js';
import { REMOTE_LOG } from './paths.js';
import { formatRemoteConfig, parseRemoteConfig } from './remote-config.js';
import { parseUuidLog, setUuidLogValue } from './uuid-based.js';

/** Every special remote recorded in the branch: uuid → its settings (name=, type=, encryption=, chunk=, …). */
export async function specialRemoteConfigs(branch: AnnexBranch): Promise<Map<string, Map<string, string>>> {
  const entries = parseUuidLog((await branch.read(REMOTE_LOG)) ?? '');
  return new Map([...entries].map(([uuid, e]) => [uuid, parseRemoteConfig(e.value)]));
}

/**
 * Records a special remote's settings (the whole set, replacing what was there), as
 * `git annex initremote` and `enableremote` write them. Returns whether the log changed.
 */
export async function recordSpecialRemoteConfig(
  branch: AnnexBranch,
  change: { uuid: string; config: ReadonlyMap<string, string>; now: VectorClock },
): Promise<boolean> {
  const value = formatRemoteConfig(change.config);
  return branch.change(REMOTE_LOG, (current) => {
    const entries = parseUuidLog(current ?? '');
    if (entries.get(change.uuid)?.value === value) return undefined;
    return setUuidLogValue(current ?? '', { uuid: change.uuid, value, now: change.now });
  });
}
