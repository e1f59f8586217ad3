// Which repository states a merge pass already ran from, so an idle fetch that brought nothing costs one git, not twenty.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../annex/annex.js';

/**
 * The refs a merge pass reads (this repository's branches and the remote-tracking ones), as one
 * string, or undefined when the git-annex journal holds entries (the pass commits them, so it must run).
 * Read from git's ref files (`git for-each-ref` only when they do not settle it); a readdir of the journal.
 */
export async function mergeInputs(annex: Annex): Promise<string | undefined> {
  const journal = await readdir(join(annex.annexDir, 'journal')).catch(() => [] as string[]);
  if (journal.some((n) => !n.startsWith('.'))) return undefined;
  // refs/remotes/<name>/HEAD (a symbolic ref a clone makes) names a branch listed anyway.
  const refs = await annex.git.refsWhere((ref) => ref.startsWith('refs/heads/') || (ref.startsWith('refs/remotes/') && !ref.endsWith('/HEAD')));
  return [...refs].map(([ref, sha]) => `${sha} ${ref}`).join('\n');
}

/**
 * For each kind of merge pass (merging what peers pushed here, merging what one remote has), the
 * inputs it last ran from to the end with nothing in the way. A pass whose inputs are the same again
 * has nothing to merge: its merges were made then, and a merge that moved HEAD changed the inputs.
 */
export class MergedRefs {
  readonly #seen = new Map<string, string>();
  #annexLeft: string | undefined;

  /**
   * Whether the git-annex branch is not where the last merge pass left it: something other than a
   * pass wrote it since (a peer that sent content here and recorded it in this repository's
   * branch, a git-annex command run here, this daemon's own records). False before the first pass.
   */
  annexMoved(head: string | undefined): boolean {
    return this.#annexLeft !== undefined && head !== this.#annexLeft;
  }

  /** Where a merge pass left the git-annex branch. */
  annexLeftAt(head: string | undefined): void {
    this.#annexLeft = head;
  }

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
