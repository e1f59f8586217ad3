// `git arbor status`: is the assistant running, what is pending, per-remote sync state, transfers, conflicts.

import { readConflicts } from '../../sync/conflict-log.js';
import { assistantState } from '../../assistant/control.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

function ago(now: number, t: number | undefined): string {
  if (t === undefined) return 'never';
  const s = Math.round((now - t) / 1000);
  return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** Shows the assistant's state and recorded conflicts; --json for scripts. */
export const statusCommand: ArborCommand = {
  name: 'status',
  summary: 'show the assistant\'s state: running, pending changes, per-remote syncs and failures, transfers, conflicts',
  configure: (cmd) => void cmd.option('--json', 'machine-readable output'),
  run: (ctx, _args, opts) =>
    withAnnex(ctx, async (annex) => {
      const conflicts = await readConflicts(annex);
      const state = await assistantState(ctx.cwd);
      const s = state.running ? state.status : undefined;
      if (opts.json === true) {
        ctx.out.json({
          running: state.running,
          ...(state.pid ? { pid: state.pid } : {}),
          pendingChanges: s?.pendingChanges ?? 0,
          scanning: s?.scanning ?? false,
          couldNotAdd: s?.couldNotAdd ?? [],
          ...(s?.scanError ? { scanError: s.scanError } : {}),
          lastCommit: s?.lastCommit ?? null,
          remotes: s?.remotes ?? {},
          transfers: s?.transfers ?? { running: [], queued: 0 },
          watcher: s?.watcher ?? null,
          workers: s?.workers ?? {},
          conflicts,
          logFile: state.logFile,
        });
        return 0;
      }
      const now = Date.now();
      ctx.out.line(state.running ? `assistant: running (pid ${state.pid})` : 'assistant: not running (start it with: git arbor assistant)');
      if (s) {
        ctx.out.line(`pending changes: ${s.pendingChanges}${s.scanning ? ' (startup scan in progress)' : ''}`);
        if (s.scanError) ctx.out.line(`scan failed (retrying): ${s.scanError}`);
        for (const f of s.couldNotAdd ?? []) ctx.out.line(`could not add ${JSON.stringify(f.path)}: ${f.reason} (${f.attempts} tries; next in ${Math.max(0, Math.round((f.nextTry - now) / 1000))}s)`);
        ctx.out.line(`watcher: ${s.watcher.backend}${s.watcher.degraded ? ` (degraded: ${s.watcher.reason ?? ''})` : ''}`);
        if (s.lastCommit) ctx.out.line(`last commit: ${ago(now, s.lastCommit.time)} (${s.lastCommit.files} files)`);
        for (const [name, r] of Object.entries(s.remotes)) {
          ctx.out.line(`remote ${name}: last sync ${ago(now, r.lastSync)}${r.lastFailure ? `; last failure ${ago(now, r.lastFailure.time)}: ${r.lastFailure.error}` : ''}`);
        }
        for (const t of s.transfers.running) ctx.out.line(`transfer ${t.direction} ${t.file} ${t.remote}: ${t.done}/${t.total ?? '?'} bytes`);
        if (s.transfers.queued) ctx.out.line(`transfers queued: ${s.transfers.queued}`);
      }
      if (conflicts.length === 0) ctx.out.line('conflicts: none recorded');
      for (const c of conflicts) ctx.out.line(`conflict ${c.path} (${c.kind}, merging ${c.ref}): kept as ${c.results.join(', ')}`);
      return 0;
    }),
};
