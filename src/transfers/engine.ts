// The transfer engine: runs queued jobs in N parallel slots per remote under rate limits, with pause/resume and one retry of corrupt transfers.
//
// Each remote is a lane with its own slots: a remote that hangs (a NAS that accepts and never
// answers) holds only its own slots until the stall timeout ends its transfers, and content for
// every other remote keeps moving. Downloads that name no remote (the cheapest remote that has the
// key, chosen when they run) share one more lane.
//
// The engine knows nothing of content: `perform` moves the bytes (for arbor, content/copy.ts and
// content/get.ts, whose remotes copy through annex/verified-copy.ts). The engine gives it a
// throttle that every chunk passes through before it is written; that is where rate limits wait,
// where a pause holds a running transfer between two chunks, and where stopping the engine
// rejects, leaving the partial file for the next attempt to resume.
//
// Verification is the remote's contract (remotes/remote.ts): a store or retrieve only succeeds
// when the received bytes match the key, and otherwise the bytes are discarded and a
// VerificationError (code EVERIFY) is thrown before anything is recorded in the location log.
// The engine retries such a job once, from scratch, as the discarded bytes cannot be resumed.

import type { Clock } from '../util/clock.js';
import type { Progress, Throttle } from '../remotes/remote.js';
import type { TransferJob, TransferQueue } from './queue.js';
import { PauseGate } from './pause-gate.js';
import { acquire, type RateLimiter } from './rate-limit.js';

/** The error code of a transfer whose received bytes did not match the key (remotes/remote.ts VerificationError). */
export const VERIFICATION_FAILED = 'EVERIFY';

/** What `perform` receives besides the job. */
export interface TransferIo {
  /** Bytes done of total; the first call tells where a resumed transfer starts. */
  readonly progress: Progress;
  /** The throttle for a transfer with the named remote (rate limits, pause, stop). */
  readonly throttle: (remote: string) => Throttle;
  /** Aborts when the engine stops. */
  readonly signal: AbortSignal;
  /** 1, or 2 when retrying after a verification failure. */
  readonly attempt: number;
}

/** How a job ended without error: bytes moved, nothing to move, or (downloads) no known location yet. */
export type TransferOutcome = 'transferred' | 'already-there' | 'deferred';

/** Moves the bytes of one job. Throws on failure. */
export type PerformTransfer = (job: TransferJob, io: TransferIo) => Promise<TransferOutcome>;

/** A transfer in a slot. */
export interface RunningTransfer {
  readonly job: TransferJob;
  readonly attempt: number;
  readonly done: number;
  readonly total: number | undefined;
  /** Held between two chunks by a pause. */
  readonly paused: boolean;
}

/** What the engine tells observers (status, logs, tests). Correctness never depends on these. */
export type TransferEvent =
  | { readonly type: 'start'; readonly job: TransferJob; readonly attempt: number }
  | { readonly type: 'progress'; readonly job: TransferJob; readonly done: number; readonly total: number | undefined }
  | { readonly type: 'retry'; readonly job: TransferJob; readonly error: unknown }
  | { readonly type: 'finish'; readonly job: TransferJob; readonly outcome: TransferOutcome }
  | { readonly type: 'fail'; readonly job: TransferJob; readonly error: unknown }
  | { readonly type: 'cancel'; readonly job: TransferJob }
  | { readonly type: 'held'; readonly job: TransferJob | undefined }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' };

/** What the engine needs. */
export interface TransferEngineOptions {
  readonly queue: TransferQueue;
  readonly perform: PerformTransfer;
  readonly clock: Pick<Clock, 'now' | 'sleep'>;
  /** Parallel slots per remote (default 2). */
  readonly slots?: number;
  /** The rate limiters a transfer with a remote must satisfy (transfer-config.ts TransferLimits). */
  readonly limits?: { limitersFor(remote: string): readonly RateLimiter[] };
  /** Read every `pollMs` (default 1000): the persisted pause state (control.ts). */
  readonly isPaused?: () => Promise<boolean>;
  readonly pollMs?: number;
  readonly onEvent?: (event: TransferEvent) => void;
}

/** Mutable record of a transfer in a slot. */
interface Slot {
  readonly job: TransferJob;
  readonly attempt: number;
  /** Aborts this transfer alone (cancel); the engine's own stop aborts it too. */
  readonly cancel: AbortController;
  done: number;
  total: number | undefined;
  paused: boolean;
}

