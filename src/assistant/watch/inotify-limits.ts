// Linux inotify limits: read the watch limit, count this user's watches in use, and explain watch errors.
//
// Why: chokidar needs one inotify watch per file and directory; past fs.inotify.max_user_watches it
// gets ENOSPC for the rest and silently stops watching them. The
// assistant checks the limit before choosing a backend and turns watch errors into degraded health.
import { readFile, readdir, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode } from '../../util/errors.js';
import type { WatcherBackend } from './watcher.js';

/** The inotify limits that bound a watcher, as read from /proc. */
export interface InotifyLimits {
  /**
   * Watches this user may hold: the smaller of fs.inotify.max_user_watches and the current user
   * namespace's user.max_inotify_watches (a container can lower the latter).
   */
  readonly maxUserWatches: number;
  /** fs.inotify.max_queued_events: events the kernel queues before dropping (IN_Q_OVERFLOW). */
  readonly maxQueuedEvents?: number;
  /** Watches already held by this user's processes, when counting them was possible and cheap. */
  readonly inUse?: number;
}

/** Where to read from; tests point `procRoot` at a fixture tree. */
export interface ReadInotifyLimitsOptions {
  /** Default '/proc'. */
  readonly procRoot?: string;
  /** Count watches in use by this user's processes (scans /proc/<pid>/fd). Default true. */
  readonly countInUse?: boolean;
  /** Give up counting (inUse stays unknown) past this many processes. Default 4,000. */
  readonly maxProcesses?: number;
  /** The user whose watches count; default this process's uid. */
  readonly uid?: number;
}

/** Reads the limits; undefined where /proc has no inotify settings (not Linux). */
export async function readInotifyLimits(options: ReadInotifyLimitsOptions = {}): Promise<InotifyLimits | undefined> {
  const proc = options.procRoot ?? '/proc';
  const global = await readNumber(join(proc, 'sys/fs/inotify/max_user_watches'));
  const perNamespace = await readNumber(join(proc, 'sys/user/max_inotify_watches'));
  const candidates = [global, perNamespace].filter((n): n is number => n !== undefined);
  if (candidates.length === 0) return undefined;
  const maxQueuedEvents = await readNumber(join(proc, 'sys/fs/inotify/max_queued_events'));
  const uid = options.uid ?? process.getuid?.();
  const inUse =
    options.countInUse === false || uid === undefined
      ? undefined
      : await countWatchesInUse({ procRoot: proc, uid, maxProcesses: options.maxProcesses ?? 4000 });
  return {
    maxUserWatches: Math.min(...candidates),
    ...(maxQueuedEvents === undefined ? {} : { maxQueuedEvents }),
    ...(inUse === undefined ? {} : { inUse }),
  };
}

/** Counts the `inotify wd:` lines of one /proc/<pid>/fdinfo/<fd> text (one line per watch). */
export function countInotifyWatches(fdinfo: string): number {
  let n = 0;
  for (const line of fdinfo.split('\n')) if (line.startsWith('inotify wd:')) n++;
  return n;
}

/** Watches a backend needs for a tree: chokidar one per file and directory, parcel one per directory. */
export function watchesNeeded(backend: WatcherBackend, tree: { readonly files: number; readonly dirs: number }): number {
  return backend === 'chokidar' ? tree.files + tree.dirs : tree.dirs;
}

/**
 * Whether `needed` more watches fit under the limit, keeping headroom for other programs
 * (editors, IDEs, other watchers): 10% of the limit, at least 1,000.
 */
export function fitsWatchLimit(needed: number, limits: InotifyLimits): boolean {
  const headroom = Math.max(1000, Math.floor(limits.maxUserWatches / 10));
  return needed + (limits.inUse ?? 0) + headroom <= limits.maxUserWatches;
}

/** The health reason for a watch that failed because the limit was reached. */
export function watchLimitReason(limits: InotifyLimits | undefined): string {
  const value = limits === undefined ? 'unknown' : String(limits.maxUserWatches);
  return `inotify watch limit reached (fs.inotify.max_user_watches=${value}): falling back to periodic rescans`;
}

/** What a watch error means for health: degraded (changes are being missed) and why. */
export interface WatchErrorVerdict {
  readonly degraded: boolean;
  readonly reason: string;
}

/**
 * Classifies a watch error. ENOSPC (watch limit) and EMFILE/ENFILE (descriptor limits) mean some
 * directories are not watched: degraded. Anything else (EACCES on one directory, …) is counted and
 * reported but does not make the whole watcher untrustworthy. Recognises both Node errors (code)
 * and @parcel/watcher's (strerror text in the message).
 */
export function classifyWatchError(err: unknown, limits: InotifyLimits | undefined): WatchErrorVerdict {
  const code = errnoCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || /No space left on device|ENOSPC/.test(message)) {
    return { degraded: true, reason: watchLimitReason(limits) };
  }
  if (code === 'EMFILE' || code === 'ENFILE' || /Too many open files|EMFILE|ENFILE/.test(message)) {
    return { degraded: true, reason: `too many open files while watching (${code ?? 'EMFILE'}): falling back to periodic rescans` };
  }
  return { degraded: false, reason: `watch error: ${message.split('\n')[0] ?? message}` };
}

async function readNumber(path: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Sums inotify watches over the user's processes; undefined when there are too many to scan. */
async function countWatchesInUse(opts: { procRoot: string; uid: number; maxProcesses: number }): Promise<number | undefined> {
  let pids: string[];
  try {
    pids = (await readdir(opts.procRoot)).filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  if (pids.length > opts.maxProcesses) return undefined;
  let total = 0;
  for (const pid of pids) {
    const dir = join(opts.procRoot, pid);
    try {
      if ((await stat(dir)).uid !== opts.uid) continue;
      for (const fd of await readdir(join(dir, 'fd'))) {
        if ((await readlink(join(dir, 'fd', fd)).catch(() => '')) !== 'anon_inode:inotify') continue;
        total += countInotifyWatches(await readFile(join(dir, 'fdinfo', fd), 'utf8'));
      }
    } catch (err) {
      // processes come and go, and others' fd directories are unreadable: skip them
      if (errnoCode(err) === undefined) throw err;
    }
  }
  return total;
}
