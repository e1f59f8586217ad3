// git fetch and push as bounded network operations: stall watch, overall bound, ssh time-outs, and errors that name the remote.

import type { Annex } from '../annex/annex.js';
import { gitEnv } from '../git/repo.js';
import { sshCommandOf } from '../remotes/index.js';
import { gitSshCommand, readNetworkLimits, type NetworkLimits } from '../remotes/network-limits.js';
import { runBounded, type BoundedResult, type RunLimit } from '../util/bounded-run.js';

/** One network git run: what the bounded run gave, and why the remote looks unreachable, if it does. */
export interface NetworkGitResult extends BoundedResult {
  /** Set when the remote could not be reached or did not answer (not for a refusal it sent): "remote nas: <reason>". */
  readonly unreachable?: string;
  /** Why it failed, in one line without the remote's name ("no answer for 30 s (stalled)", git's error line). */
  readonly reason?: string;
}

/** git's (and ssh's) words for "the other side is not there or does not answer". */
const UNREACHABLE = /Could not read from remote repository|Connection (refused|timed out|closed|reset)|Could not resolve (hostname|host)|No route to host|Network is unreachable|banner exchange|Host is down|does not appear to be a git repository|Operation timed out|unable to access/i;

/** The one-line reason a limit ended a run, e.g. "no answer for 30 s (stalled)". */
export function limitMessage(limit: RunLimit, limits: NetworkLimits): string {
  if (limit === 'aborted') return 'stopped';
  return limit === 'stalled' ? `no answer for ${Math.round(limits.stallMs / 1000)} s (stalled)` : `not finished after ${Math.round(limits.timeoutMs / 1000)} s (time-out)`;
}

/** The first fatal/error line of git's stderr without its prefix (progress lines skipped), else the last line. */
export function gitErrorLine(stderr: string, code: number): string {
  const lines = stderr.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.filter((l) => !/^(remote: )?(Counting|Compressing|Receiving|Resolving|Enumerating|Total|Writing|Delta)/.test(l)).at(-1);
  return line ? line.replace(/^(fatal|error): /, '') : `git exited ${code}`;
}

/** The limits of a StepContext-like holder: given ones, else read once from the repository's config. */
const limitsCache = new WeakMap<Annex, Promise<NetworkLimits>>();
export function networkLimitsOf(annex: Annex, given?: NetworkLimits): Promise<NetworkLimits> {
  if (given) return Promise.resolve(given);
  let p = limitsCache.get(annex);
  if (!p) {
    p = readNetworkLimits(annex.git);
    limitsCache.set(annex, p);
  }
  return p;
}

/**
 * Runs `git <args>` talking to `remote`, bounded by `limits`: ended when it sends no byte for the
 * stall time (fetch and push run with --progress so a slow but alive transfer keeps talking) or
 * runs past the overall bound. ssh gets ConnectTimeout and ServerAlive options appended to the
 * user's own ssh command. Never throws for the exit code.
 */
export async function runNetworkGit(annex: Annex, remote: string, args: readonly string[], limits: NetworkLimits, signal?: AbortSignal): Promise<NetworkGitResult> {
  const sshCommand = gitSshCommand(sshCommandOf(await annex.git.configGet('core.sshCommand')), limits);
  const env = gitEnv({ GIT_TERMINAL_PROMPT: '0', ...(sshCommand ? { GIT_SSH_COMMAND: sshCommand } : {}) });
  const r = await runBounded('git', args, { cwd: annex.workTree ?? annex.git.repo.gitDir, env, clock: annex.deps.clock, stallMs: limits.stallMs, timeoutMs: limits.timeoutMs, ...(signal ? { signal } : {}) });
  if (r.limit === 'aborted') return { ...r, reason: limitMessage(r.limit, limits) }; // we are stopping: says nothing about the remote
  if (r.limit) {
    const reason = limitMessage(r.limit, limits);
    return { ...r, reason, unreachable: `remote ${remote}: ${reason}` };
  }
  if (r.code === 0) return r;
  const reason = gitErrorLine(r.stderr, r.code);
  return UNREACHABLE.test(r.stderr) ? { ...r, reason, unreachable: `remote ${remote}: ${reason}` } : { ...r, reason };
}
