// `git arbor init [description]`: make this git repository an arbor (git-annex v10) repository.

import { initRepository } from '../../content/init-repository.js';
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
    const result = await initRepository(ctx.cwd, { ...(description ? { description } : {}), filterCommand: selfCommand(['filter-process'], ctx.env) });
    if (opts.json === true) ctx.out.json(result);
    else ctx.out.line(`init ${result.description} ok${result.created ? '' : ' (already initialised)'}`);
    return 0;
  },
};
