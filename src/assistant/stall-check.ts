// The stall watchdog's judgement: from the daemon's status, which work has waited longer than it should, and why (pure).

import type { StatusSnapshot } from './daemon-status.js';

/**
 * One stalled piece of work: a stable id (raised and cleared once as a problem) and the line a user
 * reads. The line holds no count that changes between looks, so it is logged once, not at each look.
 */
export interface Stall {
  readonly id: string;
  readonly message: string;
}

/** What the watchdog remembers between two looks (it sees snapshots, not the moments between them). */
export interface StallMemory {
  /** Since when changes have been pending with no commit made. */
  readonly pendingSince?: number;
  /** Since when transfers have been queued with none running. */
  readonly queuedSince?: number;
  /** Each running transfer (by `transferId`): the bytes done at the last look, and since when that count has not moved. */
  readonly progress?: ReadonlyMap<string, { readonly done: number; readonly since: number }>;
}

/** A running transfer's identity across looks: the same key, remote and direction. */
export function transferId(t: { readonly key: string; readonly remote: string; readonly direction: string }): string {
  return `${t.direction}\0${t.remote}\0${t.key}`;
}

/** One look at the status. */
export interface StallInput {
  readonly snapshot: StatusSnapshot;
  readonly now: number;
  /** Work may wait this long (ms) before it counts as stalled (arbor.assistant.stallseconds). */
  readonly limitMs: number;
  /** The user paused transfers (a queue that waits then is not stalled). */
  readonly transfersPaused: boolean;
  readonly memory: StallMemory;
  /** A time as the user reads it (local time). */
  readonly format: (t: number) => string;
}

/** Queued transfers may wait this many times the limit: a big transfer ahead of them takes a while. */
const TRANSFER_FACTOR = 3;

/**
 * What has stalled at `input.now`:
 * - changes pending (or a whole-tree scan owed after it failed), with no commit made since they
 *   began waiting, for longer than the limit (with the committer's reason when status has one);
 * - a commit older than the limit that has not reached a remote the pusher deals with and that is
 *   not known to be away or unreachable (with that remote's last push error);
 * - a remote unreachable for longer than the limit (it is in status from its first failure; this
 *   turns it into a problem, with a notification, once it has lasted);
 * - transfers queued with none running, not paused, for longer than three times the limit;
 * - a running transfer whose byte count has not moved for longer than the limit, while not held by
 *   a pause (the remote accepted the connection and then stopped answering, or a helper hangs).
 *   Only once it has moved at all: a special remote program that reports no progress
 *   (git-annex-remote-rclone) shows 0 until it is done, however well it goes.
 * Returns the stalls and the memory for the next look.
 */
export function findStalls(input: StallInput): { stalls: Stall[]; memory: StallMemory } {
  const { snapshot: s, now, limitMs, format } = input;
  const stalls: Stall[] = [];
  const lastCommitAt = s.lastCommit?.time ?? -Infinity;

  let pendingSince: number | undefined;
  // A failed whole-tree scan owes changes it could not count (those written while the daemon was stopped).
  if (s.pendingChanges > 0 || s.scanError !== undefined) {
    pendingSince = input.memory.pendingSince ?? now;
    if (lastCommitAt > pendingSince) pendingSince = lastCommitAt; // commits are being made: waiting began after the last
    if (now - pendingSince > limitMs) {
      const why = s.scanError ?? s.couldNotAdd?.[0]?.reason ?? s.workers['committer']?.lastError;
      stalls.push({ id: 'stall:commit', message: `changes waiting to be committed since ${format(pendingSince)}${why ? `: ${why}` : ''}` });
    }
  }

  for (const [name, r] of Object.entries(s.remotes)) {
    if (r.state === 'away') continue;
    if (r.state === 'unreachable') {
      if (r.unreachableSince !== undefined && now - r.unreachableSince > limitMs) {
        stalls.push({ id: `stall:remote:${name}`, message: `${name} unreachable since ${format(r.unreachableSince)}${r.reason ? ` (${r.reason})` : ''}; changes wait for it` });
      }
      continue;
    }
    // Only remotes the pusher has dealt with (a fetch-only or content-only remote is never pushed to).
    const pushedBefore = r.lastSync !== undefined || r.lastFailure !== undefined;
    if (pushedBefore && now - lastCommitAt > limitMs && (r.lastSync ?? -Infinity) < lastCommitAt) {
      const why = r.lastFailure && r.lastFailure.time >= lastCommitAt ? r.lastFailure.error : 'no push to it has been made since';
      stalls.push({ id: `stall:push:${name}`, message: `the commit of ${format(lastCommitAt)} has not reached ${name}: ${why}` });
    }
  }

  let queuedSince: number | undefined;
  const t = s.transfers;
  if (t.queued > 0 && t.running.length === 0 && !input.transfersPaused) {
    queuedSince = input.memory.queuedSince ?? now;
    if (now - queuedSince > TRANSFER_FACTOR * limitMs) {
      stalls.push({ id: 'stall:transfers', message: `content transfers queued since ${format(queuedSince)} and none running` });
    }
  }
  const progress = new Map<string, { done: number; since: number }>();
  for (const r of t.running) {
    const id = transferId(r);
    const before = input.memory.progress?.get(id);
    // Held by a pause, or moving since the last look: the clock starts again.
    const since = r.held || !before || before.done !== r.done ? now : before.since;
    progress.set(id, { done: r.done, since });
    if (r.done > 0 && now - since > limitMs) {
      const verb = r.direction === 'upload' ? `the upload of ${r.file} to` : `the download of ${r.file} from`;
      stalls.push({ id: `stall:transfer:${r.direction}:${r.remote}:${r.key}`, message: `${verb} ${r.remote} has made no progress since ${format(since)}` });
    }
  }
  return {
    stalls,
    memory: { ...(pendingSince === undefined ? {} : { pendingSince }), ...(queuedSince === undefined ? {} : { queuedSince }), ...(progress.size ? { progress } : {}) },
  };
}
