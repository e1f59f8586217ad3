// `git arbor describe <repository> <description>`: name a repository in uuid.log.

import { describeRepository } from '../../annex/logs/uuid.js';
import { UsageError } from '../../util/errors.js';
import { withSession } from '../repo-context.js';
import { connectRemote, remoteNamed } from '../../content/session.js';
import type { ArborCommand } from '../command.js';

/** Sets the description of `here`, a remote by name, or a UUID. */
export const describeCommand: ArborCommand = {
  name: 'describe',
  writes: true,
  summary: 'change the description of a repository (here, a remote, or a uuid)',
  configure: (cmd) => void cmd.argument('<repository>', '"here", a remote name or a uuid').argument('<description>'),
  run: (ctx, args) =>
    withSession(ctx, async (session) => {
      const [which, description] = args as [string, string];
      let uuid: string | undefined;
      if (which === 'here' || which === '.') uuid = session.annex.uuid;
      else if (/^[0-9a-f-]{36}$/i.test(which)) uuid = which;
      else uuid = await connectRemote(session, remoteNamed(session, which));
      if (!uuid) throw new UsageError(`cannot find the uuid of ${which}`);
      await describeRepository(session.annex.branch, { uuid, description, now: session.annex.now() });
      ctx.out.line(`describe ${which} ok`);
      return 0;
    }),
};
