// How far each remote's branch is from ours (commits ahead and behind), for the status page; git runs only when a ref moved.

import type { Git } from '../../git/git.js';

/** Commits on our branch the remote's branch lacks (`ahead`), and the other way round (`behind`). */
export interface Divergence {
  readonly ahead: number;
  readonly behind: number;
}

/**
 * Ahead/behind of `refs/remotes/<remote>/<branch>` against HEAD. The refs are read from git's
 * files (microseconds); `git rev-list --left-right --count` runs only for a pair of commits not
 * counted before, so an idle page costs no git at all.
 */
export class DivergenceCounter {
  readonly #git: Pick<Git, 'revParse' | 'run'>;
  readonly #branch: string;
  /** The last count per remote, with the two commits it was counted for. */
  readonly #last = new Map<string, { readonly pair: string; readonly value: Divergence }>();

  constructor(git: Pick<Git, 'revParse' | 'run'>, branch: string) {
    this.#git = git;
    this.#branch = branch;
  }

  /** Counts for the named remotes; a remote without a fetched branch is left out. */
  async count(remotes: readonly string[]): Promise<Record<string, Divergence>> {
    const head = await this.#git.revParse('HEAD');
    const out: Record<string, Divergence> = {};
    if (!head) return out;
    for (const remote of remotes) {
      const theirs = await this.#git.revParse(`refs/remotes/${remote}/${this.#branch}`).catch(() => undefined);
      if (!theirs) continue;
      const pair = `${head}...${theirs}`;
      const known = this.#last.get(remote);
      if (known?.pair === pair) {
        out[remote] = known.value;
        continue;
      }
      const text = await this.#git.run(['rev-list', '--left-right', '--count', pair]).catch(() => undefined);
      const [ahead, behind] = (text ?? '').trim().split(/\s+/).map(Number);
      if (ahead === undefined || behind === undefined || !Number.isFinite(ahead) || !Number.isFinite(behind)) continue;
      const value = { ahead, behind };
      this.#last.set(remote, { pair, value });
      out[remote] = value;
    }
    return out;
  }
}
