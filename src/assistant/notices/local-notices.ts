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

/** A ref file git writes when a branch moves: loose refs under refs/heads (not their .lock files), and packed-refs. */
function isBranchRef(name: string): boolean {
  return name.startsWith('heads/') && !name.endsWith('.lock');
}

/** How long after a ref event more are awaited before one notice is given: one push moves several refs. */
const SETTLE_MS = 50;

/**
 * Watches the refs of the repository at `path`: refs/heads (recursively) and packed-refs. A push
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
    try {
      watchers.push(watch(join(gitDir, 'refs'), { recursive: true }, (_e, f) => f && isBranchRef(String(f)) && changed()));
      watchers.push(watch(gitDir, (_e, f) => f === 'packed-refs' && changed()));
    } catch (err) {
      finish({ reason: `cannot watch ${gitDir}: ${err instanceof Error ? err.message : String(err)}`, permanent: false });
      return;
    }
    for (const w of watchers) w.on('error', (err) => finish({ reason: `watch of ${gitDir} failed: ${err.message}`, permanent: false }));
    options.handlers.ready();
  })();
  return { ended, close: () => finish({ reason: 'closed', permanent: false }) };
}
