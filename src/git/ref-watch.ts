// Waiting for a repository's refs to change: a filesystem watch on refs/ and packed-refs, answered with the new shas (git-annex-shell notifychanges).

import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../util/clock.js';

/** Coalesces ref writes this close together into one answer, as git-annex does (Annex/ChangedRefs.hs: 0.05 s). */
export const REF_CHANGE_SETTLE_MS = 50;

/** Options for watchRefs. */
export interface RefWatchOptions {
  readonly gitDir: string;
  readonly clock: Clock;
  /** Every ref and its sha (`git for-each-ref`): what changed is found by comparing two listings. */
  readonly listRefs: () => Promise<ReadonlyMap<string, string>>;
}

/** A running watch. */
export interface RefWatch {
  /** Resolves with the new shas of the refs that were created or moved since the last answer (deleted refs are not reported, as in git-annex). */
  next(): Promise<readonly string[]>;
  close(): void;
}

/** Every directory under `root`, `root` first; one that vanishes meanwhile is left out. */
async function directoriesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
    if (!entries) return;
    out.push(dir);
    for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name));
  };
  await walk(root);
  return out;
}

/**
 * Watches every directory under refs/ (each on its own, not `recursive: true`: Node 20's recursive
 * watch on Linux stops reporting a ref file after git has replaced it by rename once, so only the
 * first push was ever announced) and packed-refs. New directories (refs/heads/synced on a first
 * sync) are added before each listing; their creation is itself an event in the parent. Nothing
 * polls: the listing runs only after the filesystem said something under refs/ changed, then
 * settled for REF_CHANGE_SETTLE_MS.
 */
export async function watchRefs(options: RefWatchOptions): Promise<RefWatch> {
  let dirty = false;
  let closed = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    dirty = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Invariant: one open watcher per directory of refs/ seen at the last cover(), none after close(). */
  const watchers = new Map<string, FSWatcher>();
  const cover = async (): Promise<void> => {
    for (const dir of await directoriesUnder(join(options.gitDir, 'refs'))) {
      if (closed || watchers.has(dir)) continue;
      try {
        const w = watch(dir, poke);
        // A removed directory ends its watcher; cover() adds it again if it comes back.
        w.on('error', () => {
          w.close();
          watchers.delete(dir);
        });
        watchers.set(dir, w);
      } catch {
        // gone between the listing and the watch
      }
    }
  };
  await cover();
  let known = await options.listRefs();
  // packed-refs is replaced by rename: watch the directory for its name.
  const packed = watch(options.gitDir, (_event, name) => name === 'packed-refs' && poke());
  packed.on('error', () => undefined);
  return {
    next: async () => {
      for (;;) {
        if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
        await options.clock.sleep(REF_CHANGE_SETTLE_MS);
        dirty = false;
        await cover();
        const now = await options.listRefs();
        const changed: string[] = [];
        for (const [ref, sha] of now) if (known.get(ref) !== sha) changed.push(sha);
        known = now;
        if (changed.length > 0) return changed;
      }
    },
    close: () => {
      closed = true;
      packed.close();
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

/** Parses `git for-each-ref --format='%(objectname) %(refname)'` output. */
export function parseRefListing(text: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
  }
  return refs;
}
