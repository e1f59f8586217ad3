// Files the committer could not add, each retried with its own back-off; pure, on an injected clock.

/** One file waiting for another try. */
export interface RetryEntry {
  readonly path: string;
  /** git's (or the filter's) reason for the last failure. */
  readonly reason: string;
  /** Failed tries so far. */
  readonly attempts: number;
  /** When the first try failed (ms). */
  readonly since: number;
  /** Earliest time of the next try (ms). */
  readonly nextTry: number;
}

/** Back-off after `attempts` failures: 2 s, 4 s, 8 s … at most 10 minutes. */
export function retryDelay(attempts: number): number {
  return Math.min(2000 * 2 ** Math.max(0, attempts - 1), 600_000);
}

/** Whether `path` is `under` or inside it ('.' covers everything). */
function covers(under: string, path: string): boolean {
  return under === '.' || path === under || path.startsWith(`${under}/`);
}

/**
 * The "could not add" list: a file that failed is tried again after retryDelay(attempts), and
 * leaves the list as soon as a commit that covered it did not fail it. Never holds up other files:
 * the committer takes due entries as a batch of their own.
 */
export class RetryList {
  readonly #entries = new Map<string, RetryEntry>();

  /** Records that `path` failed again (or for the first time) at `now`. */
  fail(path: string, reason: string, now: number): RetryEntry {
    const prev = this.#entries.get(path);
    const attempts = (prev?.attempts ?? 0) + 1;
    const entry = { path, reason, attempts, since: prev?.since ?? now, nextTry: now + retryDelay(attempts) };
    this.#entries.set(path, entry);
    return entry;
  }

  /** Forgets the entries covered by `paths` (top-relative files or directories) except those in `failed`. */
  settled(paths: readonly string[] | undefined, failed: ReadonlySet<string>): void {
    for (const path of this.#entries.keys()) {
      if (failed.has(path)) continue;
      if (paths === undefined || paths.some((p) => covers(p, path))) this.#entries.delete(path);
    }
  }

  /** Paths whose next try is due at `now`. */
  due(now: number): string[] {
    return [...this.#entries.values()].filter((e) => e.nextTry <= now).map((e) => e.path);
  }

  /** The earliest next try, or undefined when the list is empty. */
  nextAt(): number | undefined {
    let at: number | undefined;
    for (const e of this.#entries.values()) if (at === undefined || e.nextTry < at) at = e.nextTry;
    return at;
  }

  /** How many files wait. */
  get size(): number {
    return this.#entries.size;
  }

  /** Every entry, oldest failure first (for status). */
  list(): RetryEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.since - b.since);
  }
}
