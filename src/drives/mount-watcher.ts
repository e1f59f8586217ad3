// Watches the mount table: a light poll on an injected clock, plus immediate re-checks when poked (USB attach/detach).
//
// Reading /proc/self/mountinfo costs one small read (no process spawn), so a poll every 2 s is
// negligible. The kernel does flag mount-table changes to poll(2) with POLLPRI, but Node has no
// way to wait for POLLPRI on a regular file (fs.watch/inotify does not fire on procfs), so we
// poll. A USB event only hints that a mount may follow: the automounter needs a moment after
// attach, so a poke re-checks at once and then quickly for a short settle window.

import type { Clock } from '../util/clock.js';
import { diffMounts, type Mount, type MountSource } from './mount-source.js';

/** A change seen in the mount table. */
export interface MountEvent {
  readonly type: 'mounted' | 'unmounted';
  readonly mount: Mount;
  /** The full table after the change (to find which mount a path lives on). */
  readonly mounts: readonly Mount[];
}

/** Options for a MountWatcher. */
export interface MountWatcherOptions {
  readonly source: MountSource;
  readonly clock: Clock;
  /** Called for each change, one at a time, in order; the watcher waits for it. */
  readonly onEvent: (event: MountEvent) => Promise<void> | void;
  /** Called when listing fails (once per run of failures, not on every poll). */
  readonly onError?: (err: unknown) => void;
  /** Regular poll interval (ms, default 2000). */
  readonly intervalMs?: number;
  /** Poll interval right after a poke (ms, default 500) … */
  readonly settleIntervalMs?: number;
  /** … for this long (ms, default 10000). */
  readonly settleMs?: number;
}

/** Polls a MountSource and reports mounts that appear and go away. */
export class MountWatcher {
  readonly #options: MountWatcherOptions;
  /** The last successful listing; undefined until the first one (the baseline, which emits nothing). */
  #last: Mount[] | undefined;
  /** Aborting it cuts the current sleep short (a poke); replaced after each wake-up. */
  #wake = new AbortController();
  /** Until this time (ms) polls use the short settle interval. */
  #settleUntil = 0;
  /** True while listing keeps failing (so the error is reported once). */
  #failing = false;

  constructor(options: MountWatcherOptions) {
    this.#options = options;
  }

  /** The mounts seen by the last check (empty before the first). */
  get mounts(): readonly Mount[] {
    return this.#last ?? [];
  }

  /** Re-check now and poll quickly for a while (non-blocking): a USB device came or went. */
  poke(): void {
    this.#settleUntil = this.#options.clock.now() + (this.#options.settleMs ?? 10_000);
    this.#wake.abort();
  }

  /**
   * Lists once and reports the differences from the previous listing. The first successful
   * listing is the baseline: drives already mounted at start are not "mounted" events.
   */
  async check(): Promise<void> {
    let now: Mount[];
    try {
      now = await this.#options.source.list();
    } catch (err) {
      if (!this.#failing) this.#options.onError?.(err);
      this.#failing = true;
      return;
    }
    this.#failing = false;
    const before = this.#last;
    this.#last = now;
    if (!before) return;
    const { mounted, unmounted } = diffMounts(before, now);
    for (const mount of unmounted) await this.#options.onEvent({ type: 'unmounted', mount, mounts: now });
    for (const mount of mounted) await this.#options.onEvent({ type: 'mounted', mount, mounts: now });
  }

  /** Checks, sleeps, checks … until `signal` aborts. Resolves (never rejects) on abort. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.#options;
    while (!signal.aborted) {
      await this.check();
      const fast = clock.now() < this.#settleUntil;
      const ms = fast ? (this.#options.settleIntervalMs ?? 500) : (this.#options.intervalMs ?? 2000);
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
      const wake = this.#wake;
      // One listener on the outer signal per sleep, removed after it (AbortSignal.any would pile them up).
      const onStop = (): void => wake.abort();
      signal.addEventListener('abort', onStop, { once: true });
      try {
        await clock.sleep(ms, wake.signal);
      } catch {
        // woken by a poke, or stopping
      } finally {
        signal.removeEventListener('abort', onStop);
      }
    }
  }
}
