// Dropping copies their repositories no longer want, within numcopies: the drop half of `git annex sync --content`, shared with the assistant.

import type { AnnexedFile } from '../content/annexed-files.js';
import { dropFromRemote, dropLocal } from '../content/drop.js';
import type { ContentSession } from '../content/session.js';
import type { ContentSubject, PreferredContent } from '../annex/preferred-content.js';
import type { Remote } from '../remotes/remote.js';
import { ArborError, describeError } from '../util/errors.js';

/** A reached remote and its uuid. */
export interface DropTarget {
  readonly remote: Remote;
  readonly uuid: string;
}

/**
 * Drops `file`'s copies where a preferred content expression says the repository does not want
 * it (judged with that copy assumed gone, as git-annex does): here, then on each of `targets`
 * the location log names. Each drop first locks numcopies verified copies elsewhere
 * (content/drop.ts); too few copies keeps the content, silently, since that is the rule working.
 * `locations` (the file's location log) is updated. Other failures are reported and counted.
 */
export async function dropUnwanted(
  session: ContentSession,
  preferred: PreferredContent,
  file: AnnexedFile,
  locations: Set<string>,
  targets: readonly DropTarget[],
): Promise<{ dropped: number; failed: number }> {
  const here = session.annex.uuid;
  const subject = (): ContentSubject => ({ path: file.path, size: file.key.size, backend: file.key.backend, locations: [...locations] });
  const unwanted = async (uuid: string): Promise<boolean> => preferred.hasExpression(uuid) && !(await preferred.wants({ uuid, subject: subject(), assumeNotPresent: [uuid] }));
  let dropped = 0;
  let failed = 0;
  const attempt = async (where: string, uuid: string, drop: () => Promise<{ status: string }>): Promise<void> => {
    try {
      if ((await drop()).status === 'dropped') dropped++;
      locations.delete(uuid);
    } catch (err) {
      if (err instanceof ArborError && err.code === 'ENUMCOPIES') return;
      failed++;
      session.report({ level: 'warn', message: `${file.path}: could not drop from ${where}: ${describeError(err)}` });
    }
  };
  if (locations.has(here) && (await unwanted(here))) await attempt('here', here, () => dropLocal(session, file));
  for (const { remote, uuid } of targets) {
    if (!locations.has(uuid) || session.unavailable.has(remote.name) || !(await unwanted(uuid))) continue;
    await attempt(remote.name, uuid, () => dropFromRemote(session, file, remote));
  }
  return { dropped, failed };
}
