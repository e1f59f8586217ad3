// `git arbor status`: is the assistant running (and if not, why), its problems, pending changes, per-remote sync state, transfers, conflicts.

import { readConflicts } from '../../sync/conflict-log.js';
import { assistantState, type AssistantState } from '../../assistant/control.js';
import type { StatusSnapshot } from '../../assistant/daemon-status.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

function ago(now: number, t: number | undefined): string {
  if (t === undefined) return 'never';
  const s = Math.round((now - t) / 1000);
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** A local time: "14:02" today, "2026-12-03 14:02" otherwise. */
function at(now: number, t: number): string {
  const d = new Date(t);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return new Date(now).toDateString() === d.toDateString() ? hm : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

/** Why the assistant is not running, from the status file its last run left (undefined: never started). */
function notRunningReason(s: StatusSnapshot | undefined, now: number): { line: string; attention: boolean } {
  const start = 'start it with: git arbor assistant';
  if (!s) return { line: `not running (${start})`, attention: false };
  if (s.startError) return { line: `not running: last start failed at ${at(now, s.updatedAt)}: ${s.startError}`, attention: true };
  if (s.exit && !s.exit.clean) return { line: `not running: it stopped at ${at(now, s.exit.time)}: ${s.exit.reason}`, attention: true };
  if (s.exit || s.stopping) return { line: `not running (stopped at ${at(now, s.exit?.time ?? s.updatedAt)}; ${start})`, attention: false };
  return { line: `not running: it ended without a word after ${at(now, s.updatedAt)} (killed, or the machine stopped); ${start}`, attention: true };
}

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
      const conflicts = await readConflicts(annex);
      const state = await assistantState(ctx.cwd);
      const s = state.running ? state.status : undefined;
      const now = Date.now();
      const head = headline(state, now);
      if (opts.json === true) {
        const last = state.running ? undefined : state.status;
        ctx.out.json({
          running: state.running,
          ...(state.pid ? { pid: state.pid } : {}),
          ok: !head.attention,
          problems: s?.problems ?? [],
          ...(state.running ? {} : { startError: last?.startError ?? null, exit: last?.exit ?? null }),
          pendingChanges: s?.pendingChanges ?? 0,
          scanning: s?.scanning ?? false,
          lastCommit: s?.lastCommit ?? null,
          remotes: s?.remotes ?? {},
          transfers: s?.transfers ?? { running: [], queued: 0 },
          watcher: s?.watcher ?? null,
          workers: s?.workers ?? {},
          conflicts,
          logFile: state.logFile,
        });
        return head.attention ? 1 : 0;
      }
      for (const line of head.lines) ctx.out.line(line);
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
      if (head.attention) ctx.out.line(`log: ${state.logFile}`);
      if (conflicts.length === 0) ctx.out.line('conflicts: none recorded');
      for (const c of conflicts) ctx.out.line(`conflict ${c.path} (${c.kind}, merging ${c.ref}): kept as ${c.results.join(', ')}`);
      return head.attention ? 1 : 0;
    }),
};
