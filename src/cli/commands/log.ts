// `git arbor log [-n N] [--since DATE] [--json] [FILE]`: what happened, when (local time) and by which copy; with FILE, only what concerns that file.

import { describeEntry, parseSince, readHistory } from '../../sync/history.js';
import { UsageError } from '../../util/errors.js';
import { formatLocalIso, formatLocalTime } from '../../util/local-time.js';
import { withAnnex } from '../repo-context.js';
import { toTopRelative } from '../../content/annexed-files.js';
import type { ArborCommand } from '../command.js';

/** The default number of entries. */
const DEFAULT_LIMIT = 30;

/** Prints the history newest first: local time, the copy, what happened. */
export const logCommand: ArborCommand = {
  name: 'log',
  summary: 'activity history: what was committed, merged, received and dropped, when, by which copy',
  configure: (cmd) =>
    void cmd
      .argument('[file]', "only this file's history: its commits, and which copies received or dropped its versions")
      .option('-n, --max-count <n>', `show at most this many entries (default ${DEFAULT_LIMIT})`)
      .option('--since <date>', 'only what happened since then (any date git understands: "2 days ago", 2026-12-01)')
      .option('--json', 'one JSON object per entry'),
  run: (ctx, args, opts) =>
    withAnnex(ctx, async (annex) => {
      const given = typeof args[0] === 'string' ? args[0] : undefined;
      const path = given === undefined ? undefined : toTopRelative(annex.workTree ?? '', ctx.cwd, [given])[0];
      const limit = opts.maxCount === undefined ? DEFAULT_LIMIT : Number(opts.maxCount);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`log: --max-count wants a positive whole number, not ${String(opts.maxCount)}`);
      let since: number | undefined;
      if (typeof opts.since === 'string') {
        since = await parseSince(annex, opts.since);
        if (since === undefined) throw new UsageError(`log: cannot read the date ${JSON.stringify(opts.since)}`);
      }
      const entries = await readHistory(annex, { limit, ...(since !== undefined ? { since } : {}), ...(path !== undefined ? { path } : {}) });
      if (opts.json === true) {
        for (const e of entries) ctx.out.json({ ...e, time: formatLocalIso(e.time) });
        return 0;
      }
      if (entries.length === 0) ctx.out.line(path !== undefined ? `no history of ${path}` : since !== undefined ? 'nothing happened in that time' : 'no history yet');
      const width = Math.max(0, ...entries.map((e) => e.copy.length));
      for (const e of entries) ctx.out.line(`${formatLocalTime(e.time)}  ${e.copy.padEnd(width)}  ${describeEntry(e)}`);
      return 0;
    }),
};
