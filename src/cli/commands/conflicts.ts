// `git arbor conflicts [--clear]`: list the conflicts and peer deletions recorded since the last clear, or clear them.

import { clearNotices } from '../../sync/clear-notices.js';
import { readOpenConflicts } from '../../sync/conflict-log.js';
import { readOpenPeerDeletions } from '../../sync/peer-deletion-log.js';
import { CLEAR_HINT, conflictLine, deletionLine, withLocalTime } from '../notices-view.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/**
 * Lists what merges left for the user to look at (resolved conflicts with where each version is,
 * conflict markers from peers, files peers deleted); `--clear` takes them off the list once the
 * user has dealt with them. Clearing removes no file and no record (the logs are kept).
 */
export const conflictsCommand: ArborCommand = {
  name: 'conflicts',
  summary: 'list the conflicts and peer deletions merges recorded; --clear takes them off the list in status',
  configure: (cmd) => void cmd.option('--clear', 'clear the list (files and logs are kept)').option('--json', 'machine-readable output'),
  run: (ctx, _args, opts) =>
    withAnnex(ctx, async (annex) => {
      if (opts.clear === true) {
        const cleared = await clearNotices(annex);
        if (opts.json === true) ctx.out.json({ cleared });
        else ctx.out.line(`cleared ${cleared.conflicts} conflict(s) and ${cleared.peerDeletions} peer deletion(s)`);
        return 0;
      }
      const conflicts = await readOpenConflicts(annex);
      const deletions = await readOpenPeerDeletions(annex);
      if (opts.json === true) {
        ctx.out.json({ conflicts: conflicts.map(withLocalTime), peerDeletions: deletions.map(withLocalTime) });
        return 0;
      }
      if (conflicts.length === 0 && deletions.length === 0) ctx.out.line('no conflicts or peer deletions recorded');
      for (const d of deletions) ctx.out.line(deletionLine(d));
      for (const c of conflicts) ctx.out.line(conflictLine(c));
      if (conflicts.length + deletions.length > 0) ctx.out.line(CLEAR_HINT);
      return 0;
    }),
};
