// The network map for the status page: the SVG of `git arbor map` with the plan for new content, drawn once per change of what it shows.

import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Annex } from '../../annex/annex.js';
import { buildNetworkMap } from '../../content/network-map.js';
import { planForNewContent } from '../../content/plan.js';
import { toJson } from '../../network/graph.js';
import { linkId, renderSvg } from '../../network/map-render.js';

/** One drawing: its version (changes whenever the picture may) and the SVG document. */
export interface MapDrawing {
  readonly version: string;
  readonly svg: string;
}

/** Remote name → whether it answered last (true), failed or is unplugged (false), or was not tried (undefined). */
export type Reachable = ReadonlyMap<string, boolean | undefined>;

/**
 * Draws the map as `git arbor map` does (network/map-render.ts: remote names, descriptions, the
 * minimum-cost tree new content travels along in green), with this repository's links marked
 * available or not as the assistant last found them. The drawing is kept until something it is
 * made from changes: the git-annex branch (uuid.log, trust, links others published), the remotes'
 * tracking git-annex branches (links inferred for git-annex peers), the git config (remotes,
 * costs) or a remote's reachability. Finding that out reads two ref files, a stat and the config
 * snapshot, so a page asking at every report costs no git process while nothing changes.
 */
export class NetworkMapSvg {
  readonly #annex: Annex;
  /** The last drawing and what it was drawn from; a build in progress for a stamp is shared. */
  #last: { readonly stamp: string; readonly drawing: Promise<MapDrawing> } | undefined;

  constructor(annex: Annex) {
    this.#annex = annex;
  }

  /** What the drawing depends on, as one string. */
  async #stamp(reachable: Reachable): Promise<string> {
    const git = this.#annex.git;
    const branch = (await git.revParse('refs/heads/git-annex')) ?? '';
    const tracking = await git.refsWhere((ref) => ref.startsWith('refs/remotes/') && ref.endsWith('/git-annex'));
    const config = await stat(join(git.repo.commonDir, 'config')).then((s) => `${s.mtimeMs}:${s.size}`, () => '');
    const states = [...reachable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, r]) => `${n}=${String(r)}`);
    return [branch, ...tracking.values(), config, ...states].join('\n');
  }

  /** The drawing for the repository as it is now (drawn again only when its stamp changed). */
  async current(reachable: Reachable): Promise<MapDrawing> {
    const stamp = await this.#stamp(reachable);
    if (this.#last?.stamp === stamp) return this.#last.drawing;
    const drawing = this.#draw(stamp, reachable);
    this.#last = { stamp, drawing };
    // A failed drawing is not kept: the next call tries again.
    drawing.catch(() => {
      if (this.#last?.drawing === drawing) this.#last = undefined;
    });
    return drawing;
  }

  async #draw(stamp: string, reachable: Reachable): Promise<MapDrawing> {
    const graph = await buildNetworkMap(this.#annex, { reachable });
    const plan = await planForNewContent(this.#annex, { graph });
    const highlight = new Set(plan.edges.map((e) => linkId(e.from, e.to, e.cost)));
    const svg = renderSvg(toJson(graph), { highlight });
    return { version: createHash('sha256').update(stamp).digest('hex').slice(0, 16), svg };
  }
}
