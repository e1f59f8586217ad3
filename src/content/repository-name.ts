// Naming a repository on the command line: "here", a remote name, a description or a UUID (like git-annex's nameToUUID).

import type { Annex } from '../annex/annex.js';
import { repositoryDescriptions } from '../annex/logs/uuid.js';
import { readRemoteConfigs } from '../remotes/index.js';
import { UsageError } from '../util/errors.js';

const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The UUID a user means by `name`: `here` or `.` is this repository; then a remote's name (its
 * recorded annex-uuid); then a UUID known to uuid.log or shaped like one; then a description in
 * uuid.log. Throws UsageError when nothing matches or a description is ambiguous.
 */
export async function resolveRepository(annex: Annex, name: string): Promise<string> {
  if (name === 'here' || name === '.') return annex.uuid;
  const remote = (await readRemoteConfigs(annex)).find((r) => r.name === name);
  if (remote !== undefined) {
    if (remote.uuid === undefined) throw new UsageError(`the uuid of remote ${name} is not known yet (run git arbor sync first)`, { name });
    return remote.uuid;
  }
  const descriptions = await repositoryDescriptions(annex.branch);
  if (descriptions.has(name)) return name;
  if (UUID_SHAPE.test(name)) return name.toLowerCase();
  const matches = [...descriptions].filter(([, d]) => d === name).map(([u]) => u);
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1) throw new UsageError(`${matches.length} repositories are described as ${JSON.stringify(name)}; name one by uuid`, { name });
  throw new UsageError(`there is no repository named ${JSON.stringify(name)} (here, a remote, a uuid or a description)`, { name });
}
