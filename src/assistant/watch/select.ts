// Chooses the watcher backend for a work tree (chokidar by default, parcel for large trees) and creates it.
//
// chokidar is the portable default the design card asks for. It needs one inotify watch and about
// 6–8 KiB per file, so 'auto' switches to @parcel/watcher (one watch per directory, about 0.3 KiB per
// file) above `threshold` files, or when one watch per file would not fit under the inotify limit
// (chokidar then silently misses whole directories).
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createChokidarWatcher } from './chokidar-watcher.js';
import { fitsWatchLimit, readInotifyLimits, watchesNeeded } from './inotify-limits.js';
import type { InotifyLimits } from './inotify-limits.js';
import { createParcelWatcher, loadParcelWatcher } from './parcel-watcher.js';
import type { Watcher, WatcherBackend, WatcherOptions } from './watcher.js';

/** Above this many files 'auto' picks parcel (chokidar would take about 150 MB and 1–2 s). */
export const DEFAULT_PARCEL_THRESHOLD = 20_000;

/** The backends by name: the explicit list. */
export const watcherBackends: Readonly<Record<WatcherBackend, (opts: WatcherOptions & { limits?: InotifyLimits }) => Watcher>> = {
  chokidar: createChokidarWatcher,
  parcel: createParcelWatcher,
};

/** The tree's size, as far as it is known. */
export interface TreeSize {
  readonly files: number;
  /** When unknown, estimated as files / 10 (plus the root). */
  readonly dirs?: number;
}

/** Input of the pure choice. */
export interface WatcherChoiceInput {
  readonly config: 'auto' | WatcherBackend;
  /** Undefined when not counted: 'auto' then keeps chokidar unless the limit says otherwise. */
  readonly tree: TreeSize | undefined;
  /** Undefined off Linux (no inotify limit to respect). */
  readonly limits: InotifyLimits | undefined;
  /** Default DEFAULT_PARCEL_THRESHOLD. */
  readonly threshold?: number;
  /** False where @parcel/watcher has no binary: everything falls back to chokidar. */
  readonly parcelAvailable: boolean;
}

/** The chosen backend and a one-line reason (logged and shown in status). */
export interface WatcherChoice {
  readonly backend: WatcherBackend;
  readonly reason: string;
}

/** Pure decision: which backend for this tree, config and limit. */
export function chooseWatcherBackend(input: WatcherChoiceInput): WatcherChoice {
  if (!input.parcelAvailable) {
    return { backend: 'chokidar', reason: input.config === 'parcel' ? '@parcel/watcher is not available on this platform: using chokidar' : 'chokidar (portable default)' };
  }
  if (input.config !== 'auto') return { backend: input.config, reason: `${input.config} (configured)` };
  const threshold = input.threshold ?? DEFAULT_PARCEL_THRESHOLD;
  if (input.tree !== undefined && input.tree.files > threshold) {
    return { backend: 'parcel', reason: `parcel: ${input.tree.files} files is above ${threshold}` };
  }
  if (input.limits !== undefined && input.tree !== undefined) {
    const tree = { files: input.tree.files, dirs: input.tree.dirs ?? Math.ceil(input.tree.files / 10) + 1 };
    const needed = watchesNeeded('chokidar', tree);
    if (!fitsWatchLimit(needed, input.limits)) {
      const inUse = input.limits.inUse === undefined ? '' : `, ${input.limits.inUse} in use`;
      return {
        backend: 'parcel',
        reason: `parcel: chokidar needs ${needed} inotify watches, over the limit (fs.inotify.max_user_watches=${input.limits.maxUserWatches}${inUse})`,
      };
    }
  }
  return { backend: 'chokidar', reason: 'chokidar (portable default)' };
}

/** Options of selectWatcher. */
export interface SelectWatcherOptions {
  readonly root: string;
  /** Files in the tree (e.g. from the index); counted under `root` (bounded) when absent. */
  readonly fileCount?: number;
  /** git config arbor.assistant.watcher; default 'auto'. */
  readonly config?: 'auto' | WatcherBackend;
  /** Inject limits (tests); read from /proc when absent. */
  readonly limits?: InotifyLimits;
  readonly threshold?: number;
}

/**
 * Chooses a backend for `root`. For 'auto' without a file count it counts the tree itself,
 * stopping just past the threshold (an upper bound: ignored directories are counted too).
 */
export async function selectWatcher(opts: SelectWatcherOptions): Promise<WatcherChoice & { readonly limits: InotifyLimits | undefined }> {
  const config = opts.config ?? 'auto';
  const limits = opts.limits ?? (await readInotifyLimits());
  const threshold = opts.threshold ?? DEFAULT_PARCEL_THRESHOLD;
  let tree: TreeSize | undefined;
  if (config === 'auto') {
    tree = opts.fileCount === undefined ? await countTree(opts.root, threshold + 1) : { files: opts.fileCount };
  }
  const parcelAvailable = config === 'chokidar' ? true : (await loadParcelWatcher()) !== undefined;
  return { ...chooseWatcherBackend({ config, tree, limits, threshold, parcelAvailable }), limits };
}

/** Options of createWatcherFor: the watcher's own plus the selection inputs. */
export interface CreateWatcherForOptions extends WatcherOptions {
  readonly config?: 'auto' | WatcherBackend;
  readonly fileCount?: number;
  readonly limits?: InotifyLimits;
  readonly threshold?: number;
}

/** Selects a backend for `opts.root` and creates (does not start) the watcher. */
export async function createWatcherFor(opts: CreateWatcherForOptions): Promise<Watcher> {
  const choice = await selectWatcher(opts);
  const factory = watcherBackends[choice.backend];
  return factory({
    root: opts.root,
    ignored: opts.ignored,
    clock: opts.clock,
    ...(choice.limits === undefined ? {} : { limits: choice.limits }),
  });
}

/** Counts files and directories under `root` (skipping .git), stopping once `limit` files are seen. */
export async function countTree(root: string, limit: number): Promise<{ files: number; dirs: number }> {
  let files = 0;
  let dirs = 0;
  const stack = [root];
  while (stack.length > 0 && files < limit) {
    const dir = stack.pop() as string;
    dirs++;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (e.name !== '.git') stack.push(join(dir, e.name));
      } else {
        files++;
      }
    }
  }
  return { files, dirs };
}
