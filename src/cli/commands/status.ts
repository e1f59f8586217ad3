// `git arbor status`: is the assistant running, what is pending, per-remote sync state, transfers, conflicts.

import { readOpenConflicts } from '../../sync/conflict-log.js';
import { readActivity } from '../../sync/activity-log.js';
import { readOpenPeerDeletions } from '../../sync/peer-deletion-log.js';
import { activityLine, CLEAR_HINT, conflictLine, deletionLine, withLocalTime } from '../notices-view.js';
import { assistantState } from '../../assistant/control.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

function ago(now: number, t: number | undefined): string {
  if (t === undefined) return 'never';
  const s = Math.round((now - t) / 1000);
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** Entries of the activity history status shows (the history keeps more). */
const RECENT_ACTIVITY = 5;

/** Shows the assistant's state and recorded conflicts; --json for scripts. */
export const statusCommand: ArborCommand = {
  name: 'status',
  summary: 'show the assistant\'s state: running, pending changes, per-remote syncs and failures, transfers, conflicts',
  configure: (cmd) => void cmd.option('--json', 'machine-readable output'),
  run: (ctx, _args, opts) =>
    withAnnex(ctx, async (annex) => {
      // Conflicts and peer deletions since the user last cleared them (git arbor conflicts --clear).
      const conflicts = await readOpenConflicts(annex);
      const peerDeletions = await readOpenPeerDeletions(annex);
      const activity = await readActivity(annex, RECENT_ACTIVITY);
      const state = await assistantState(ctx.cwd);
      const s = state.running ? state.status : undefined;
      if (opts.json === true) {
        ctx.out.json({
          running: state.running,
          ...(state.pid ? { pid: state.pid } : {}),
          pendingChanges: s?.pendingChanges ?? 0,
          scanning: s?.scanning ?? false,
          lastCommit: s?.lastCommit ?? null,
          remotes: s?.remotes ?? {},
          transfers: s?.transfers ?? { running: [], queued: 0 },
          watcher: s?.watcher ?? null,
          workers: s?.workers ?? {},
          conflicts: conflicts.map(withLocalTime),
          peerDeletions: peerDeletions.map(withLocalTime),
          activity: activity.map(withLocalTime),
          logFile: state.logFile,
        });
        return 0;
      }
      const now = Date.now();
      ctx.out.line(state.running ? `assistant: running (pid ${state.pid})` : 'assistant: not running (start it with: git arbor assistant)');
      if (s) {
        ctx.out.line(`pending changes: ${s.pendingChanges}${s.scanning ? ' (startup scan in progress)' : ''}`);
        ctx.out.line(`watcher: ${s.watcher.backend}${s.watcher.degraded ? ` (degraded: ${s.watcher.reason ?? ''})` : ''}`);
        if (s.lastCommit) ctx.out.line(`last commit: ${ago(now, s.lastCommit.time)} (${s.lastCommit.files} files)`);
        for (const [name, r] of Object.entries(s.remotes)) {
          ctx.out.line(`remote ${name}: last sync ${ago(now, r.lastSync)}${r.lastFailure ? `; last failure ${ago(now, r.lastFailure.time)}: ${r.lastFailure.error}` : ''}`);
        }
        for (const t of s.transfers.running) ctx.out.line(`transfer ${t.direction} ${t.file} ${t.remote}: ${t.done}/${t.total ?? '?'} bytes`);
        if (s.transfers.queued) ctx.out.line(`transfers queued: ${s.transfers.queued}`);
      }
      for (const d of peerDeletions) ctx.out.line(deletionLine(d));
      if (conflicts.length === 0) ctx.out.line('conflicts: none recorded');
      for (const c of conflicts) ctx.out.line(conflictLine(c));
      if (conflicts.length + peerDeletions.length > 0) ctx.out.line(CLEAR_HINT);
      if (activity.length > 0) ctx.out.line('recent activity:');
      for (const e of activity) ctx.out.line(activityLine(e));
      return 0;
    }),
};
