// `git arbor filter-process`: git's long-running clean/smudge filter for unlocked files (filter=annex).

import { openAnnex } from '../../annex/annex.js';
import { runFilterProcess } from '../../annex/filter.js';
import type { ArborCommand } from '../command.js';

/** Run by git, not by people: configured as filter.annex.process by init. */
export const filterProcessCommand: ArborCommand = {
  name: 'filter-process',
  summary: 'git filter process for unlocked annexed files (run by git)',
  configure: () => undefined,
  run: async (ctx) => {
    const annex = await openAnnex(ctx.cwd);
    try {
      await runFilterProcess(annex, { input: process.stdin, output: ctx.out.stdout });
    } finally {
      await annex.close();
    }
    return 0;
  },
};
