// Git remotes whose content side could not be reached: each waits out its own back-off in content work, apart from the reachability state of fetches and pushes.
//
// A host can answer git and not git-annex (its git-annex-shell hangs on a lock, the path now holds
// another repository, there is no annex there yet). Marking such a remote unreachable in the shared
// state would stop git sync with it, and the next fetch that works would mark it reachable again
// and start the same failing content pass: a warning and a whole-tree pass every retry, forever.
// So content keeps its own back-off per git remote: the first failure of an outage is one warning
// (none when fetches and pushes already said the remote is gone), later ones are quiet, and the
// first connection that works ends it with one line.

import type { Clock } from '../util/clock.js';
import { nextTryAfter } from './reachability.js';

interface Down {
  readonly attempts: number;
  readonly nextTry: number;
  /** When the failure was recorded: failures of work begun before it are the same try. */
  readonly failedAt: number;
}

/** The content back-off of git remotes (pure state on the injected clock). */
export class ContentReach {
  readonly #down = new Map<string, Down>();
  readonly #clock: Clock;
  readonly #retryMs: () => number;

  constructor(deps: { clock: Clock; retryMs: () => number }) {
    this.#clock = deps.clock;
    this.#retryMs = deps.retryMs;
  }

  /** Whether content work should leave the remote alone now: it failed and its next try has not come. */
  waiting(name: string): boolean {
    const d = this.#down.get(name);
    return d !== undefined && d.nextTry > this.#clock.now();
  }

  /**
   * Work begun at `startedAt` could not reach `name`'s content side: its next try backs off.
   * `counted` is false when an earlier failure of the same try was counted already (the transfers
   * of one batch fail together); `first` is true for the first failure of an outage.
   */
  failed(name: string, startedAt: number): { first: boolean; counted: boolean; nextTry: number } {
    const was = this.#down.get(name);
    if (was && startedAt <= was.failedAt) return { first: false, counted: false, nextTry: was.nextTry };
    const now = this.#clock.now();
    const attempts = (was?.attempts ?? 0) + 1;
    const nextTry = nextTryAfter(now, attempts, this.#retryMs());
    this.#down.set(name, { attempts, nextTry, failedAt: now });
    return { first: was === undefined, counted: true, nextTry };
  }

  /** A content connection to `name` worked; true when that ended an outage. */
  reached(name: string): boolean {
    return this.#down.delete(name);
  }
}
