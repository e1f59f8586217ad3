// `git arbor filter-process`: git's long-running clean/smudge filter for unlocked files (filter=annex).

import type { ArborCommand } from '../command.js';
import { filterMain } from '../filter-main.js';

/** Run by git, not by people: configured as filter.annex.process by init. */
export const filterProcessCommand: ArborCommand = {
  name: 'filter-process',
  summary: 'git filter process for unlocked annexed files (run by git)',
  configure: () => undefined,
  run: (ctx) => filterMain(ctx.cwd, { input: process.stdin, output: ctx.out.stdout, errors: ctx.out.stderr }),
};
