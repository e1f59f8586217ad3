// Typed work channels between the assistant's workers: a pool of items, a keyed work set and a wake-up signal.
//
// These play the roles of git-annex's TList (Pool), TMVar-held maps (KeyedWorkSet) and MSampleVar
// (Signal) in Assistant/Types/*. Channels carry work: every item is handed to exactly one consumer
//. Work goes over channels; observations over events. Blocking calls take an AbortSignal and reject with its reason when it aborts.

/** A consumer parked in takeAll()/wait(), woken with a batch or rejected on abort. */
interface Waiter<B> {
  readonly resolve: (batch: B) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/**
 * The queue of parked consumers shared by the three channels. Hand-off is deferred to a microtask
 * so that items pushed in the same synchronous run reach a waiting consumer as one batch.
 */
class Waiters<B> {
  /** Parked consumers, first come first served. */
  readonly #queue: Waiter<B>[] = [];
  /** True while a hand-off microtask is queued (at most one at a time). */
  #scheduled = false;
  /** Takes the whole buffer, or returns undefined when it is empty. */
  readonly #take: () => B | undefined;

  constructor(take: () => B | undefined) {
    this.#take = take;
  }

  /** Resolves with the next batch; `ready` is tried first so a non-empty buffer never waits. */
  park(signal: AbortSignal | undefined): Promise<B> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const now = this.#queue.length === 0 ? this.#take() : undefined;
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<B>((resolve, reject) => {
      const waiter: Waiter<B> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(abortReason(signal));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  /** Called after the buffer gained items: wakes the first parked consumer on the next microtask. */
  kick(): void {
    if (this.#scheduled || this.#queue.length === 0) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      const waiter = this.#queue[0];
      if (waiter === undefined) return;
      const batch = this.#take();
      if (batch === undefined) return; // a drain() got there first; keep waiting
      this.#queue.shift();
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(batch);
    });
  }

  /** Wakes every parked consumer with the same value (used by Signal). */
  wakeAll(value: B): boolean {
    if (this.#queue.length === 0) return false;
    for (const waiter of this.#queue.splice(0)) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(value);
    }
    return true;
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * A FIFO pool of work items. Producers push; a consumer takes everything pending at once. Each item
 * goes to exactly one consumer: never duplicated, never dropped.
 */
export class Pool<T> {
  /** Items not yet taken, in push order. */
  #items: T[] = [];
  readonly #waiters = new Waiters<T[]>(() => this.#takeNow());

  /** Adds items (non-blocking) and wakes a waiting consumer. */
  push(...items: T[]): void {
    if (items.length === 0) return;
    for (const item of items) this.#items.push(item);
    this.#waiters.kick();
  }

  /** Blocks until the pool is non-empty, then takes every item. Rejects when `signal` aborts. */
  takeAll(signal?: AbortSignal): Promise<T[]> {
    return this.#waiters.park(signal);
  }

  /** Takes every item now without blocking (possibly none). */
  drain(): T[] {
    return this.#takeNow() ?? [];
  }

  /** Items waiting to be taken. */
  get size(): number {
    return this.#items.length;
  }

  #takeNow(): T[] | undefined {
    if (this.#items.length === 0) return undefined;
    const out = this.#items;
    this.#items = [];
    return out;
  }
}

/**
 * A wake-up with no payload, like git-annex's commit and branch-change notifiers. Notifications
 * that arrive while nobody waits are latched (several collapse into one) and release the next
 * wait(); a notify with consumers waiting releases all of them.
 */
export class Signal {
  /** A notify happened that no wait() has consumed yet. */
  #pending = false;
  readonly #waiters = new Waiters<undefined>(() => undefined);

  /** Wakes the waiting consumers, or latches the notification for the next wait(). Non-blocking. */
  notify(): void {
    if (!this.#waiters.wakeAll(undefined)) this.#pending = true;
  }

  /** Consumes a latched notification without waiting; returns whether there was one. Non-blocking. */
  take(): boolean {
    const was = this.#pending;
    this.#pending = false;
    return was;
  }

  /** Blocks until the next notify (or returns at once for a latched one). Rejects when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return this.#waiters.park(signal);
  }
}

/**
 * A map of pending work by key: setting a key again replaces its value, so a consumer sees each key
 * at most once per take (like git-annex's failed-push and scan-remote maps).
 */
export class KeyedWorkSet<K, V> {
  /** Pending work in first-set order. */
  #map = new Map<K, V>();
  readonly #waiters = new Waiters<Array<[K, V]>>(() => this.#takeNow());

  /** Adds or replaces the work for `k` (non-blocking) and wakes a waiting consumer. */
  set(k: K, v: V): void {
    this.#map.set(k, v);
    this.#waiters.kick();
  }

  /** Removes the work for `k`, if any. */
  delete(k: K): void {
    this.#map.delete(k);
  }

  /** The pending work for `k`, without taking it. */
  get(k: K): V | undefined {
    return this.#map.get(k);
  }

  /** A snapshot of the pending work, without taking it. */
  entries(): Array<[K, V]> {
    return [...this.#map.entries()];
  }

  /** Blocks until some work is pending, then takes all of it. Rejects when `signal` aborts. */
  takeAll(signal?: AbortSignal): Promise<Array<[K, V]>> {
    return this.#waiters.park(signal);
  }

  /** Keys with pending work. */
  get size(): number {
    return this.#map.size;
  }

  #takeNow(): Array<[K, V]> | undefined {
    if (this.#map.size === 0) return undefined;
    const out = [...this.#map.entries()];
    this.#map = new Map();
    return out;
  }
}
