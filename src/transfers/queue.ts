// The transfer queue: pending jobs without duplicates, a next/later order, deferred downloads, and waiting takers.
//
// Modelled on the needs git-annex's assistant meets in Assistant/TransferQueue.hs (our own data
// structure): a job is identified by (direction, key, remote), so the same
// transfer is never queued or run twice at once; `next` jobs go to the front, `later` ones to
// the back; downloads of keys with no known location are parked until a branch change may
// have told us one.

import type { Key } from '../annex/key.js';
import { formatKey } from '../annex/key.js';

/** Which way content moves: to a remote, or from one into this repository. */
export type TransferDirection = 'upload' | 'download';

/** One transfer to make. */
export interface TransferJob {
  readonly direction: TransferDirection;
  readonly key: Key;
  /** The work-tree path the key was found at (for messages and status; not part of identity). */
  readonly file: string;
  /**
   * The remote's name. Uploads always name one; a download without one takes the content from
   * the cheapest remote that has it.
   */
  readonly remote?: string;
}

/** Where a new job goes: to the front (`next`) or the back (`later`). */
export type QueuePriority = 'next' | 'later';

/** The identity of a job: equal ids are the same transfer. */
export function jobId(job: TransferJob): string {
  return `${job.direction}\0${formatKey(job.key)}\0${job.remote ?? ''}`;
}

/** A taker parked in take(). */
interface Taker {
  /** The jobs it takes (all when undefined). */
  readonly eligible: ((job: TransferJob) => boolean) | undefined;
  readonly resolve: (job: TransferJob) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * Pending transfers. Each job is handed to exactly one taker; a taken job counts as active until
 * `complete(job)`, and a job equal to a queued or active one is not added again.
 */
export class TransferQueue {
  /** Jobs waiting to run, front first. Invariant: ids unique, disjoint from #active and #deferred. */
  #pending: TransferJob[] = [];
  /** Ids of jobs handed out and not yet completed. */
  readonly #active = new Set<string>();
  /** Downloads parked until `requeueDeferred`, by id. Invariant: disjoint from #pending ids. */
  readonly #deferred = new Map<string, TransferJob>();
  /** Parked takers, first come first served. Invariant: none accepts a job in #pending (recheck restores it when what a taker accepts changes). */
  readonly #takers: Taker[] = [];
  /** Called whenever the queue or the active set changes (for status). */
  readonly #onChange: (() => void) | undefined;

  constructor(options: { onChange?: () => void } = {}) {
    this.#onChange = options.onChange;
  }

  /**
   * Adds a job unless the same transfer is already queued or running. A duplicate added as `next`
   * moves the queued one to the front. Returns whether the job was new.
   */
  add(job: TransferJob, priority: QueuePriority = 'later'): boolean {
    const id = jobId(job);
    if (this.#active.has(id)) return false;
    this.#deferred.delete(id);
    const at = this.#pending.findIndex((j) => jobId(j) === id);
    if (at >= 0) {
      if (priority === 'next' && at > 0) {
        const [existing] = this.#pending.splice(at, 1);
        if (existing) this.#pending.unshift(existing);
        this.#onChange?.();
      }
      return false;
    }
    if (priority === 'next') this.#pending.unshift(job);
    else this.#pending.push(job);
    this.#handOff();
    this.#onChange?.();
    return true;
  }

  /**
   * The next job that `eligible` accepts (any job without it), marked active; waits while there is
   * none. Rejects when `signal` aborts. When what `eligible` accepts changes (a lane of the engine
   * frees up), the caller calls `recheck`.
   */
  take(signal?: AbortSignal, eligible?: (job: TransferJob) => boolean): Promise<TransferJob> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const job = this.tryTake(eligible);
    if (job) return Promise.resolve(job);
    return new Promise<TransferJob>((resolve, reject) => {
      const taker: Taker = {
        eligible,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#takers.indexOf(taker);
          if (i >= 0) this.#takers.splice(i, 1);
          reject(abortReason(signal));
        },
      };
      signal?.addEventListener('abort', taker.onAbort, { once: true });
      this.#takers.push(taker);
    });
  }

  /** The next job that `eligible` accepts (any without it), marked active, or undefined when there is none (never waits). */
  tryTake(eligible?: (job: TransferJob) => boolean): TransferJob | undefined {
    const at = eligible ? this.#pending.findIndex(eligible) : 0;
    const job = at >= 0 ? this.#pending.splice(at, 1)[0] : undefined;
    if (!job) return undefined;
    this.#active.add(jobId(job));
    this.#onChange?.();
    return job;
  }

  /** Marks a taken job finished (whatever its outcome), so an equal job may be queued again. */
  complete(job: TransferJob): void {
    if (this.#active.delete(jobId(job))) this.#onChange?.();
  }

  /** Removes and returns the queued jobs `match` accepts (running ones are not touched). */
  dequeueMatching(match: (job: TransferJob) => boolean): TransferJob[] {
    const removed = this.#pending.filter(match);
    if (removed.length === 0) return [];
    this.#pending = this.#pending.filter((j) => !removed.includes(j));
    this.#onChange?.();
    return removed;
  }

  /**
   * Parks a download whose key has no known location, until `requeueDeferred` (called when the
   * git-annex branch changes and may name one). The caller has completed or never queued it.
   */
  defer(job: TransferJob): void {
    const id = jobId(job);
    if (this.#active.has(id) || this.#pending.some((j) => jobId(j) === id)) return;
    this.#deferred.set(id, job);
    this.#onChange?.();
  }

  /** Moves every deferred job back to the end of the queue; returns how many. */
  requeueDeferred(): number {
    const jobs = [...this.#deferred.values()];
    this.#deferred.clear();
    for (const job of jobs) this.add(job, 'later');
    return jobs.length;
  }

  /** The queued jobs, front first (a copy). */
  queued(): TransferJob[] {
    return [...this.#pending];
  }

  /** The first `n` queued jobs, front first (for status: what waits, without copying a long queue). */
  peek(n: number): TransferJob[] {
    return this.#pending.slice(0, n);
  }

  /** Queued uploads by remote name, and queued downloads (which may name no remote), without copying the queue. */
  countByRemote(): { uploads: Record<string, number>; downloads: number } {
    const uploads: Record<string, number> = {};
    let downloads = 0;
    for (const j of this.#pending) {
      if (j.direction === 'download') downloads++;
      else if (j.remote !== undefined) uploads[j.remote] = (uploads[j.remote] ?? 0) + 1;
    }
    return { uploads, downloads };
  }

  /** The deferred jobs (a copy). */
  deferred(): TransferJob[] {
    return [...this.#deferred.values()];
  }

  /** Jobs queued (not running, not deferred). */
  get size(): number {
    return this.#pending.length;
  }

  /** Jobs taken and not yet completed. */
  get activeCount(): number {
    return this.#active.size;
  }

  /** Hands waiting takers the jobs they accept now (after what one accepts has changed). */
  recheck(): void {
    this.#handOff();
  }

  /** Hands queued jobs to parked takers, first come first served, each a job it accepts. */
  #handOff(): void {
    for (let i = 0; i < this.#takers.length && this.#pending.length > 0; ) {
      const taker = this.#takers[i];
      const job = taker ? this.tryTake(taker.eligible) : undefined;
      if (!taker || !job) {
        i++;
        continue;
      }
      this.#takers.splice(i, 1);
      taker.signal?.removeEventListener('abort', taker.onAbort);
      taker.resolve(job);
    }
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
}
