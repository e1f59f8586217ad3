// `git arbor init [description]`: make this git repository an arbor (git-annex v10) repository.

import { initAnnex } from '../../annex/init.js';
import { openAnnex } from '../../annex/annex.js';
import { openSession, closeSession, connectRemote } from '../../content/session.js';
import type { ArborCommand } from '../command.js';
import { selfCommand } from '../self-command.js';

/** Initialises the repository, then probes local remotes for their UUIDs as git-annex does. */
export const initCommand: ArborCommand = {
  name: 'init',
  writes: true,
  summary: 'initialise this git repository for arbor (idempotent)',
  configure: (cmd) => void cmd.argument('[description]', 'a description of this repository (default user@host:path)').option('--json', 'machine-readable output'),
  run: async (ctx, args, opts) => {
    const description = typeof args[0] === 'string' ? args[0] : undefined;
    const result = await initAnnex(ctx.cwd, { ...(description ? { description } : {}), filterCommand: selfCommand(['filter-process'], ctx.env) });
    const annex = await openAnnex(ctx.cwd);
    try {
      const session = await openSession(annex, () => undefined);
      for (const r of session.remotes) if (!r.config.uuid) await connectRemote(session, r).catch(() => undefined);
      await closeSession(session);
    } finally {
      await annex.close();
    }
    if (opts.json === true) ctx.out.json(result);
    else ctx.out.line(`init ${result.description} ok${result.created ? '' : ' (already initialised)'}`);
    return 0;
  },
};
