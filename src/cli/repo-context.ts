// Opening the repository and its content session for a command, and closing them afterwards.

import { openAnnex, type Annex } from '../annex/annex.js';
import type { ContentSession } from '../content/session.js';
import type { CliContext } from './command.js';

/** Runs `fn` with the annex of the repository containing ctx.cwd. */
export async function withAnnex<T>(ctx: CliContext, fn: (annex: Annex) => Promise<T>): Promise<T> {
  const annex = await openAnnex(ctx.cwd);
  try {
    return await annex.branch.holdCommits(() => fn(annex));
  } finally {
    await annex.close();
  }
}

/** Runs `fn` with a content session (the annex plus its remotes); warnings go to stderr. */
export async function withSession<T>(ctx: CliContext, fn: (session: ContentSession) => Promise<T>): Promise<T> {
  // Loaded here, not with the module: commands that need no remotes (status, ...) skip their code.
  const { closeSession, openSession } = await import('../content/session.js');
  return withAnnex(ctx, async (annex) => {
    const session = await openSession(annex, (e) => ctx.out.warn(e.message));
    try {
      return await fn(session);
    } finally {
      await annex.branch.commit().catch(() => undefined);
      await closeSession(session);
    }
  });
}
