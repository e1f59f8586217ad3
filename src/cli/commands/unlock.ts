// `git arbor unlock [path...]`: make annexed files editable in place (git tracks a pointer).

import { annexedFilesFromArgs } from '../file-args.js';
import { unlockFiles } from '../../content/lock.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Unlocks files. */
export const unlockCommand: ArborCommand = {
  name: 'unlock',
  writes: true,
  summary: 'unlock annexed files so they can be edited in place',
  configure: (cmd) => void cmd.argument('[paths...]').option('--json', 'machine-readable output'),
  run: (ctx, args, opts) =>
    withAnnex(ctx, async (annex) => {
      const files = await annexedFilesFromArgs(ctx, annex, args);
      const done = await unlockFiles(annex, files);
      if (opts.json === true) ctx.out.json({ command: 'unlock', files: done });
      else for (const p of done) ctx.out.line(`unlock ${p} ok`);
      return 0;
    }),
};
