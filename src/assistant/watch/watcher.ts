// The work-tree watcher interface the assistant consumes, shared by the chokidar and @parcel/watcher backends.
import type { Pool } from '../../util/channel.js';

/**
 * What happened to a path. Kinds are hints: the committer decides from the disk and the index.
 * `unlinkDir` means the directory and everything below it are gone; a backend may not report the
 * files inside individually (@parcel/watcher does not).
 */
export type ChangeKind = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';

/** One observed change in the work tree. */
export interface FsChange {
  readonly kind: ChangeKind;
  /** Relative to the watched root, with '/' separators; never '' and never inside a `.git`. */
  readonly path: string;
  /** When the watcher received the event, in ms from the injected clock. */
  readonly time: number;
}

/**
 * How far the watcher can be trusted. `degraded` means changes are being missed right now (for
 * example the inotify watch limit was reached) and only periodic rescans will find them. `reason`
 * may also be set when not degraded, for a standing caveat of the backend or the last watch error.
 */
export interface WatcherHealth {
  /** Backend name: 'chokidar' or 'parcel'. */
  readonly backend: string;
  readonly degraded: boolean;
  /** Watch errors seen since start. */
  readonly errors: number;
  readonly reason?: string;
}

/**
 * A running watch over one work tree. Changes go to `changes` (one consumer: the committer).
 * start() resolves when the initial tree is watched; it reports existing files as nothing (the
 * startup scan uses git's index instead). Start the watcher before that scan, so a change made
 * in between is seen by one or the other. Watch errors never throw: they show in health().
 */
export interface Watcher {
  /** Watches the tree; resolves when ready. Call once. */
  start(): Promise<void>;
  /** Where changes are delivered. */
  readonly changes: Pool<FsChange>;
  /** A snapshot of the watcher's health, for status and for deciding to rescan. */
  health(): WatcherHealth;
  /** Stops watching and releases every watch; no change is pushed afterwards. */
  close(): Promise<void>;
}

/** What every backend needs. */
export interface WatcherOptions {
  /** Absolute path of the work tree. */
  readonly root: string;
  /**
   * Whether a path (relative, '/' separators) is ignored, e.g. by .gitignore. `isDir` is undefined
   * when the backend does not know. An ignored directory hides everything below it. Any path with a
   * `.git` segment is ignored on top of this.
   */
  readonly ignored: (relativePath: string, isDir: boolean | undefined) => boolean;
  /** Stamps FsChange.time. */
  readonly clock: { now(): number };
}

/** The backends, named as in config (`arbor.watcher`) and in health().backend. */
export type WatcherBackend = 'chokidar' | 'parcel';

/** True for a relative path that is a `.git` directory or inside one (at any depth). */
export function isInsideGitDir(relativePath: string): boolean {
  return relativePath === '.git' || relativePath.startsWith('.git/') || relativePath.includes('/.git/') || relativePath.endsWith('/.git');
}

/**
 * Health bookkeeping shared by the backends: counts watch errors and keeps the first degrading
 * reason (a later harmless error does not hide it). `caveat` is the backend's standing note.
 */
export class HealthTracker {
  readonly #backend: WatcherBackend;
  readonly #classify: (err: unknown) => { degraded: boolean; reason: string };
  /** Errors seen since start. */
  #errors = 0;
  /** Set once, by the first error that means changes are being missed. */
  #degradedReason: string | undefined;
  /** The latest non-degrading error. */
  #note: string | undefined;
  /** What the backend cannot detect, always reported (e.g. parcel's lost overflows). */
  readonly #caveat: string | undefined;

  constructor(opts: {
    readonly backend: WatcherBackend;
    readonly classify: (err: unknown) => { degraded: boolean; reason: string };
    readonly caveat?: string;
  }) {
    this.#backend = opts.backend;
    this.#classify = opts.classify;
    this.#caveat = opts.caveat;
  }

  /** Records a watch error. */
  error(err: unknown): void {
    this.#errors++;
    const verdict = this.#classify(err);
    if (verdict.degraded) this.#degradedReason ??= verdict.reason;
    else this.#note = verdict.reason;
  }

  /** The current health. */
  snapshot(): WatcherHealth {
    const notes = [this.#degradedReason ?? this.#note, this.#caveat].filter((s): s is string => s !== undefined);
    const reason = notes.length === 0 ? undefined : notes.join('; ');
    return {
      backend: this.#backend,
      degraded: this.#degradedReason !== undefined,
      errors: this.#errors,
      ...(reason === undefined ? {} : { reason }),
    };
  }
}
