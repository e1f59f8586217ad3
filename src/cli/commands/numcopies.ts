// `git arbor numcopies [N]`: show or set how many copies of each file must exist.

import { numCopies, setNumCopies } from '../../annex/logs/numcopies.js';
import { UsageError } from '../../util/errors.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Shows or sets numcopies in the git-annex branch (shared with every repository). */
export const numcopiesCommand: ArborCommand = {
  name: 'numcopies',
  writes: (args) => args[0] !== undefined,
  summary: 'show or set the number of copies every file must have',
  configure: (cmd) => void cmd.argument('[n]').option('--json', 'machine-readable output'),
  run: (ctx, args, opts) =>
    withAnnex(ctx, async (annex) => {
      const given = args[0];
      if (typeof given === 'string') {
        const n = Number(given);
        if (!Number.isInteger(n) || n < 1) throw new UsageError(`numcopies must be a whole number of at least 1, not ${given}`);
        await setNumCopies(annex.branch, { value: n, now: annex.now() });
        await annex.branch.commit();
      }
      const value = await numCopies(annex.branch);
      if (opts.json === true) ctx.out.json({ numcopies: value });
      else ctx.out.line(String(value));
      return 0;
    }),
};
