// The assistant's state as one report: what `git arbor status --json` prints and what the status page shows (computed here once for both).

import { basename } from 'node:path';
import type { Annex } from '../annex/annex.js';
import { readActivity, type ActivityEntry } from '../sync/activity-log.js';
import { readOpenConflicts, type ConflictRecord } from '../sync/conflict-log.js';
import { readOpenPeerDeletions, type PeerDeletionRecord } from '../sync/peer-deletion-log.js';
import { readTransferControl, transferControlPath, type TransferControl } from '../transfers/control.js';
import { formatLocalIso, formatLocalShort } from '../util/local-time.js';
import type { AssistantState } from './control.js';
import type { Problem } from './problems.js';
import type { RemoteStatus, StatusSnapshot, TransferStatus, WorkerStatus } from './daemon-status.js';

/**
 * The one-line answer at the top of the page: `in-sync` (nothing waits), `pending` (changes or
 * transfers on their way; `count` says how many), `blocked` (a problem needs the user: `reason`
 * names it, `action` says what to do), `stopped` (the assistant does not run).
 */
export interface Verdict {
  readonly state: 'in-sync' | 'pending' | 'blocked' | 'stopped';
  /** The headline a person reads, e.g. "3 changes pending". */
  readonly title: string;
  readonly reason?: string;
  readonly action?: string;
  readonly count?: number;
}

/** A record with `at`, its time as local ISO 8601 (`time` stays ms since the epoch). */
export type Timed<T> = T & { readonly at: string };

/** The report (stable field names: this is `status --json`). */
export interface StatusReport {
  /** The repository's directory name (the page's heading). */
  readonly repository: string;
  readonly running: boolean;
  readonly pid?: number;
  /** false when the assistant needs attention (status exits 1 then). */
  readonly ok: boolean;
  readonly verdict: Verdict;
  readonly problems: readonly Problem[];
  readonly startError?: string | null;
  readonly exit?: StatusSnapshot['exit'] | null;
  readonly pendingChanges: number;
  readonly scanning: boolean;
  readonly couldNotAdd: NonNullable<StatusSnapshot['couldNotAdd']>;
  readonly scanError?: string;
  readonly lastCommit: StatusSnapshot['lastCommit'] | null;
  readonly remotes: Readonly<Record<string, RemoteStatus>>;
  readonly transfers: { readonly running: readonly TransferStatus[]; readonly queued: number };
  /** The persisted pause (`git arbor transfers pause`, or the page's pause button). */
  readonly transfersPaused: TransferControl;
  readonly watcher: StatusSnapshot['watcher'] | null;
  readonly workers: Readonly<Record<string, WorkerStatus>>;
  readonly conflicts: ReadonlyArray<Timed<ConflictRecord>>;
  readonly peerDeletions: ReadonlyArray<Timed<PeerDeletionRecord>>;
  readonly activity: ReadonlyArray<Timed<ActivityEntry>>;
  readonly logFile: string;
  /** When the report was made (ms). */
  readonly time: number;
}

function timed<T extends { readonly time: number }>(r: T): Timed<T> {
  return { ...r, at: formatLocalIso(r.time) };
}

/** Why the assistant is not running, from the status file its last run left (undefined: never started). */
export function notRunningReason(s: StatusSnapshot | undefined, now: number): { line: string; attention: boolean } {
  const start = 'start it with: git arbor assistant';
  if (!s) return { line: `not running (${start})`, attention: false };
  if (s.startError) return { line: `not running: last start failed at ${formatLocalShort(now, s.updatedAt)}: ${s.startError}`, attention: true };
  if (s.exit && !s.exit.clean) return { line: `not running: it stopped at ${formatLocalShort(now, s.exit.time)}: ${s.exit.reason}`, attention: true };
  if (s.exit || s.stopping) return { line: `not running (stopped at ${formatLocalShort(now, s.exit?.time ?? s.updatedAt)}; ${start})`, attention: false };
  return { line: `not running: it ended without a word after ${formatLocalShort(now, s.updatedAt)} (killed, or the machine stopped); ${start}`, attention: true };
}

