// whereis: which repositories have a file's content, per the location log, named by description.

import { repositoryDescriptions } from '../annex/logs/uuid.js';
import { trustLevels } from '../annex/logs/trust.js';
import { formatKey } from '../annex/key.js';
import type { AnnexedFile } from './annexed-files.js';
import { locationsOf, type ContentSession } from './session.js';

/** One repository holding a copy. */
export interface WhereisLocation {
  readonly uuid: string;
  readonly description: string;
  readonly here: boolean;
  /** Names of this repository's remotes with that UUID. */
  readonly remotes: readonly string[];
}

/** Where one file's content is. */
export interface WhereisEntry {
  readonly file: string;
  readonly key: string;
  readonly locations: readonly WhereisLocation[];
}

/** Looks up the copies of each file (dead repositories left out, as git-annex does). */
export async function whereis(session: ContentSession, files: readonly AnnexedFile[]): Promise<WhereisEntry[]> {
  const descriptions = await repositoryDescriptions(session.annex.branch);
  const trust = await trustLevels(session.annex.branch);
  const byUuid = new Map<string, string[]>();
  for (const r of session.remotes) {
    const uuid = r.uuid || r.config.uuid;
    if (uuid) byUuid.set(uuid, [...(byUuid.get(uuid) ?? []), r.name]);
  }
  const out: WhereisEntry[] = [];
  for (const f of files) {
    const uuids = (await locationsOf(session, f.key)).filter((u) => trust.get(u) !== 'dead');
    out.push({
      file: f.path,
      key: formatKey(f.key),
      locations: uuids.map((uuid) => ({
        uuid,
        description: descriptions.get(uuid) ?? '',
        here: uuid === session.annex.uuid,
        remotes: byUuid.get(uuid) ?? [],
      })),
    });
  }
  return out;
}
