// The daemon's observable state, written atomically to daemon.status.json for `git arbor status`.

import { writeFileAtomic } from '../util/atomic-write.js';
import type { Problem } from './problems.js';

/** Per-remote state. */
export interface RemoteStatus {
  /** The last successful push to it (ms). */
  lastSync?: number;
  /** The last successful fetch from it (ms). */
  lastFetch?: number;
  lastFailure?: { time: number; error: string };
  failingSince?: number;
  attempts: number;
  /** Files whose content this daemon sent to the remote (uploads that moved bytes). */
  sent?: number;
  /** Files whose content this daemon got from the remote (downloads that moved bytes). */
  received?: number;
  /** reachable, unreachable (retried with back-off) or away (an unplugged drive); absent until first known. */
  state?: 'reachable' | 'unreachable' | 'away';
  /** When it stopped being reachable (ms), while it is not. */
  unreachableSince?: number;
  /** Why it is not reachable, in one line. */
  reason?: string;
  /** When an unreachable remote is tried next (ms). */
  nextTry?: number;
  /** A drive: when the sync that began as it was plugged in started (ms), until it ends (drive-watcher.ts). */
  driveSyncSince?: number;
  /** Change notices from the remote (notice-listener.ts); absent until the listener has started. */
  notices?: NoticeStatus;
}

/**
 * Whether the assistant hears a remote's changes at once: `listening`; `reconnecting` since a
 * time, with the reason and the next try (changes then wait for the fetch schedule); `off` with
 * the reason (notify is false, or the remote cannot give notices).
 */
export interface NoticeStatus {
  state: 'listening' | 'reconnecting' | 'off';
  /** listening: since it connected; reconnecting: since notices went away (ms). */
  since?: number;
  reason?: string;
  nextTry?: number;
  /** How it listens: ssh (git-annex-shell notifychanges) or local (a watch on the refs). */
  via?: 'ssh' | 'local';
}

/** A transfer in flight or queued. */
export interface TransferStatus {
  readonly file: string;
  readonly key: string;
  readonly remote: string;
  readonly direction: 'upload' | 'download';
  done: number;
  total: number | undefined;
  /** Held between two chunks by a pause (absent while it moves). */
  held?: boolean;
  /** When it started (ms), and its mean rate since then (bytes per second, once known). */
  startedAt?: number;
  bytesPerSecond?: number;
}

/** A queued transfer as status shows it (the first few of the queue: what waits, also while paused). */
export interface WaitingTransfer {
  readonly file: string;
  readonly remote: string;
  readonly direction: 'upload' | 'download';
}

/** Queued transfers by remote: uploads by remote name, and downloads (which name no remote: the cheapest holder is picked when one starts). */
export interface QueuedWith {
  uploads: Record<string, number>;
  downloads: number;
}

/** The whole snapshot (stable field names: `status --json`). */
export interface StatusSnapshot {
  pid: number;
  startedAt: number;
  updatedAt: number;
  scanning: boolean;
  /** Changes not yet committed: waiting to settle, in the could-not-add list, or owed to a failed scan. */
  pendingChanges: number;
  /** Files the committer could not add, with the reason; each is tried again at `nextTry`. */
  couldNotAdd?: Array<{ path: string; reason: string; attempts: number; nextTry: number }>;
  /** Why the last whole-tree scan failed (cleared when one succeeds; it is retried with back-off). */
  scanError?: string;
  lastCommit?: { time: number; sha: string; files: number };
  remotes: Record<string, RemoteStatus>;
  transfers: { running: TransferStatus[]; queued: number; waiting?: WaitingTransfer[]; queuedWith?: QueuedWith };
  watcher: { backend: string; degraded: boolean; reason?: string };
  workers: Record<string, WorkerStatus>;
  /** Conditions that need the user (problems.ts), oldest first. */
  problems: Problem[];
  /** The daemon has read its settings and started its workers (the detached start waits for this). */
  ready: boolean;
  /** Why the daemon could not start (one line), when it could not. */
  startError?: string;
  /** How the daemon ended, written as it exits: a clean stop, or the reason it had to stop. */
  exit?: { time: number; clean: boolean; reason: string };
  stopping: boolean;
}

/** A worker's restarts; `failed` once it stopped restarting (supervisor.ts). */
export interface WorkerStatus {
  restarts: number;
  lastError?: string;
  /** Set when the worker failed too often in a row and is no longer restarted. */
  failed?: boolean;
}

/**
 * Mutable status plus a debounced writer: changes mark it dirty, and it is written at most every
 * `intervalMs` (and on flush), so a burst of events does not rewrite the file thousands of times.
 */
export class DaemonStatus {
  readonly snapshot: StatusSnapshot;
  readonly #file: string;
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** Invariant: a timer is pending exactly when a write is scheduled. */
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  /** Called after each write (the status page's event stream); a throwing listener is ignored. */
  readonly #listeners = new Set<() => void>();

  constructor(options: { file: string; now: () => number; intervalMs?: number; pid: number }) {
    this.#file = options.file;
    this.#now = options.now;
    this.#intervalMs = options.intervalMs ?? 250;
    const t = this.#now();
    this.snapshot = {
      pid: options.pid,
      startedAt: t,
      updatedAt: t,
      scanning: true,
      pendingChanges: 0,
      remotes: {},
      transfers: { running: [], queued: 0 },
      watcher: { backend: 'none', degraded: false },
      workers: {},
      problems: [],
      ready: false,
      stopping: false,
    };
  }

  /** The per-remote record, created on first use. */
  remote(name: string): RemoteStatus {
    this.snapshot.remotes[name] ??= { attempts: 0 };
    return this.snapshot.remotes[name];
  }

  /** Applies a change and schedules a write. */
  update(fn: (s: StatusSnapshot) => void): void {
    fn(this.snapshot);
    this.snapshot.updatedAt = this.#now();
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#intervalMs);
  }

  /** Calls `fn` after each write of the snapshot (at most every `intervalMs`); returns the unsubscribe. */
  onWrite(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => void this.#listeners.delete(fn);
  }

  /** Writes now. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const data = JSON.stringify(this.snapshot, null, 2) + '\n';
    this.#writing = this.#writing.then(() => writeFileAtomic(this.#file, data)).catch(() => undefined);
    await this.#writing;
    for (const fn of this.#listeners) {
      try {
        fn();
      } catch {
        // an observer's failure is not the status file's
      }
    }
  }
}
