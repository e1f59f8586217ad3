// Which repositories should drop a key they hold but no longer want: the one decision `sync --content` and the assistant share (pure: no IO).

import type { Key } from '../annex/key.js';
import type { TrustLevel } from '../annex/logs/trust.js';
import type { PreferredContent } from '../annex/preferred-content.js';
import { copyCounts } from './copy-rules.js';

/** Everything the decision needs about one key; nothing is read here. */
export interface DropQuestion {
  readonly key: Key;
  /** Every path in the tree that uses the key. */
  readonly paths: readonly string[];
  /** Repositories the location log says have it. */
  readonly locations: readonly string[];
  /** This repository, and whether the content really is here. */
  readonly here: { readonly uuid: string; readonly present: boolean };
  /** Remotes this pass may drop from (reachable, not annex-ignore'd), by name and uuid. */
  readonly remotes: readonly { readonly name: string; readonly uuid: string }[];
  /** Copies the key needs (numcopies/mincopies, per file: the largest of its paths). */
  readonly need: number;
  /** Trust levels (trust log with remote.<name>.annex-trustlevel applied). */
  readonly trust: ReadonlyMap<string, TrustLevel>;
}

/** What to drop, in order, and whose policy could not be followed. */
export interface DropDecision {
  readonly here: boolean;
  /** Remote names to drop from, after `here`. */
  readonly from: readonly string[];
  /** Repositories kept because their policy is not understood: uuid → reason. */
  readonly misunderstood: ReadonlyMap<string, string>;
}

/** Whether `uuid` wants none of the key's paths, deciding as for a drop (itself assumed not to have it). */
export async function unwantedBy(preferred: PreferredContent, uuid: string, key: Key, paths: readonly string[], locations: readonly string[]): Promise<boolean> {
  if (!preferred.hasExpression(uuid) || preferred.misunderstood(uuid) !== undefined) return false;
  for (const path of paths) {
    const subject = { path, size: key.size, backend: key.backend, locations };
    if (await preferred.wants({ uuid, subject, assumeNotPresent: [uuid] })) return false;
  }
  return true;
}

/**
 * Decides as git-annex's `sync --content` and assistant do (Annex/Drop.hs handleDropsFrom): this
 * repository first, then each remote, each holder drops when it wants none of the key's paths
 * (a key is dropped only when every path that uses it is unwanted) and, counting each repository
 * once and no untrusted or dead copy, at least `need` other copies remain. Each planned drop is
 * taken off the copies before the next holder is decided. A repository whose policy arbor does
 * not understand keeps everything: nothing is dropped under a policy arbor cannot read. The drops
 * themselves verify and lock the copies they count (content/drop.ts); this only plans them.
 */
export async function decideDrops(preferred: PreferredContent, q: DropQuestion): Promise<DropDecision> {
  const copies = new Set(q.locations.filter((u) => u !== q.here.uuid));
  if (q.here.present) copies.add(q.here.uuid);
  const misunderstood = new Map<string, string>();
  const othersCounting = (uuid: string): number => [...copies].filter((u) => u !== uuid && copyCounts(q.trust.get(u))).length;
  const decide = async (uuid: string): Promise<boolean> => {
    if (!copies.has(uuid)) return false;
    const reason = preferred.misunderstood(uuid);
    if (reason !== undefined) {
      misunderstood.set(uuid, reason);
      return false;
    }
    if (othersCounting(uuid) < q.need) return false;
    if (!(await unwantedBy(preferred, uuid, q.key, q.paths, [...copies]))) return false;
    copies.delete(uuid);
    return true;
  };
  const here = q.here.present && (await decide(q.here.uuid));
  const from: string[] = [];
  const seen = new Set<string>([q.here.uuid]);
  for (const r of q.remotes) {
    if (seen.has(r.uuid)) continue; // each repository once, whatever names reach it
    seen.add(r.uuid);
    if (await decide(r.uuid)) from.push(r.name);
  }
  return { here, from, misunderstood };
}
