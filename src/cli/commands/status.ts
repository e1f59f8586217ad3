// `git arbor status`: is the assistant running (and if not, why), its problems, pending changes, per-remote sync state, transfers, conflicts.

import { formatLocalShort } from '../../util/local-time.js';
import { activityLine, CLEAR_HINT, conflictLine, deletionLine } from '../notices-view.js';
import { assistantState, type AssistantState } from '../../assistant/control.js';
import type { RemoteStatus } from '../../assistant/daemon-status.js';
import { notRunningReason, statusReport } from '../../assistant/status-report.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';
import { transferLine, waitingLines } from '../transfer-line.js';

function ago(now: number, t: number | undefined): string {
  if (t === undefined) return 'never';
  const s = Math.round((now - t) / 1000);
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** Entries of the activity history status shows (the history keeps more). */
const RECENT_ACTIVITY = 5;

/** The first line: running or not, and what needs the user. */
function headline(state: AssistantState, now: number): { lines: string[]; attention: boolean } {
  if (!state.running) {
    const r = notRunningReason(state.status, now);
    return { lines: [`assistant: ${r.line}`], attention: r.attention };
  }
  const problems = state.status?.problems ?? [];
  const running = `assistant: running (pid ${state.pid})`;
  if (problems.length === 0) return { lines: [running], attention: false };
  if (problems.length === 1) return { lines: [`${running}, but ${problems[0]?.message ?? ''}`], attention: true };
  return { lines: [`${running}, but with ${problems.length} problems:`, ...problems.map((p) => `  ${p.message}`)], attention: true };
}

/** "nas: unreachable since 14:02 (remote nas: no answer for 30 s (stalled)); next try 14:05", or undefined when it is reachable. */
function reachabilityLine(name: string, r: RemoteStatus, now = Date.now()): string | undefined {
  if (r.state === 'unreachable') {
    const since = r.unreachableSince === undefined ? '' : ` since ${formatLocalShort(now, r.unreachableSince)}`;
    const next = r.nextTry === undefined ? '' : `; next try ${formatLocalShort(now, r.nextTry)}`;
    return `${name}: unreachable${since}${r.reason ? ` (${r.reason})` : ''}${next}`;
  }
  if (r.state === 'away') return `${name}: away${r.unreachableSince === undefined ? '' : ` since ${formatLocalShort(now, r.unreachableSince)}`}${r.reason ? ` (${r.reason})` : ''}`;
  return undefined;
}

/** "nas: change notices: listening (ssh) since 14:02", "…: reconnecting since 14:02 (connection lost); next try 14:03", "…: off (why)". */
function noticesLine(name: string, r: RemoteStatus, now = Date.now()): string | undefined {
  const n = r.notices;
  if (!n) return undefined;
  const since = n.since === undefined ? '' : ` since ${formatLocalShort(now, n.since)}`;
  if (n.state === 'listening') return `${name}: change notices: listening${n.via ? ` (${n.via})` : ''}${since}`;
  if (n.state === 'reconnecting') return `${name}: change notices: reconnecting${since}${n.reason ? ` (${n.reason})` : ''}${n.nextTry === undefined ? '' : `; next try ${formatLocalShort(now, n.nextTry)}`}`;
  return `${name}: change notices: off${n.reason ? ` (${n.reason})` : ''}`;
}

/**
 * Shows the assistant's state and recorded conflicts; --json for scripts. Exits 0 when all is
 * well (running without problems, stopped by the user, never started) and 1 when the assistant
 * needs attention: it runs with problems, its last start failed, or it stopped on an error.
 */
export const statusCommand: ArborCommand = {
  name: 'status',
  summary: 'show the assistant\'s state: running (or why not), problems, pending changes, per-remote syncs and failures, transfers, conflicts',
  configure: (cmd) => void cmd.option('--json', 'machine-readable output'),
  run: (ctx, _args, opts) =>
    withAnnex(ctx, async (annex) => {
      const state = await assistantState(ctx.cwd);
      const now = Date.now();
      // Conflicts and peer deletions since the user last cleared them (git arbor conflicts --clear).
      const report = await statusReport({ annex, state, now, activity: RECENT_ACTIVITY });
      const { conflicts, peerDeletions, activity } = report;
      const s = state.running ? state.status : undefined;
      const head = headline(state, now);
      if (opts.json === true) {
        ctx.out.json(report);
        return report.ok ? 0 : 1;
      }
      for (const line of head.lines) ctx.out.line(line);
      if (s) {
        ctx.out.line(`pending changes: ${s.pendingChanges}${s.scanning ? ' (startup scan in progress)' : ''}`);
        if (s.scanError) ctx.out.line(`scan failed (retrying): ${s.scanError}`);
        for (const f of s.couldNotAdd ?? []) ctx.out.line(`could not add ${JSON.stringify(f.path)}: ${f.reason} (${f.attempts} tries; next in ${Math.max(0, Math.round((f.nextTry - now) / 1000))}s)`);
        ctx.out.line(`watcher: ${s.watcher.backend}${s.watcher.degraded ? ` (degraded: ${s.watcher.reason ?? ''})` : ''}`);
        if (s.lastCommit) ctx.out.line(`last commit: ${ago(now, s.lastCommit.time)} (${s.lastCommit.files} files)`);
        for (const [name, r] of Object.entries(s.remotes)) {
          ctx.out.line(`remote ${name}: last push ${ago(now, r.lastSync)}, last fetch ${ago(now, r.lastFetch)}${r.lastFailure ? `; last failure ${ago(now, r.lastFailure.time)}: ${r.lastFailure.error}` : ''}`);
          const reach = reachabilityLine(name, r);
          if (reach) ctx.out.line(reach);
          const heard = noticesLine(name, r);
          if (heard) ctx.out.line(heard);
        }
        for (const t of s.transfers.running) ctx.out.line(`transfer ${transferLine(t)}`);
        for (const l of waitingLines(s.transfers.queued, s.transfers.waiting ?? [], false)) ctx.out.line(`transfers ${l}`);
      }
      if (head.attention) ctx.out.line(`log: ${state.logFile}`);
      for (const d of peerDeletions) ctx.out.line(deletionLine(d));
      if (conflicts.length === 0) ctx.out.line('conflicts: none recorded');
      for (const c of conflicts) ctx.out.line(conflictLine(c));
      if (conflicts.length + peerDeletions.length > 0) ctx.out.line(CLEAR_HINT);
      if (activity.length > 0) ctx.out.line('recent activity:');
      for (const e of activity) ctx.out.line(activityLine(e));
      return head.attention ? 1 : 0;
    }),
};
