// `git arbor initremote NAME type=… encryption=none|shared|hybrid|pubkey|sharedpubkey [keyid=…] [params]`: create a special remote, as git-annex's initremote does.

import { initRemote, parseParameters } from '../../remotes/special/setup.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Creates a special remote; every parameter is checked before anything is written. */
export const initremoteCommand: ArborCommand = {
  name: 'initremote',
  writes: true,
  summary: 'create a special remote (type=directory directory=PATH, type=rsync rsyncurl=HOST:/PATH, or type=external externaltype=NAME; encryption=none|shared, or hybrid|pubkey|sharedpubkey keyid=KEY [chunk=SIZE])',
  configure: (cmd) => void cmd.argument('<name>', 'name of the new remote').argument('[params...]', 'key=value settings: type=, encryption=, keyid=, chunk=, mac=, and the type\'s own'),
  run: (ctx, args) =>
    withAnnex(ctx, async (annex) => {
      const [name, words] = args as [string, string[] | undefined];
      const params = parseParameters(words ?? []);
      const { uuid } = await initRemote(annex, { name, params, base: ctx.cwd });
      ctx.out.line(`initremote ${name} (${uuid}) ok`);
      return 0;
    }),
};