/** Whether `err`, or an error it was caused by, is a failed verification. */
export function isVerificationFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    if (typeof e === 'object' && 'code' in e && e.code === VERIFICATION_FAILED) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

/** The lane of a job: its remote, or '' for downloads from whichever remote has the key. */
function laneOf(job: TransferJob): string {
  return job.remote ?? '';
}

/**
 * Runs jobs from a TransferQueue. Use `run(signal)` once; jobs added to the queue start as their
 * remote's slots free up. A pause (in memory, or read from `isPaused`) starts no new job and holds running
 * ones between two chunks; resume lets them continue where they were.
 */
export class TransferEngine {
  readonly #o: TransferEngineOptions;
  /** Transfers in slots. */
  readonly #running = new Set<Slot>();
  readonly #gate = new PauseGate();
  /** Callers of whenIdle. Invariant: resolved as soon as the queue is empty and nothing is active. */
  #idleWaiters: Array<() => void> = [];
  /** Slots per lane wanted now (setSlots): a lane with this many jobs running takes no more. */
  #slotCount: number;
  /** Jobs taken and not yet finished, per lane. */
  readonly #lanes = new Map<string, number>();
  /** The jobs taken and not yet finished; run() resolves when all have ended. */
  readonly #tasks = new Set<Promise<void>>();

  constructor(options: TransferEngineOptions) {
    this.#o = options;
    this.#slotCount = Math.max(1, options.slots ?? 2);
  }

  /**
   * Changes the number of parallel slots per remote while running (a live settings change): more
   * slots take queued jobs at once; with fewer, running jobs finish and a lane starts no more
   * until it is below the new count.
   */
  setSlots(n: number): void {
    this.#slotCount = Math.max(1, Math.floor(n));
    this.#o.queue.recheck();
  }

  /** Whether the lane of `job` has a free slot. */
  #hasRoom = (job: TransferJob): boolean => (this.#lanes.get(laneOf(job)) ?? 0) < this.#slotCount;

  /** Whether transfers are paused. */
  get paused(): boolean {
    return this.#gate.paused;
  }

