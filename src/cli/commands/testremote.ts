// `git arbor testremote NAME`: check that a remote stores, keeps, returns and removes content, one line per check.

import { remoteNamed } from '../../content/session.js';
import { testRemote } from '../../content/test-remote.js';
import { withSession } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Runs the self-check; exit 1 when a check fails. */
export const testremoteCommand: ArborCommand = {
  name: 'testremote',
  writes: true,
  summary: 'check a remote with a generated key: store (resumed, when chunked), present, retrieve and verify, remove, absent',
  configure: (cmd) => void cmd.argument('<name>', 'the remote to check'),
  run: (ctx, args) =>
    withSession(ctx, async (session) => {
      const [name] = args as [string];
      const remote = remoteNamed(session, name);
      const ok = await testRemote(session, remote, (c) => {
        if (c.ok) ctx.out.line(`testremote ${name}: ${c.name} ok`);
        else ctx.out.warn(`testremote ${name}: ${c.name} FAILED: ${c.detail ?? ''}`);
      });
      ctx.out.line(`testremote ${name}: ${ok ? 'ok' : 'failed'}`);
      return ok ? 0 : 1;
    }),
};
