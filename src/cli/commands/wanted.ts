// `git arbor wanted <repository> [expression]`: show or set a repository's preferred content, like git annex wanted.

import { checkPreferredContentExpression, preferredContentOf, setPreferredContent } from '../../annex/preferred-content.js';
import { resolveRepository } from '../../content/repository-name.js';
import { UsageError } from '../../util/errors.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/**
 * Without an expression, prints the repository's preferred content expression (an empty line
 * when unset, as git-annex does); with one, checks it parses and records it in the git-annex
 * branch (preferred-content.log), shared with every repository.
 */
export const wantedCommand: ArborCommand = {
  name: 'wanted',
  writes: (args) => args[1] !== undefined,
  summary: 'show or set the preferred content of a repository (here, a remote, a uuid or a description)',
  configure: (cmd) =>
    void cmd.argument('<repository>', '"here", a remote name, a uuid or a description').argument('[expression]', 'e.g. standard, include=*.mp3, largerthan=100mb'),
  run: (ctx, args) =>
    withAnnex(ctx, async (annex) => {
      const [which, expression] = args as [string, string | undefined];
      const uuid = await resolveRepository(annex, which);
      if (expression === undefined) {
        ctx.out.line(await preferredContentOf(annex.branch, uuid));
        return 0;
      }
      const problem = checkPreferredContentExpression(expression);
      if (problem !== undefined) throw new UsageError(`not setting wanted for ${which}: ${problem}`, { expression });
      await setPreferredContent(annex.branch, { uuid, expression, now: annex.now() });
      await annex.branch.commit();
      ctx.out.line(`wanted ${which} ok`);
      return 0;
    }),
};
