// The status report as Prometheus text (exposition format 0.0.4), for the page's /metrics endpoint (pure).

import type { StatusReport } from '../status-report.js';

/** A label value, escaped as the exposition format wants (backslash, quote, newline). */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** One metric family: HELP, TYPE, then its samples. */
function family(name: string, type: 'gauge' | 'counter', help: string, samples: ReadonlyArray<readonly [Record<string, string>, number]>): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) {
    const ls = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`).join(',');
    lines.push(`${name}${ls ? `{${ls}}` : ''} ${Number.isFinite(value) ? value : 0}`);
  }
  return lines.join('\n');
}

/** The metrics of a report: pending work, transfers, problems, conflicts, and per remote reachability, last sync and counts. */
export function formatMetrics(r: StatusReport): string {
  const remotes = Object.entries(r.remotes);
  const per = (f: (s: StatusReport['remotes'][string]) => number | undefined): Array<[Record<string, string>, number]> =>
    remotes.flatMap(([name, s]) => {
      const v = f(s);
      return v === undefined ? [] : [[{ remote: name }, v] as [Record<string, string>, number]];
    });
  return (
    [
      family('arbor_up', 'gauge', 'Whether the assistant runs (1) or not (0).', [[{}, r.running ? 1 : 0]]),
      family('arbor_in_sync', 'gauge', 'Whether nothing is pending and nothing blocks (1).', [[{}, r.verdict.state === 'in-sync' ? 1 : 0]]),
      family('arbor_pending_changes', 'gauge', 'Changes in the work tree not yet committed.', [[{}, r.pendingChanges]]),
      family('arbor_problems', 'gauge', 'Conditions that need the user.', [[{}, r.problems.length]]),
      family('arbor_conflicts', 'gauge', 'Conflicts the sync resolved, not yet cleared.', [[{}, r.conflicts.length]]),
      family('arbor_transfers_running', 'gauge', 'Transfers in progress.', [[{}, r.transfers.running.length]]),
      family('arbor_transfers_queued', 'gauge', 'Transfers waiting for a slot.', [[{}, r.transfers.queued]]),
      family('arbor_transfers_paused', 'gauge', 'Whether transfers are paused (1).', [[{}, r.transfersPaused.paused ? 1 : 0]]),
      family('arbor_last_commit_timestamp_seconds', 'gauge', 'When the assistant last committed.', r.lastCommit ? [[{}, r.lastCommit.time / 1000]] : []),
      family('arbor_remote_reachable', 'gauge', 'Whether the remote was reachable when last tried (1).', per((s) => (s.state === undefined ? undefined : s.state === 'reachable' ? 1 : 0))),
      family('arbor_remote_last_sync_timestamp_seconds', 'gauge', 'When the last push to or fetch from the remote succeeded.', per((s) => (s.lastSync === undefined ? undefined : s.lastSync / 1000))),
      family('arbor_remote_failed_attempts', 'gauge', 'Failed attempts in a row for the remote.', per((s) => s.attempts)),
      family('arbor_remote_files_sent_total', 'counter', 'Files whose content this run sent to the remote.', per((s) => s.sent ?? 0)),
      family('arbor_remote_files_received_total', 'counter', 'Files whose content this run got from the remote.', per((s) => s.received ?? 0)),
    ].join('\n') + '\n'
  );
}