  /** Starts no new transfer and holds running ones at their next chunk. */
  pause(): void {
    if (this.#gate.pause()) this.#o.onEvent?.({ type: 'pause' });
  }

  /** Lets held and queued transfers go on. */
  resume(): void {
    for (const r of this.#running) r.paused = false;
    if (this.#gate.resume()) this.#o.onEvent?.({ type: 'resume' });
  }

  /** The transfers in slots now (copies). */
  running(): RunningTransfer[] {
    return [...this.#running].map((s) => ({ job: s.job, attempt: s.attempt, done: s.done, total: s.total, paused: s.paused }));
  }

  /**
   * Cancels the transfers that `match` accepts: queued ones leave the queue, running ones stop at
   * their next chunk (the partial file stays for a later attempt to resume) and end with a
   * 'cancel' event. Returns how many were cancelled. The job comes back only when the caller
   * queues it again (for the assistant: its next look at the file).
   */
  cancel(match: (job: TransferJob) => boolean): number {
    let n = this.#o.queue.dequeueMatching(match).length;
    for (const slot of this.#running) {
      if (!match(slot.job) || slot.cancel.signal.aborted) continue;
      slot.cancel.abort(new Error('cancelled'));
      n++;
    }
    this.#checkIdle();
    return n;
  }

  /** Resolves once the queue is empty and no job is active (rejects when `signal` aborts). */
  whenIdle(signal?: AbortSignal): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.#idleWaiters = this.#idleWaiters.filter((w) => w !== done);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#idleWaiters.push(done);
    });
  }

  /**
   * Runs the jobs (and the pause poller) until `signal` aborts. A persisted pause is read before
   * the first job starts. Resolves when every job taken has stopped; running transfers stop at
   * their next chunk, leaving partial files that the next attempt resumes.
   */
  async run(signal: AbortSignal): Promise<void> {
    const { isPaused } = this.#o;
    if (isPaused) await this.#pollOnce(isPaused);
    const poller = isPaused ? this.#poll(isPaused, signal) : Promise.resolve();
    await this.#dispatch(signal);
    while (this.#tasks.size > 0) await Promise.all([...this.#tasks]);
    await poller;
  }

  async #pollOnce(isPaused: () => Promise<boolean>): Promise<void> {
    const p = await isPaused().catch(() => this.#gate.paused);
    if (p) this.pause();
    else this.resume();
  }

  async #poll(isPaused: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.#o.clock.sleep(this.#o.pollMs ?? 1000, signal);
      } catch {
        return;
      }
      await this.#pollOnce(isPaused);
    }
  }

  /** Waits for resume, takes a job whose lane has a free slot, starts it, repeats until `signal` aborts. */
  async #dispatch(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let job: TransferJob;
      try {
        await this.#whileHeld(signal, undefined);
        job = await this.#o.queue.take(signal, this.#hasRoom);
      } catch {
        return;
      }
      const lane = laneOf(job);
      this.#lanes.set(lane, (this.#lanes.get(lane) ?? 0) + 1);
      const task: Promise<void> = this.#runTaken(job, signal).finally(() => {
        this.#tasks.delete(task);
        const left = (this.#lanes.get(lane) ?? 1) - 1;
        if (left > 0) this.#lanes.set(lane, left);
        else this.#lanes.delete(lane);
        this.#o.queue.recheck();
      });
      this.#tasks.add(task);
    }
  }

  /** Runs a taken job to its end and completes it in the queue (a deferred download is parked). Never throws. */
  async #runTaken(job: TransferJob, signal: AbortSignal): Promise<void> {
    let outcome: TransferOutcome | undefined;
    try {
      await this.#whileHeld(signal, job);
      outcome = await this.#runJob(job, signal);
    } catch {
      // stopped while held: the job is dropped with the engine
    } finally {
      this.#o.queue.complete(job);
    }
    if (outcome === 'deferred') this.#o.queue.defer(job);
    this.#checkIdle();
  }

  /** Runs a job, retrying once from scratch after a verification failure. Never throws. */
  async #runJob(job: TransferJob, signal: AbortSignal): Promise<TransferOutcome | undefined> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const slot: Slot = { job, attempt, cancel: new AbortController(), done: 0, total: job.key.size, paused: false };
      const jobSignal = AbortSignal.any([signal, slot.cancel.signal]);
      this.#running.add(slot);
      this.#o.onEvent?.({ type: 'start', job, attempt });
      try {
        const outcome = await this.#o.perform(job, {
          progress: (done, total) => {
            slot.done = done;
            slot.total = total;
            this.#o.onEvent?.({ type: 'progress', job, done, total });
          },
          throttle: (remote) => this.#throttle(slot, remote, jobSignal),
          signal: jobSignal,
          attempt,
        });
        this.#o.onEvent?.({ type: 'finish', job, outcome });
        return outcome;
      } catch (error) {
        if (signal.aborted) return undefined;
        if (slot.cancel.signal.aborted) {
          this.#o.onEvent?.({ type: 'cancel', job });
          return undefined;
        }
        if (attempt === 1 && isVerificationFailure(error)) {
          this.#o.onEvent?.({ type: 'retry', job, error });
          continue;
        }
        this.#o.onEvent?.({ type: 'fail', job, error });
        return undefined;
      } finally {
        this.#running.delete(slot);
      }
    }
    return undefined;
  }

  /** The throttle of one transfer: held while paused, then the rate limits, then a stop check. */
  #throttle(slot: Slot, remote: string, signal: AbortSignal): Throttle {
    const limiters = this.#o.limits?.limitersFor(remote) ?? [];
    return async (chunk) => {
      if (this.#gate.paused) {
        slot.paused = true;
        await this.#whileHeld(signal, slot.job);
      }
      await acquire(limiters, chunk.length, { clock: this.#o.clock, signal });
      signal.throwIfAborted();
    };
  }

  /** Waits while paused (telling observers a slot or transfer is held); rejects when `signal` aborts. */
  #whileHeld(signal: AbortSignal, job: TransferJob | undefined): Promise<void> {
    return this.#gate.wait(signal, () => this.#o.onEvent?.({ type: 'held', job }));
  }

  #idle(): boolean {
    return this.#o.queue.size === 0 && this.#o.queue.activeCount === 0;
  }

  #checkIdle(): void {
    if (!this.#idle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