/** What a user does about a problem, by its id's area ("<area>:<name>", problems.ts). */
function actionFor(p: Problem): string {
  const area = p.id.split(':')[0];
  switch (area) {
    case 'settings':
      return 'fix the setting with git config; the assistant follows the change at once';
    case 'remote':
      return 'check that the remote is online; the assistant keeps retrying';
    case 'file':
      return 'fix the file (permissions, or move it away); it is tried again by itself';
    case 'stall':
      return 'the line says what holds the work up; the assistant keeps trying and clears this once it goes through';
    case 'merge':
      return 'see the log for what stops the merge and fix it there; changes from that remote wait until then';
    case 'worker':
      return 'see the log; restart the assistant (git arbor assistant --stop, then git arbor assistant)';
    default:
      return 'see the log for details';
  }
}

/** The verdict of a status snapshot: blocked by the oldest problem, else pending work, else in sync. */
export function verdictOf(state: { running: boolean; status?: StatusSnapshot }, paused: boolean, now: number): Verdict {
  const s = state.status;
  if (!state.running) {
    const r = notRunningReason(s, now);
    return { state: 'stopped', title: 'the assistant is not running', reason: r.line.replace(/^not running:? ?/, '') || r.line, action: 'start it with: git arbor assistant' };
  }
  const first = s?.problems[0];
  if (s && first) {
    const more = s.problems.length > 1 ? ` (and ${s.problems.length - 1} more)` : '';
    return { state: 'blocked', title: `blocked${more}`, reason: first.message, action: actionFor(first), count: s.problems.length };
  }
  const pending = (s?.pendingChanges ?? 0) + (s?.transfers.running.length ?? 0) + (s?.transfers.queued ?? 0);
  if (paused && (s?.transfers.running.length || s?.transfers.queued)) {
    return { state: 'blocked', title: 'transfers paused', reason: `${pending} transfer(s) wait while transfers are paused`, action: 'resume transfers', count: pending };
  }
  if (s?.scanError !== undefined) {
    // What the failed scan owes cannot be counted (files written while the daemon was stopped): never "in sync".
    return { state: 'pending', title: 'changes wait: the scan of the work tree failed, and is tried again', reason: s.scanError, count: pending };
  }
  if (pending > 0 || s?.scanning) {
    const what = s?.scanning ? 'scanning the work tree' : `${pending} ${pending === 1 ? 'change' : 'changes'} pending`;
    return { state: 'pending', title: what, count: pending };
  }
  return { state: 'in-sync', title: 'in sync' };
}

/**
 * The report for `state` (the daemon passes its live snapshot; `status` reads the status file).
 * Conflicts, peer deletions and recent activity are read from the repository's logs.
 */
export async function statusReport(options: { annex: Annex; state: AssistantState; now: number; activity?: number }): Promise<StatusReport> {
  const { annex, state, now } = options;
  const [conflicts, peerDeletions, activity, paused] = await Promise.all([
    readOpenConflicts(annex),
    readOpenPeerDeletions(annex),
    readActivity(annex, options.activity ?? 5),
    readTransferControl(transferControlPath(annex.git.repo.gitDir)).catch((): TransferControl => ({ paused: false })),
  ]);
  const s = state.running ? state.status : undefined;
  const last = state.running ? undefined : state.status;
  const verdict = verdictOf(state, paused.paused, now);
  const attention = state.running ? (s?.problems.length ?? 0) > 0 : notRunningReason(state.status, now).attention;
  return {
    repository: basename(annex.workTree ?? annex.git.repo.gitDir),
    running: state.running,
    ...(state.pid ? { pid: state.pid } : {}),
    ok: !attention,
    verdict,
    problems: s?.problems ?? [],
    ...(state.running ? {} : { startError: last?.startError ?? null, exit: last?.exit ?? null }),
    pendingChanges: s?.pendingChanges ?? 0,
    scanning: s?.scanning ?? false,
    couldNotAdd: s?.couldNotAdd ?? [],
    ...(s?.scanError ? { scanError: s.scanError } : {}),
    lastCommit: s?.lastCommit ?? null,
    remotes: s?.remotes ?? {},
    transfers: s?.transfers ?? { running: [], queued: 0 },
    transfersPaused: paused,
    watcher: s?.watcher ?? null,
    workers: s?.workers ?? {},
    conflicts: conflicts.map(timed),
    peerDeletions: peerDeletions.map(timed),
    activity: activity.map(timed),
    logFile: state.logFile,
    time: now,
  };
}
