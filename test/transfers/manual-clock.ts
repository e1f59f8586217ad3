// A clock for tests: time moves only when a sleeper is woken, so rate-limit and poll logic runs without real waiting.
import type { Clock } from '../../src/util/clock.js';

/** Sleeps recorded by a ManualClock. */
interface Sleeper {
  readonly until: number;
  readonly resolve: () => void;
}

/**
 * `auto`: every sleep advances the clock by its duration at once (for token-bucket arithmetic).
 * Otherwise sleeps wait until `tick()` advances time past them (for pause polling).
 */
export class ManualClock implements Clock {
  #now: number;
  readonly #auto: boolean;
  #sleepers: Sleeper[] = [];
  /** Every sleep requested, in ms, in order. */
  readonly slept: number[] = [];

  constructor(options: { start?: number; auto?: boolean } = {}) {
    this.#now = options.start ?? 1_700_000_000_000;
    this.#auto = options.auto ?? false;
  }

  now(): number {
    return this.#now;
  }

  nowNanos(): bigint {
    return BigInt(Math.round(this.#now)) * 1_000_000n;
  }

  /** Moves time on without waking anyone (time spent working). */
  advance(ms: number): void {
    this.#now += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.slept.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.#auto) {
      this.#now += ms;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const s: Sleeper = { until: this.#now + ms, resolve: () => resolve() };
      this.#sleepers.push(s);
      signal?.addEventListener('abort', () => {
        this.#sleepers = this.#sleepers.filter((x) => x !== s);
        reject(signal.reason as Error);
      }, { once: true });
    });
  }

  /** Pending sleeps. */
  get sleeping(): number {
    return this.#sleepers.length;
  }

  /** Advances time to the earliest pending sleep and wakes it (and any due at the same time); false when none. */
  async next(): Promise<boolean> {
    if (this.#sleepers.length === 0) return false;
    const until = Math.min(...this.#sleepers.map((s) => s.until));
    await this.tick(Math.max(0, until - this.#now));
    return true;
  }

  /** Advances time by `ms` and wakes every sleeper due by then; lets woken code run a little. */
  async tick(ms = 1000): Promise<void> {
    this.#now += ms;
    const due = this.#sleepers.filter((s) => s.until <= this.#now);
    this.#sleepers = this.#sleepers.filter((s) => s.until > this.#now);
    for (const s of due) s.resolve();
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
  }
}
