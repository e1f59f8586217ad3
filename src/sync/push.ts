// Pushing to one remote exactly as `git annex sync` does, so git-annex peers merge what arbor pushes.

import type { Annex } from '../annex/annex.js';
import type { NetworkLimits } from '../remotes/network-limits.js';
import { runNetworkGit, type NetworkGitResult } from './network-git.js';

/** One ref update as reported by `git push --porcelain`. */
export interface PushedRef {
  readonly flag: string;
  readonly from: string;
  readonly to: string;
  readonly summary: string;
}

/** Parses `git push --porcelain` output (flag TAB from:to TAB summary). */
export function parsePushPorcelain(out: string): PushedRef[] {
  const refs: PushedRef[] = [];
  for (const line of out.split('\n')) {
    const m = /^([ +\-*=!])\t([^\t]*):([^\t]*)\t(.*)$/.exec(line);
    if (m) refs.push({ flag: m[1] ?? '', from: m[2] ?? '', to: m[3] ?? '', summary: m[4] ?? '' });
  }
  return refs;
}

/** Push failures that a fetch, merge and second push can fix. */
const RETRYABLE = /non-fast-forward|fetch first|rejected|failed to update ref|cannot lock ref|failed to lock/;

/** The result of pushing to one remote. */
export interface PushOutcome {
  readonly ok: boolean;
  /** synced/<branch> was rejected because the remote moved on: fetch, merge and push again. */
  readonly rejected: boolean;
  /** Whether the remote's <branch> itself was updated (refused for a checked-out non-bare remote: normal). */
  readonly branchUpdated: boolean;
  readonly error?: string;
  /** Set when the remote could not be reached or did not answer: the one-line reason. */
  readonly unreachable?: string;
}

/**
 * Pushes what `git annex sync` pushes (Command/Sync.hs pushBranch), in one `git push` (one
 * connection, one receive-pack): `<branch>:synced/<branch>` and `+git-annex:synced/git-annex`,
 * which decide success; `git-annex`, which may be refused harmlessly when the remote moved on (it
 * merges synced/git-annex itself); and `<branch>`, refused by a non-bare remote with it checked
 * out (normal, not an error). A push is not atomic: each ref is accepted or refused on its own,
 * and `--porcelain` reports each.
 */
export async function pushToRemote(annex: Annex, remote: string, branch: string, limits: NetworkLimits, signal?: AbortSignal): Promise<PushOutcome> {
  const git = annex.git;
  // Each push is bounded (stall watch, overall time-out, ssh time-outs); --progress keeps a slow but alive one talking.
  const push = (refspecs: readonly string[]): Promise<NetworkGitResult> => runNetworkGit(annex, remote, ['push', '--progress', '--porcelain', remote, ...refspecs], limits, signal);
  const unreachable = (why: string, error: string): PushOutcome => ({ ok: false, rejected: false, branchUpdated: false, error, unreachable: why });
  if (!(await git.revParse(`refs/heads/${branch}`))) {
    // Unborn branch (nothing committed yet): only the git-annex branch has anything to say.
    const r = await push(['+refs/heads/git-annex:refs/heads/synced/git-annex']);
    if (r.unreachable) return unreachable(r.unreachable, r.reason ?? r.unreachable);
    return r.code === 0 ? { ok: true, rejected: false, branchUpdated: false } : { ok: false, rejected: false, branchUpdated: false, error: firstError(r.stderr, r.code) };
  }
  const syncedRefs = [`refs/heads/synced/${branch}`, 'refs/heads/synced/git-annex'];
  const pushed = await push([
    `refs/heads/${branch}:refs/heads/synced/${branch}`,
    '+refs/heads/git-annex:refs/heads/synced/git-annex',
    'refs/heads/git-annex:refs/heads/git-annex',
    `refs/heads/${branch}:refs/heads/${branch}`,
  ]);
  if (pushed.unreachable) return unreachable(pushed.unreachable, pushed.reason ?? pushed.unreachable);
  const refs = parsePushPorcelain(pushed.stdout.toString('utf8'));
  const synced = refs.find((r) => r.to === `refs/heads/synced/${branch}`);
  const failed = refs.filter((r) => r.flag === '!' && syncedRefs.includes(r.to));
  if (!synced || failed.length) {
    // Retry (fetch, merge, push again) when the remote moved on, or when another node's push
    // held a ref lock at that moment; anything else (unreachable, permissions) is a failure.
    const retryable = failed.length > 0 ? failed.every((r) => RETRYABLE.test(r.summary)) : RETRYABLE.test(pushed.stderr);
    const why = failed.map((r) => `${r.to.replace('refs/heads/', '')}: ${r.summary}`).join('; ');
    return { ok: false, rejected: retryable, branchUpdated: false, error: why || firstError(pushed.stderr, pushed.code) };
  }
  const directRef = refs.find((r) => r.to === `refs/heads/${branch}`);
  return { ok: true, rejected: false, branchUpdated: directRef !== undefined && directRef.flag !== '!' };
}

/** The first fatal/error line of git's stderr, without its prefix. */
function firstError(stderr: string, code: number): string {
  const line = stderr.split('\n').find((l) => /^(fatal|error):/.test(l));
  return line ? line.replace(/^(fatal|error): /, '') : `git push exited ${code}`;
}
