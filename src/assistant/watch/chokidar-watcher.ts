// The portable watcher backend, built on chokidar: one watch per file and directory.
//
// chokidar is the watcher the design card asks for, and works on every platform. Its cost is one
// inotify watch and about 6–8 KiB per file, so select.ts prefers the
// parcel backend for large trees. Settings and why:
// - ignoreInitial: the assistant's startup scan uses git's index, not 101k `add` events.
// - atomic: an editor's delete-then-recreate within 100 ms becomes one `change` of the target.
//   chokidar's atomic mode also skips editor swap/backup names (`.x.swp`, `x~`, `.subl…tmp`).
// - no awaitWriteFinish: change-aggregator.ts decides when a file has settled, without polling.
// - followSymlinks off: git records a symlink itself, not what it points to.
// - every `error` is counted; ENOSPC/EMFILE mark the watcher degraded (chokidar keeps going but
//   silently leaves the failed directories unwatched, §5.3), and nothing is thrown.
import { relative, sep } from 'node:path';
import type { Stats } from 'node:fs';
import { FSWatcher } from 'chokidar';
import { Pool } from '../../util/channel.js';
import { classifyWatchError, readInotifyLimits } from './inotify-limits.js';
import type { InotifyLimits } from './inotify-limits.js';
import { HealthTracker, isInsideGitDir } from './watcher.js';
import type { ChangeKind, FsChange, Watcher, WatcherHealth, WatcherOptions } from './watcher.js';

/** Options of the chokidar backend. */
export interface ChokidarWatcherOptions extends WatcherOptions {
  /** The inotify limits named in health reasons; read from /proc at start when absent. */
  readonly limits?: InotifyLimits;
}

const KINDS: readonly ChangeKind[] = ['add', 'change', 'unlink', 'addDir', 'unlinkDir'];

/** Creates (but does not start) a chokidar-backed watcher over `opts.root`. */
export function createChokidarWatcher(opts: ChokidarWatcherOptions): Watcher {
  return new ChokidarWatcher(opts);
}

class ChokidarWatcher implements Watcher {
  readonly changes = new Pool<FsChange>();
  readonly #opts: ChokidarWatcherOptions;
  /** Filled at start(); classifyWatchError reads it when an error arrives. */
  #limits: InotifyLimits | undefined;
  readonly #health: HealthTracker;
  /** Set by start(); undefined before start and after close. */
  #fsw: FSWatcher | undefined;
  /** Once closed, late events from chokidar are dropped. */
  #closed = false;

  constructor(opts: ChokidarWatcherOptions) {
    this.#opts = opts;
    this.#limits = opts.limits;
    this.#health = new HealthTracker({ backend: 'chokidar', classify: (err) => classifyWatchError(err, this.#limits) });
  }

  async start(): Promise<void> {
    if (this.#fsw !== undefined || this.#closed) throw new Error('chokidar watcher: start() called twice');
    this.#limits ??= await readInotifyLimits({ countInUse: false });
    const root = this.#opts.root;
    const fsw = new FSWatcher({
      ignoreInitial: true,
      atomic: true,
      followSymlinks: false,
      awaitWriteFinish: false,
      persistent: true,
      ignored: (absolute: string, stats?: Stats) => this.#isIgnored(toRelative(root, absolute), stats),
    });
    this.#fsw = fsw;
    fsw.on('error', (err: unknown) => this.#health.error(err));
    fsw.on('all', (event: string, absolute: string) => {
      if (this.#closed) return;
      const kind = KINDS.find((k) => k === event);
      const path = toRelative(root, absolute);
      if (kind === undefined || path === '' || path.startsWith('../')) return;
      this.changes.push({ kind, path, time: this.#opts.clock.now() });
    });
    const ready = new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
    fsw.add(root);
    await ready;
  }

  health(): WatcherHealth {
    return this.#health.snapshot();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const fsw = this.#fsw;
    this.#fsw = undefined;
    await fsw?.close();
  }

  #isIgnored(path: string, stats: Stats | undefined): boolean {
    if (path === '' || path.startsWith('../')) return false;
    if (isInsideGitDir(path)) return true;
    return this.#opts.ignored(path, stats === undefined ? undefined : stats.isDirectory());
  }
}

/** The root-relative, '/'-separated form of an absolute path chokidar reports. */
function toRelative(root: string, absolute: string): string {
  const rel = relative(root, absolute);
  return sep === '/' ? rel : rel.split(sep).join('/');
}
