// Commit facts read through the running `cat-file --batch` instead of a new git each: a commit's tree, short ancestry checks.
import type { CatFile } from './cat-file.js';

const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Commits read at most by isAncestorByWalk before it gives the question back to git. */
export const ANCESTRY_WALK_LIMIT = 64;

/** The header fields of a commit object: its tree and parents; undefined when `sha` is not a readable commit. */
export async function readCommitHeader(cat: CatFile, sha: string): Promise<{ tree: string; parents: string[] } | undefined> {
  const obj = await cat.get(sha);
  if (obj?.type !== 'commit') return undefined;
  const text = obj.content.toString('utf8');
  const end = text.indexOf('\n\n');
  let tree: string | undefined;
  const parents: string[] = [];
  for (const line of (end < 0 ? text : text.slice(0, end)).split('\n')) {
    if (line.startsWith('tree ')) tree ??= line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
  }
  return tree === undefined ? undefined : { tree, parents };
}

/**
 * Whether `ancestor` is reachable from `descendant`, decided by walking at most `limit` commits
 * back from `descendant`; undefined when the walk could not decide (more history than that, an
 * object that is not a readable commit, names that are not object ids). The git-annex branch's
 * siblings are nearly always a parent or a few commits back, where `git merge-base` would cost a
 * process each.
 */
export async function isAncestorByWalk(cat: CatFile, ancestor: string, descendant: string, limit = ANCESTRY_WALK_LIMIT): Promise<boolean | undefined> {
  if (!SHA.test(ancestor) || !SHA.test(descendant)) return undefined;
  const seen = new Set<string>([descendant]);
  let frontier = [descendant];
  let read = 0;
  while (frontier.length > 0) {
    if (frontier.includes(ancestor)) return true;
    if (read + frontier.length > limit) return undefined;
    read += frontier.length;
    const headers = await Promise.all(frontier.map((c) => readCommitHeader(cat, c)));
    const next: string[] = [];
    for (const h of headers) {
      if (h === undefined) return undefined;
      for (const p of h.parents) {
        if (!seen.has(p)) {
          seen.add(p);
          next.push(p);
        }
      }
    }
    frontier = next;
  }
  // "Not an ancestor" only for a commit that exists: git refuses unknown names.
  return (await readCommitHeader(cat, ancestor)) === undefined ? undefined : false;
}
