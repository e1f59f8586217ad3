// `git arbor transfers pause|resume|list [--json]`: hold, release and show the assistant's transfers.

import { assistantPaths } from '../../assistant/paths.js';
import { assistantState } from '../../assistant/control.js';
import { findRepository } from '../../git/repo.js';
import { listTransfers, setTransfersPaused, transferControlPath } from '../../transfers/control.js';
import { systemClock } from '../../util/clock.js';
import { UsageError } from '../../util/errors.js';
import { formatLocalTime } from '../../util/local-time.js';
import type { ArborCommand } from '../command.js';
import { transferLine, waitingLines } from '../transfer-line.js';

const ACTIONS = ['pause', 'resume', 'list'] as const;

/** Pauses, resumes or lists the assistant's transfers (the pause persists across restarts). */
export const transfersCommand: ArborCommand = {
  name: 'transfers',
  writes: (args) => args[0] === 'pause' || args[0] === 'resume',
  summary: 'pause, resume or list the assistant\'s content transfers',
  configure: (cmd) => void cmd.argument('[action]', 'pause, resume or list (default list)').option('--json', 'machine-readable output'),
  run: async (ctx, args, opts) => {
    const action = typeof args[0] === 'string' ? args[0] : 'list';
    if (!(ACTIONS as readonly string[]).includes(action)) throw new UsageError(`transfers: unknown action ${action} (use pause, resume or list)`);
    const repo = await findRepository(ctx.cwd);
    const controlFile = transferControlPath(repo.gitDir);
    const state = await assistantState(ctx.cwd);
    if (action === 'pause' || action === 'resume') {
      const c = await setTransfersPaused({ file: controlFile, paused: action === 'pause', now: systemClock.now() });
      if (opts.json === true) ctx.out.json({ ...c, assistant: state.running });
      else {
        ctx.out.line(c.paused ? 'transfers paused' : 'transfers resumed');
        if (!state.running) ctx.out.line(c.paused ? 'the assistant is not running; it will start with transfers paused' : 'the assistant is not running');
      }
      return 0;
    }
    const listing = await listTransfers({ controlFile, statusFile: assistantPaths(repo.gitDir).status, assistantRunning: state.running });
    if (opts.json === true) {
      ctx.out.json({ ...listing, assistant: state.running });
      return 0;
    }
    ctx.out.line(`transfers: ${listing.paused ? `paused${listing.since !== undefined ? ` since ${formatLocalTime(listing.since)}` : ''}` : 'active'}${state.running ? '' : ' (the assistant is not running)'}`);
    for (const t of listing.running) ctx.out.line(transferLine(t));
    const waiting = waitingLines(listing.queued, listing.waiting, listing.paused);
    for (const l of waiting.length > 0 ? waiting : ['queued: 0']) ctx.out.line(l);
    return 0;
  },
};
