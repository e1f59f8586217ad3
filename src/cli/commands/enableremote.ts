// `git arbor enableremote NAME [params]`: use, from this copy, a special remote another copy created.

import { enableRemote, parseParameters } from '../../remotes/special/setup.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Sets up a special remote recorded in the git-annex branch (e.g. `directory=PATH` where it is mounted here). */
export const enableremoteCommand: ArborCommand = {
  name: 'enableremote',
  writes: true,
  summary: 'use a special remote created elsewhere (directory=PATH where this copy sees it)',
  configure: (cmd) => void cmd.argument('<name>', 'name of the special remote').argument('[params...]', 'key=value settings to add or change (keyid+=KEY / keyid-=KEY for hybrid, pubkey and sharedpubkey remotes)'),
  run: (ctx, args) =>
    withAnnex(ctx, async (annex) => {
      const [name, words] = args as [string, string[] | undefined];
      const params = parseParameters(words ?? []);
      const { uuid } = await enableRemote(annex, { name, params, base: ctx.cwd });
      ctx.out.line(`enableremote ${name} (${uuid}) ok`);
      return 0;
    }),
};
