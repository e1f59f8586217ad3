// The copy rules drops obey: how many copies a file needs (numcopies and mincopies, per file from .gitattributes) and whose copies count (trust log, remote.<name>.annex-trustlevel).

import type { Annex } from '../annex/annex.js';
import { minCopies, numCopies } from '../annex/logs/numcopies.js';
import { trustLevels, type TrustLevel } from '../annex/logs/trust.js';
import { parseCheckAttrZ } from '../git/check-attr.js';
import type { Remote } from '../remotes/remote.js';

const LEVELS: ReadonlySet<string> = new Set<TrustLevel>(['trusted', 'semitrusted', 'untrusted', 'dead']);

/**
 * Trust levels as git-annex uses them: the trust log, overridden for a remote by its
 * `remote.<name>.annex-trustlevel` (git-annex's local trust setting). Absent repositories are
 * semitrusted.
 */
export async function effectiveTrust(annex: Annex, remotes: readonly Remote[]): Promise<Map<string, TrustLevel>> {
  const [logged, configured] = await Promise.all([trustLevels(annex.branch), annex.git.configGetRegexp('^remote\\..*\\.annex-trustlevel$')]);
  const trust = new Map(logged);
  for (const [name, value] of configured) {
    const remote = remotes.find((r) => `remote.${r.name}.annex-trustlevel`.toLowerCase() === name.toLowerCase());
    const uuid = remote?.uuid || remote?.config.uuid;
    const level = value.trim().toLowerCase();
    if (uuid && LEVELS.has(level)) trust.set(uuid, level as TrustLevel);
  }
  return trust;
}

/** Whether a copy in a repository of this trust level counts towards numcopies. */
export function copyCounts(level: TrustLevel | undefined): boolean {
  return level !== 'untrusted' && level !== 'dead';
}

/**
 * Copies needed elsewhere to drop: numcopies, or mincopies when larger, and never 0 unless
 * mincopies is explicitly 0 (a numcopies of 0, as older git-annex could write, does not make the
 * last copy droppable).
 */
export function neededCopies(num: number, min: number | undefined): number {
  const need = Math.max(num, min ?? 0);
  return need === 0 && min !== 0 ? 1 : need;
}

const count = (info: string | undefined): number | undefined => (info !== undefined && /^\d+$/.test(info) ? Number.parseInt(info, 10) : undefined);

/**
 * Copies needed to drop a key used by `paths`: per path, `annex.numcopies` / `annex.mincopies`
 * from .gitattributes override the numcopies / mincopies logs (as in git-annex); the key needs
 * the largest of its paths' numbers (git-annex's "safest" numcopies). One `git check-attr` for
 * all paths; a bare repository has no work tree to read attributes from and uses the logs.
 */
export async function copiesNeededFor(annex: Annex, paths: readonly string[]): Promise<number> {
  const [num, min] = await Promise.all([numCopies(annex.branch), minCopies(annex.branch)]);
  if (paths.length === 0 || !annex.workTree) return neededCopies(num, min);
  const out = await annex.git.run(['check-attr', '-z', '--stdin', 'annex.numcopies', 'annex.mincopies'], { input: paths.map((p) => `${p}\0`).join('') });
  const attrs = new Map<string, Map<string, string>>();
  for (const r of parseCheckAttrZ(out).records) {
    const m = attrs.get(r.path) ?? new Map<string, string>();
    m.set(r.attribute, r.info);
    attrs.set(r.path, m);
  }
  let need = 0;
  for (const p of paths) {
    const a = attrs.get(p);
    need = Math.max(need, neededCopies(count(a?.get('annex.numcopies')) ?? num, count(a?.get('annex.mincopies')) ?? min));
  }
  return need;
}
