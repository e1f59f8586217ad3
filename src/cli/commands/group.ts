// `git arbor group <repository> [group]`: show a repository's groups or add it to one, like git annex group.

import { addToGroup, formatGroups, isValidGroupName, repositoryGroups } from '../../annex/logs/group.js';
import { resolveRepository } from '../../content/repository-name.js';
import { UsageError } from '../../util/errors.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/**
 * Without a group, prints the repository's groups (space-separated, sorted); with one, adds the
 * repository to it in group.log. Standard groups (client, transfer, backup, archive, …) give
 * `wanted … standard` its meaning.
 */
export const groupCommand: ArborCommand = {
  name: 'group',
  writes: (args) => args[1] !== undefined,
  summary: 'show the groups of a repository or add it to a group',
  configure: (cmd) => void cmd.argument('<repository>', '"here", a remote name, a uuid or a description').argument('[group]', 'e.g. client, backup, archive, transfer'),
  run: (ctx, args) =>
    withAnnex(ctx, async (annex) => {
      const [which, group] = args as [string, string | undefined];
      const uuid = await resolveRepository(annex, which);
      if (group === undefined) {
        ctx.out.line(formatGroups((await repositoryGroups(annex.branch)).get(uuid) ?? []));
        return 0;
      }
      // git-annex would store "a b" and read it back as two groups; refuse instead.
      if (!isValidGroupName(group)) throw new UsageError(`a group name cannot be empty or contain spaces: ${JSON.stringify(group)}`);
      await addToGroup(annex.branch, { uuid, group, now: annex.now() });
      await annex.branch.commit();
      ctx.out.line(`group ${which} ok`);
      return 0;
    }),
};
