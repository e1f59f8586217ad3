// Parsing `git ls-tree -z` output into tree entries.
import { ArborError } from '../util/errors.js';

/** One entry of a tree. */
export interface TreeEntry {
  /** Octal mode as git prints it: 100644, 100755, 120000, 040000, 160000. */
  readonly mode: string;
  /** blob, tree or commit (a submodule). */
  readonly type: string;
  /** Object id. */
  readonly sha: string;
  /** Path relative to the top of the tree, unquoted (any bytes but NUL, decoded as UTF-8). */
  readonly path: string;
}

/** Parses `git ls-tree -z` output: records "mode SP type SP sha TAB path" each ending in NUL. */
export function parseLsTree(out: Buffer | string): TreeEntry[] {
  const s = typeof out === 'string' ? out : out.toString('utf8');
  const entries: TreeEntry[] = [];
  for (const rec of s.split('\0')) {
    if (rec === '') continue;
    const tab = rec.indexOf('\t');
    const [mode, type, sha] = rec.slice(0, tab).split(' ');
    if (tab < 0 || mode === undefined || type === undefined || sha === undefined) throw new ArborError('EGITPARSE', `bad ls-tree record: ${JSON.stringify(rec)}`);
    entries.push({ mode, type, sha, path: rec.slice(tab + 1) });
  }
  return entries;
}

/** Formats entries back into `git ls-tree -z` output (the inverse of parseLsTree). */
export function formatLsTree(entries: readonly TreeEntry[]): string {
  return entries.map((e) => `${e.mode} ${e.type} ${e.sha}\t${e.path}\0`).join('');
}
