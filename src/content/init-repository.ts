// Initialising a repository for arbor as `git annex init` does: annex init, then learn the UUIDs of local remotes.

import { initAnnex, type InitResult } from '../annex/init.js';
import { openAnnex } from '../annex/annex.js';

/**
 * Initialises the git repository at `path` (idempotent, see initAnnex), then probes the remotes
 * whose UUID is not yet known, as git-annex init does, so the first sync already knows them.
 * A remote that cannot be reached now is left for later. Shared by `git arbor init` and
 * `git arbor assistant <folder>`.
 */
export async function initRepository(path: string, options: { description?: string; filterCommand: string }): Promise<InitResult> {
  const result = await initAnnex(path, { ...(options.description ? { description: options.description } : {}), filterCommand: options.filterCommand });
  const annex = await openAnnex(path);
  try {
    // No remotes (a new repository): nothing to probe, and the remotes' code is not even loaded.
    if ((await annex.git.configGetRegexp('^remote\\.')).length === 0) return result;
    const { openSession, closeSession, connectRemote } = await import('./session.js');
    const session = await openSession(annex, () => undefined);
    for (const r of session.remotes) if (!r.config.uuid) await connectRemote(session, r).catch(() => undefined);
    await closeSession(session);
  } finally {
    await annex.close();
  }
  return result;
}
