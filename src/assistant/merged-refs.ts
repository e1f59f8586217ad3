// Which repository states a merge pass already ran from, so an idle fetch that brought nothing costs one git, not twenty.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';

/**
 * The refs a merge pass reads (this repository's branches and the remote-tracking ones), as one
 * string, or undefined when the git-annex journal holds entries (the pass commits them, so it must run).
 * One `git for-each-ref`; a readdir of the journal.
 */
export async function mergeInputs(annex: Annex): Promise<string | undefined> {
  const journal = await readdir(join(annex.annexDir, 'journal')).catch(() => [] as string[]);
  if (journal.some((n) => !n.startsWith('.'))) return undefined;
  return annex.git.run(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/remotes']);
}

/**
 * For each kind of merge pass (merging what peers pushed here, merging what one remote has), the
 * inputs it last ran from to the end with nothing in the way. A pass whose inputs are the same again
 * has nothing to merge: its merges were made then, and a merge that moved HEAD changed the inputs.
 */
export class MergedRefs {
  readonly #seen = new Map<string, string>();

  /** True when `pass` already ran clean from exactly `inputs`. */
  done(pass: string, inputs: string | undefined): boolean {
    return inputs !== undefined && this.#seen.get(pass) === inputs;
  }

  /** Records that `pass` ran clean from `inputs` (undefined forgets it). */
  record(pass: string, inputs: string | undefined): void {
    if (inputs === undefined) this.#seen.delete(pass);
    else this.#seen.set(pass, inputs);
  }
}
