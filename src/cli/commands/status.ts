// `git arbor status`: conflicts sync resolved (and, with the assistant, what it is doing).

import { readConflicts } from '../../sync/conflict-log.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Shows recorded conflicts; --json for scripts. */
export const statusCommand: ArborCommand = {
  name: 'status',
  summary: 'show the state of this repository: resolved conflicts to tidy',
  configure: (cmd) => void cmd.option('--json', 'machine-readable output'),
  run: (ctx, _args, opts) =>
    withAnnex(ctx, async (annex) => {
      const conflicts = await readConflicts(annex);
      if (opts.json === true) {
        ctx.out.json({ conflicts });
        return 0;
      }
      if (conflicts.length === 0) ctx.out.line('no conflicts recorded');
      for (const c of conflicts) ctx.out.line(`conflict ${c.path} (${c.kind}, merging ${c.ref}): kept as ${c.results.join(', ')}`);
      return 0;
    }),
};
