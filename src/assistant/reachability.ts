// One reachability state per remote, shared by the workers: reachable, unreachable (with back-off) or away.

import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';
import { Pool, Signal } from '../util/channel.js';
import type { DaemonStatus } from './daemon-status.js';

/** Where a remote stands. `away`: a drive that is unplugged (nothing to try until it is back). */
export type RemoteState = 'reachable' | 'unreachable' | 'away';

/** One remote's reachability. */
export interface Reach {
  readonly state: RemoteState;
  /** When it stopped being reachable (ms). */
  readonly since?: number;
  /** Why, in one line ("remote nas: no answer for 30 s (stalled)", "drive removed"). */
  readonly reason?: string;
  /** Failed tries in a row. */
  readonly attempts: number;
  /** When to try an unreachable remote again (ms). */
  readonly nextTry?: number;
  /** When the last failure was recorded (ms). */
  readonly failedAt?: number;
}

/** The longest wait between two tries of an unreachable remote: a host that comes back is used again within the hour. */
export const MAX_BACKOFF_MS = 3600_000;

/** The back-off before try `attempts + 1`: base, 2×, 4× … capped at 1 h (also used for failed pushes). */
export function nextTryAfter(now: number, attempts: number, baseMs = 60_000): number {
  return now + Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/** "30 s", "2 min", "1 h": a wait in words for log lines. */
export function inWords(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${Math.round(s / 360) / 10} h`;
}

const REACHABLE: Reach = { state: 'reachable', attempts: 0 };

/**
 * The reachability of every remote, written by whoever talks to it (merger, pusher, retrier,
 * drive watcher) and shown in status. A remote that goes unreachable gets one warning naming the
 * reason and the next try; further failures only move the next try out (back-off); its return
 * gets one info line. Never a warning per tick.
 */
export class Reachability {
  readonly #remotes = new Map<string, Reach>();
  readonly #clock: Clock;
  readonly #log: Log;
  readonly #status: DaemonStatus;
  readonly #retryMs: () => number;
  /** Notified when a remote becomes unreachable or its next try moves (the retrier recomputes its wake-up). */
  readonly changed = new Signal();
  /**
   * Remotes that came back into contact: reached again after failing, or a drive plugged in. The
   * inventory checker reconciles each one's inventory with the location log then.
   */
  readonly contacts = new Pool<string>();

  constructor(deps: { clock: Clock; log: Log; status: DaemonStatus; retryMs: () => number }) {
    this.#clock = deps.clock;
    this.#log = deps.log;
    this.#status = deps.status;
    this.#retryMs = deps.retryMs;
  }

  /** The remote's state (reachable when nothing is known). */
  get(name: string): Reach {
    return this.#remotes.get(name) ?? REACHABLE;
  }

  /** Whether work with the remote should wait: it is away, or unreachable and its next try has not come. */
  waiting(name: string): boolean {
    const r = this.get(name);
    return r.state === 'away' || (r.state === 'unreachable' && (r.nextTry ?? 0) > this.#clock.now());
  }

  /** Unreachable remotes whose next try has come. */
  due(): string[] {
    const now = this.#clock.now();
    return [...this.#remotes].filter(([, r]) => r.state === 'unreachable' && (r.nextTry ?? 0) <= now).map(([n]) => n);
  }

  /** The earliest next try of an unreachable remote (ms), if any. */
  nextDue(): number | undefined {
    const times = [...this.#remotes.values()].filter((r) => r.state === 'unreachable').map((r) => r.nextTry ?? 0);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Names of the remotes in `state`. */
  inState(state: RemoteState): string[] {
    return [...this.#remotes].filter(([, r]) => r.state === state).map(([n]) => n);
  }

  /** Something went through with the remote: it is reachable (one info line if it was not). */
  reached(name: string): void {
    const was = this.get(name);
    if (was.state === 'reachable') return;
    this.#remotes.delete(name);
    if (was.state === 'unreachable') this.#log.info({ worker: 'reachability', remote: name }, `remote ${name} is reachable again`);
    this.#show(name);
    this.contacts.push(name);
  }

  /**
   * The remote could not be reached (`reason` names it) by an operation begun at `startedAt`.
   * The first failure logs one warning with the next try; later ones back off quietly. Operations
   * that were under way together (a fetch and a push of the same try) count as one try. An away
   * remote stays away.
   */
  failed(name: string, reason: string, startedAt?: number): void {
    const was = this.get(name);
    if (was.state === 'away') return;
    const now = this.#clock.now();
    if (was.state === 'unreachable' && startedAt !== undefined && was.failedAt !== undefined && startedAt <= was.failedAt) return;
    const attempts = was.attempts + 1;
    const nextTry = nextTryAfter(now, attempts, this.#retryMs());
    this.#remotes.set(name, { state: 'unreachable', since: was.since ?? now, reason, attempts, nextTry, failedAt: now });
    if (was.state === 'reachable') this.#log.warn({ worker: 'reachability', remote: name }, `${reason}; will retry in ${inWords(nextTry - now)}`);
    else this.#log.debug({ worker: 'reachability', remote: name }, `${reason}; next try in ${inWords(nextTry - now)}`);
    this.#show(name);
    this.#status.update(() => void (this.#status.remote(name).lastFailure = { time: now, error: reason }));
    this.changed.notify();
  }

  /** The remote is known to be gone for now (its drive was removed); the caller has said so in its own line. */
  away(name: string, reason: string): void {
    const was = this.get(name);
    this.#remotes.set(name, { state: 'away', since: was.since ?? this.#clock.now(), reason, attempts: 0 });
    this.#show(name);
  }

  /**
   * The remote seems to be back (its drive was plugged in, its path is there again): try it now,
   * without waiting out a back-off. An away remote becomes reachable at once (the drive watcher
   * says so in its own line); an unreachable one is due now, and says it is back when a try works.
   */
  returned(name: string): void {
    const was = this.get(name);
    if (was.state === 'reachable') return;
    if (was.state === 'away') {
      this.#remotes.delete(name);
      this.contacts.push(name);
    } else this.#remotes.set(name, { ...was, nextTry: this.#clock.now() });
    this.#show(name);
    this.changed.notify();
  }

  /** Copies the state into the daemon status (`status`, `status --json`). */
  #show(name: string): void {
    const r = this.get(name);
    this.#status.update(() => {
      const rs = this.#status.remote(name);
      rs.state = r.state;
      if (r.state === 'reachable') {
        delete rs.unreachableSince;
        delete rs.reason;
        delete rs.nextTry;
        return;
      }
      if (r.since !== undefined) rs.unreachableSince = r.since;
      if (r.reason !== undefined) rs.reason = r.reason;
      if (r.nextTry !== undefined) rs.nextTry = r.nextTry;
      else delete rs.nextTry;
    });
  }
}
