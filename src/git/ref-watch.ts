// Waiting for a repository's refs to change: a filesystem watch on refs/ and packed-refs, answered with the new shas (git-annex-shell notifychanges).

import { watch, type FSWatcher } from 'node:fs';
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

/**
 * Watches refs/ (recursively) and packed-refs. Nothing polls: the listing runs only after the
 * filesystem said something under refs/ changed, then settled for REF_CHANGE_SETTLE_MS.
 */
export async function watchRefs(options: RefWatchOptions): Promise<RefWatch> {
  let known = await options.listRefs();
  let dirty = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    dirty = true;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const watchers: FSWatcher[] = [watch(join(options.gitDir, 'refs'), { recursive: true }, poke)];
  // packed-refs is replaced by rename: watch the directory for its name.
  watchers.push(watch(options.gitDir, (_event, name) => name === 'packed-refs' && poke()));
  return {
    next: async () => {
      for (;;) {
        if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
        await options.clock.sleep(REF_CHANGE_SETTLE_MS);
        dirty = false;
        const now = await options.listRefs();
        const changed: string[] = [];
        for (const [ref, sha] of now) if (known.get(ref) !== sha) changed.push(sha);
        known = now;
        if (changed.length > 0) return changed;
      }
    },
    close: () => {
      for (const w of watchers) w.close();
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
