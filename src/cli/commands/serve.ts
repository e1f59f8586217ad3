// `git arbor serve`: stands in for git-annex-shell on a server (P2P protocol over stdin/stdout, configlist, notifychanges, git's pack services).

import { systemClock } from '../../util/clock.js';
import { runServe } from '../../remotes/serve.js';
import type { ArborCommand } from '../command.js';

/**
 * Takes git-annex-shell's own command lines (`serve p2pstdio DIR UUID --uuid UUID`, `serve -c
 * "<command>"`, ...) or `serve DIR`. With `--restrict DIR` (a forced command in authorized_keys)
 * only that repository is served and the command comes from SSH_ORIGINAL_COMMAND.
 */
export const serveCommand: ArborCommand = {
  name: 'serve',
  summary: 'serve a repository to git-annex and arbor clients over ssh (stands in for git-annex-shell)',
  configure: (cmd) =>
    void cmd
      .argument('[request...]', 'git-annex-shell command (p2pstdio, configlist, notifychanges, git-upload-pack, git-receive-pack) or a repository')
      .option('--restrict <dir>', 'serve only this repository (for command= in authorized_keys)')
      .allowUnknownOption(),
  run: async (ctx, args, opts) => {
    const words = (args[0] as string[] | undefined) ?? [];
    const restrict = typeof opts.restrict === 'string' ? opts.restrict : undefined;
    const original = ctx.env.SSH_ORIGINAL_COMMAND;
    return runServe({
      words,
      ...(restrict !== undefined ? { restrict } : {}),
      ...(original ? { originalCommand: original } : {}),
      stdin: process.stdin,
      stdout: ctx.out.stdout,
      stderr: ctx.out.stderr,
      clock: systemClock,
      ...(ctx.env.HOME ? { home: ctx.env.HOME } : {}),
    });
  },
};
