// Change notices from a repository on a local path (a directory, a drive, a bare repository): a filesystem watch on its refs.

import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../util/clock.js';
import type { NoticeConnection, NoticeEnd, NoticeHandlers } from './notice-source.js';

/** The git directory of the repository at `path`: `path/.git` when it is a work tree, else `path` itself (bare). */
async function gitDirAt(path: string): Promise<string | undefined> {
  if (await stat(join(path, '.git', 'refs')).then((s) => s.isDirectory(), () => false)) return join(path, '.git');
  if (await stat(join(path, 'refs')).then((s) => s.isDirectory(), () => false)) return path;
  return undefined;
}

/** How long after a ref event more are awaited before one notice is given: one push moves several refs. */
const SETTLE_MS = 50;

/**
 * Watches the refs of the repository at `path`: refs/heads, refs/heads/synced and packed-refs
 * (the branches sync moves; a branch deeper than synced/ is left to the fetch schedule). A push
 * into it, a commit there, or `git gc` packing its refs are all noticed. Ready once the watches
 * are set; ends when a watch fails (the path is gone, no inotify watches left) or at close().
 * The events of one push (a ref file each, and their lock files) make one notice.
 */
export function openLocalNotices(options: { readonly path: string; readonly clock: Clock; readonly handlers: NoticeHandlers }): NoticeConnection {
  const watchers: FSWatcher[] = [];
  let finish: (end: NoticeEnd) => void = () => undefined;
  /** Aborted when the connection ends (a pending notice is then dropped). */
  const over = new AbortController();
  const ended = new Promise<NoticeEnd>((resolve) => {
    finish = (end) => {
      over.abort();
      for (const w of watchers.splice(0)) w.close();
      resolve(end);
    };
  });
  void (async () => {
    const gitDir = await gitDirAt(options.path);
    if (!gitDir) {
      finish({ reason: `${options.path} is not there (or not a git repository)`, permanent: false });
      return;
    }
    let settling = false;
    const changed = (): void => {
      if (settling) return;
      settling = true;
      void options.clock.sleep(SETTLE_MS, over.signal).then(() => {
        settling = false;
        options.handlers.changed({});
      }, () => undefined);
    };
    // Directories, not recursive: node's recursive watch on Linux watches each file, and git
    // replaces a ref file by renaming its lock over it, so only a ref's first change would be heard.
    const heads = join(gitDir, 'refs', 'heads');
    const onEvent = (_e: string, f: string | Buffer | null): void => {
      if (f && !String(f).endsWith('.lock')) changed();
    };
    let syncedWatched = false;
    const watchSynced = (): void => {
      if (syncedWatched) return;
      try {
        const w = watch(join(heads, 'synced'), onEvent);
        syncedWatched = true;
        w.on('error', () => undefined);
        watchers.push(w);
      } catch {
        // no synced/ branches yet: added when the directory appears
      }
    };
    try {
      watchers.push(
        watch(heads, (e, f) => {
          if (f === 'synced') watchSynced();
          onEvent(e, f);
        }),
      );
      watchers.push(watch(gitDir, (_e, f) => f === 'packed-refs' && changed()));
    } catch (err) {
      finish({ reason: `cannot watch ${gitDir}: ${err instanceof Error ? err.message : String(err)}`, permanent: false });
      return;
    }
    watchSynced();
    for (const w of watchers) w.on('error', (err) => finish({ reason: `watch of ${gitDir} failed: ${err.message}`, permanent: false }));
    options.handlers.ready();
  })();
  return { ended, close: () => finish({ reason: 'closed', permanent: false }) };
}
