// `git arbor lock [path...]`: turn unlocked annexed files back into symlinks into the store.

import { annexedFilesFromArgs } from '../file-args.js';
import { lockFiles } from '../../content/lock.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Locks files (content must be unmodified). */
export const lockCommand: ArborCommand = {
  name: 'lock',
  writes: true,
  summary: 'lock annexed files (symlinks into the object store; content read-only)',
  configure: (cmd) => void cmd.argument('[paths...]').option('--json', 'machine-readable output'),
  run: (ctx, args, opts) =>
    withAnnex(ctx, async (annex) => {
      const files = await annexedFilesFromArgs(ctx, annex, args);
      const done = await lockFiles(annex, files);
      if (opts.json === true) ctx.out.json({ command: 'lock', files: done });
      else for (const p of done) ctx.out.line(`lock ${p} ok`);
      return 0;
    }),
};
