// `git arbor version`: arbor's version and the repository format it writes.

import type { ArborCommand } from '../command.js';
import { VERSION } from '../version.js';

/** Prints the version, the annex repository version, and (with --json) both as data. */
export const versionCommand: ArborCommand = {
  name: 'version',
  summary: 'show the arbor version and the repository format version',
  configure: (cmd) => void cmd.option('--json', 'machine-readable output'),
  run: async (ctx, _args, opts) => {
    const info = { version: VERSION, annexVersion: 10 };
    if (opts.json === true) ctx.out.json(info);
    else ctx.out.line(`git-arbor version ${info.version}\nrepository version ${info.annexVersion}`);
    return 0;
  },
};
