// Pure helpers for ref names: local and remote-tracking branches and the synced/ branches.

const HEADS = 'refs/heads/';
const REMOTES = 'refs/remotes/';
const TAGS = 'refs/tags/';

/** Prefix of the branches that sync pushes to instead of a remote's checked-out branch (git-annex's convention). */
export const SYNCED_PREFIX = 'synced/';

/** The full ref of a local branch: "main" → "refs/heads/main" (a full ref name is returned unchanged). */
export function branchRef(branch: string): string {
  return branch.startsWith('refs/') ? branch : `${HEADS}${branch}`;
}

/** The synced branch of a branch: "main" or "refs/heads/main" → "synced/main". */
export function syncedBranch(branch: string): string {
  return `${SYNCED_PREFIX}${shortBranchName(branch)}`;
}

/**
 * True for a synced branch, local or remote-tracking: "synced/main", "refs/heads/synced/main",
 * "refs/remotes/origin/synced/main" (remote names are taken to be one path component).
 */
export function isSyncedRef(ref: string): boolean {
  return branchPart(ref).startsWith(SYNCED_PREFIX);
}

/** The branch a synced branch stands for: "synced/main" → "main"; undefined for other refs. */
export function unsyncedBranch(ref: string): string | undefined {
  const b = branchPart(ref);
  return b.startsWith(SYNCED_PREFIX) ? b.slice(SYNCED_PREFIX.length) : undefined;
}

/** The remote-tracking ref of a remote's branch: ("origin", "main") → "refs/remotes/origin/main". */
export function remoteTrackingRef(remote: string, branch: string): string {
  return `${REMOTES}${remote}/${shortBranchName(branch)}`;
}

/**
 * A ref's short name as git shows it: "refs/heads/main" → "main", "refs/remotes/origin/main" →
 * "origin/main", "refs/tags/v1" → "v1"; other names are returned unchanged.
 */
export function shortBranchName(ref: string): string {
  for (const prefix of [HEADS, REMOTES, TAGS]) {
    if (ref.startsWith(prefix)) return ref.slice(prefix.length);
  }
  return ref;
}

/** The branch name within a ref: without refs/heads/, or without refs/remotes/<remote>/. */
function branchPart(ref: string): string {
  if (ref.startsWith(HEADS)) return ref.slice(HEADS.length);
  if (ref.startsWith(REMOTES)) {
    const rest = ref.slice(REMOTES.length);
    const slash = rest.indexOf('/');
    return slash < 0 ? '' : rest.slice(slash + 1);
  }
  return ref;
}
