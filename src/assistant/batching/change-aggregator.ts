// The committer's batching policy: which changed paths have settled enough to commit, decided on an injected clock.
//
// Like Syncthing's lib/watchaggregator (a notify delay, and a timeout that forces items out under
// constant change) and git-annex's Committer thread (commit when changes stop arriving, but not
// later than a bound). Pure: no timers, no IO. The caller feeds changes, then
// calls poll(now) and sleeps until `nextCheckAt`.
//
// Rules, for a pending path p with first change at first(p) and latest at last(p):
// - settled(p): now − last(p) ≥ quietMs. A file still being written keeps changing, so it stays
//   unsettled and is held back.
// - overdue(p): now − first(p) ≥ maxDelayMs. Constant writes cannot hold a path back longer.
// - eligible(p): settled or overdue.
// - A batch fires when every pending path is settled (the tree went quiet), or some path is
//   overdue, or at least maxBatch paths are eligible. It holds the eligible paths, oldest first
//   (by first change), at most maxBatch; the rest stay pending.
//
// Output is paths only, deduplicated: the committer compares each path on disk with the index,
// which is the truth; the event kinds are hints. In particular a temp file that was added and
// unlinked within a batch is still emitted: the aggregator cannot know whether the path was
// tracked before the batch (`rm f; echo > f; rm f` starts with an unlink), and checking a missing
// path costs the committer one lstat.
import type { FsChange } from '../watch/watcher.js';

/** The batching parameters (git config arbor.assistant.quietms / maxdelayms / maxbatch). */
export interface AggregatorOptions {
  /** Commit when nothing changed for this long, e.g. 200. */
  readonly quietMs: number;
  /** Hard upper bound on a change's wait under constant writes, e.g. 5000. */
  readonly maxDelayMs: number;
  /** Most paths per batch, e.g. 5000. */
  readonly maxBatch: number;
}

/** What poll() found. */
export interface PollResult {
  /** Paths to commit now (oldest first, at most maxBatch), or undefined. */
  readonly ready: string[] | undefined;
  /** When to poll again (ms on the same clock); undefined when nothing is pending. May be `now`. */
  readonly nextCheckAt: number | undefined;
}

/** Times of one pending path. */
interface Pending {
  /** Time of the first change since the path was last emitted. */
  readonly first: number;
  /** Time of the latest change. */
  last: number;
}

function checked(opts: AggregatorOptions): AggregatorOptions {
  if (!(opts.maxBatch >= 1)) throw new RangeError(`maxBatch must be at least 1, got ${opts.maxBatch}`);
  if (!(opts.quietMs >= 0) || !(opts.maxDelayMs >= 0)) throw new RangeError('quietMs and maxDelayMs must be ≥ 0');
  return { quietMs: opts.quietMs, maxDelayMs: opts.maxDelayMs, maxBatch: opts.maxBatch };
}

/** Deduplicates changes by path and releases them in batches (see the rules above). */
export class ChangeAggregator {
  /** The parameters in force (valid: maxBatch ≥ 1, delays ≥ 0). */
  #opts: AggregatorOptions;
  /** Pending paths in order of first change (insertion order; re-adding keeps the position). */
  readonly #pending = new Map<string, Pending>();

  constructor(opts: AggregatorOptions) {
    this.#opts = checked(opts);
  }

  /** The parameters in force. */
  get options(): AggregatorOptions {
    return this.#opts;
  }

  /**
   * Changes the parameters (a live settings change). Pending paths keep their times and are
   * judged by the new parameters at the next poll, which may then fire at once.
   */
  setOptions(opts: AggregatorOptions): void {
    this.#opts = checked(opts);
  }

  /** Records changes (timestamps from FsChange.time). */
  add(changes: readonly FsChange[]): void {
    for (const c of changes) {
      const p = this.#pending.get(c.path);
      if (p === undefined) this.#pending.set(c.path, { first: c.time, last: c.time });
      else p.last = Math.max(p.last, c.time);
    }
  }

  /** The paths ready to commit at `now`, if a batch fires, and when to ask again. */
  poll(now: number): PollResult {
    if (this.#pending.size === 0) return { ready: undefined, nextCheckAt: undefined };
    if (!this.#fires(now)) return { ready: undefined, nextCheckAt: this.#nextTrigger(now) };
    const ready: string[] = [];
    for (const [path, p] of this.#pending) {
      if (ready.length >= this.#opts.maxBatch) break;
      if (this.#eligible(p, now)) ready.push(path);
    }
    for (const path of ready) this.#pending.delete(path);
    const nextCheckAt = this.#pending.size === 0 ? undefined : this.#fires(now) ? now : this.#nextTrigger(now);
    return { ready, nextCheckAt };
  }

  /**
   * Takes every pending path at once, settled or not, oldest first and without the maxBatch cap:
   * for a full rescan that covers them all, or for shutdown.
   */
  takeAll(): string[] {
    const all = [...this.#pending.keys()];
    this.#pending.clear();
    return all;
  }

  /** Paths waiting. */
  get pending(): number {
    return this.#pending.size;
  }

  #settled(p: Pending, now: number): boolean {
    return now - p.last >= this.#opts.quietMs;
  }

  #eligible(p: Pending, now: number): boolean {
    return this.#settled(p, now) || now - p.first >= this.#opts.maxDelayMs;
  }

  #fires(now: number): boolean {
    let allSettled = true;
    let eligible = 0;
    for (const p of this.#pending.values()) {
      if (now - p.first >= this.#opts.maxDelayMs) return true;
      if (this.#settled(p, now)) eligible++;
      else allSettled = false;
    }
    return allSettled || eligible >= this.#opts.maxBatch;
  }

  /** The earliest time after `now` at which #fires may become true, given no new changes. */
  #nextTrigger(now: number): number {
    let lastChange = -Infinity;
    let firstChange = Infinity;
    const settleTimes: number[] = [];
    for (const p of this.#pending.values()) {
      lastChange = Math.max(lastChange, p.last);
      firstChange = Math.min(firstChange, p.first);
      if (this.#pending.size >= this.#opts.maxBatch) settleTimes.push(p.last + this.#opts.quietMs);
    }
    let at = Math.min(lastChange + this.#opts.quietMs, firstChange + this.#opts.maxDelayMs);
    if (settleTimes.length > 0) {
      settleTimes.sort((a, b) => a - b);
      const full = settleTimes[this.#opts.maxBatch - 1];
      if (full !== undefined) at = Math.min(at, full);
    }
    return Math.max(at, now);
  }
}
