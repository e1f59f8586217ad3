// Noticing that a repository's git config file changed, so the daemon can re-read its settings.

import { watch, watchFile, unwatchFile, type FSWatcher, type Stats } from 'node:fs';
import { join } from 'node:path';

/** Stops watching. */
export interface ConfigWatch {
  close(): void;
}

/** How often the fallback stats the file when the directory cannot be watched (ms). */
const FALLBACK_POLL_MS = 5000;

/**
 * Calls `onChange` when `<dir>/config` may have changed. git writes the config as config.lock and
 * renames it over config, so the directory is watched (a watch on the file itself would follow
 * the replaced inode and miss every later change). Where the directory cannot be watched (no
 * inotify watches left, a file system without events), node's stat poll of the file takes over.
 * Calls may be spurious or come in bursts; the caller re-reads and compares.
 */
export function watchGitConfig(dir: string, onChange: () => void): ConfigWatch {
  const file = join(dir, 'config');
  let watcher: FSWatcher | undefined;
  let polling = false;
  const poll = (): void => {
    if (polling) return;
    polling = true;
    watcher?.close();
    watcher = undefined;
    watchFile(file, { interval: FALLBACK_POLL_MS, persistent: false }, (cur: Stats, prev: Stats) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) onChange();
    });
    onChange(); // a change may have slipped through while switching
  };
  try {
    watcher = watch(dir, { persistent: false }, (_event, name) => {
      if (name === null || name === 'config') onChange();
    });
    watcher.on('error', poll);
  } catch {
    poll();
  }
  return {
    close: () => {
      watcher?.close();
      if (polling) unwatchFile(file);
    },
  };
}
