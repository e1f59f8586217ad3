// The entry git starts for `git-arbor filter-process`: the filter without the command-line parser.

import { openAnnex } from '../annex/annex.js';
import { runFilterProcess } from '../annex/filter.js';
import { describeError } from '../util/errors.js';

/**
 * Serves git's filter protocol in `cwd` on stdin/stdout and returns the exit code. git starts the
 * filter for every command that reads or writes unlocked files in the work tree (add, checkout,
 * merge, stash, diff), so it starts lean: bin/git-arbor.js loads this module, not the CLI, when
 * the arguments are exactly `filter-process` (about a tenth of the filter's start-up CPU saved).
 * `git arbor filter-process` through the CLI runs the same function.
 */
export async function filterMain(cwd: string, io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream; errors: NodeJS.WritableStream }): Promise<number> {
  try {
    const annex = await openAnnex(cwd);
    try {
      await runFilterProcess(annex, { input: io.input, output: io.output });
    } finally {
      await annex.close();
    }
    return 0;
  } catch (err) {
    // git prints the filter's stderr and names the filter that failed.
    io.errors.write(`git-arbor: filter-process: ${describeError(err)}\n`);
    return 1;
  }
}
