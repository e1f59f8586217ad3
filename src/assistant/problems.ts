// The daemon's one "problems" channel: conditions that need the user, raised and cleared by id, never silent.
//
// Any part of the daemon raises a problem when something stays wrong (a bad setting, a worker that
// stopped after repeated failures, a remote that cannot be reached, a file that cannot be added)
// and clears it when it is right again. Each problem is:
// - one log line when raised (warn) and one when cleared (info), never one per retry;
// - one desktop notification when raised (not again while it stays raised);
// - listed in the status file, so plain `git arbor status` and `status --json` show it.
//
// Ids name the thing, "<area>:<name>", so raising again replaces rather than duplicates:
// 'settings', 'worker:transferrer', 'remote:origin', 'file:<path>', 'merge:<ref>'. The message is one line a
// user can act on and names the thing itself (the id is not shown in plain status).

import type { Log } from '../util/log.js';
import type { DesktopNotify } from '../util/desktop-notify.js';
import type { DaemonStatus } from './daemon-status.js';

/** One active problem, as the status file holds it (`status --json`: `problems`). */
export interface Problem {
  /** Stable id, "<area>:<name>". */
  readonly id: string;
  /** One line naming the thing and what is wrong. */
  readonly message: string;
  /** When it was first raised (ms since the epoch). */
  readonly since: number;
}

/** What Problems reports through. */
export interface ProblemsOptions {
  readonly log: Log;
  readonly now: () => number;
  /** Where active problems are shown (the daemon's status file). */
  readonly status?: DaemonStatus;
  /** A desktop pop-up (util/desktop-notify.ts); none in tests. */
  readonly notify?: DesktopNotify;
  /** Title of notifications, e.g. "arbor: photos". */
  readonly title?: string;
}

/** The active problems of one daemon. Synchronous and never throws: safe to call from any worker. */
export class Problems {
  readonly #o: ProblemsOptions;
  /** Active problems by id, in order of raising. */
  readonly #active = new Map<string, Problem>();

  constructor(options: ProblemsOptions) {
    this.#o = options;
  }

  /**
   * Raises (or updates) problem `id`. The first raise logs a warning and notifies; raising again
   * with the same message does nothing, and with a new message logs the new line only.
   */
  raise(id: string, message: string): void {
    const old = this.#active.get(id);
    if (old?.message === message) return;
    this.#active.set(id, { id, message, since: old?.since ?? this.#o.now() });
    this.#o.log.warn({ worker: 'problems', problem: id }, message);
    if (!old) this.#o.notify?.({ title: this.#o.title ?? 'arbor', body: message, level: 'warn' });
    this.#publish();
  }

  /** Clears problem `id` (logging that it is resolved); nothing when it is not raised. */
  clear(id: string): void {
    const old = this.#active.get(id);
    if (!old) return;
    this.#active.delete(id);
    this.#o.log.info({ worker: 'problems', problem: id }, `resolved: ${old.message}`);
    this.#publish();
  }

  /** Whether problem `id` is raised. */
  has(id: string): boolean {
    return this.#active.has(id);
  }

  /** The active problems, oldest first. */
  list(): Problem[] {
    return [...this.#active.values()];
  }

  #publish(): void {
    const list = this.list();
    this.#o.status?.update((s) => void (s.problems = list));
  }
}
