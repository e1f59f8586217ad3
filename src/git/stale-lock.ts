// Git lock files nobody holds any more: found, judged and removed, so a dead git never wedges arbor.

import { readdir, rm, stat } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, relative, isAbsolute } from 'node:path';
import { argsOf, cwdOf, holdersOf, listProcesses } from '../util/open-files.js';
import type { RepoInfo } from './repo.js';

/** Without /proc (not Linux), a lock this old (ms) whose owner cannot be known is taken as stale. */
export const STALE_LOCK_AGE_FALLBACK_MS = 60_000;

/** A lock that was removed, and why. */
export interface RemovedLock {
  readonly lock: string;
  readonly reason: string;
}

/** The lock file a git error names ("Unable to create '/x/.git/index.lock': File exists."), if any. */
export function lockNamedIn(stderr: string): string | undefined {
  const m = /Unable to create '([^']+\.lock)': File exists/.exec(stderr);
  return m?.[1];
}

/** Exit codes of a git that crashed (bus error, segfault, abort …): worth one more try. */
const CRASH_SIGNALS = ['SIGBUS', 'SIGSEGV', 'SIGABRT', 'SIGILL', 'SIGFPE'] as const;

/** Whether an exit code (128 + signal, as the spawner reports it) is a crash of the program itself. */
export function crashedBySignal(code: number): boolean {
  return CRASH_SIGNALS.some((s) => code === 128 + constants.signals[s]);
}

/** Whether an exit code says the program was killed by any signal (git itself exits 128 at most). */
export function killedBySignal(code: number): boolean {
  return code > 128;
}

/** The lock files git may leave in this repository that exist now: index, HEAD, config, packed-refs and ref locks. */
export async function existingGitLocks(repo: RepoInfo): Promise<string[]> {
  const candidates = new Set([
    join(repo.gitDir, 'index.lock'),
    join(repo.gitDir, 'HEAD.lock'),
    join(repo.commonDir, 'config.lock'),
    join(repo.commonDir, 'packed-refs.lock'),
    join(repo.commonDir, 'HEAD.lock'),
  ]);
  const refs = join(repo.commonDir, 'refs');
  const under = await readdir(refs, { recursive: true }).catch(() => [] as string[]);
  for (const p of under) if (p.endsWith('.lock')) candidates.add(join(refs, p));
  const found: string[] = [];
  for (const c of candidates) if (await stat(c).then((s) => s.isFile(), () => false)) found.push(c);
  return found;
}

function inside(dir: string | undefined, path: string): boolean {
  if (!dir) return false;
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** A long-running git that only reads (arbor's own `cat-file --batch`, `check-attr --stdin`): it never takes a lock. */
function readsOnly(args: readonly string[]): boolean {
  return (args.includes('cat-file') && args.some((a) => a.startsWith('--batch'))) || (args.includes('check-attr') && args.includes('--stdin'));
}

/**
 * Why `lock` is still in use, or undefined when it is stale. In use: some process holds it open
 * (git keeps its lock open while it writes), or some other git process works in this repository
 * (`git commit -a` closes index.lock while the editor runs; any git closes its lock just before it
 * renames it into place), be it the user's or one of arbor's own, except the long-running readers.
 * Without /proc the lock's age decides (STALE_LOCK_AGE_FALLBACK_MS).
 */
export async function lockInUse(lock: string, repo: RepoInfo, deps: { now: number }): Promise<string | undefined> {
  const holders = await holdersOf(lock);
  if (holders === undefined) {
    // Open files cannot all be seen: a recent lock is someone's; an older one only when no git
    // we can see (or cannot see into) runs, below.
    const s = await stat(lock).catch(() => undefined);
    if (s && deps.now - s.mtimeMs < STALE_LOCK_AGE_FALLBACK_MS) return 'it is recent and open files cannot all be listed here';
  } else if (holders.length) return `held open by pid ${holders.join(', ')}`;
  for (const p of await listProcesses()) {
    if (p.comm !== 'git' && !p.comm.startsWith('git-')) continue;
    const cwd = await cwdOf(p.pid);
    if (cwd === null) continue; // it ended meanwhile
    if (cwd === undefined) return `git (pid ${p.pid}) runs where it cannot be seen (it may be in this repository)`;
    if (!(inside(repo.workTree, cwd) || inside(repo.gitDir, cwd) || inside(repo.commonDir, cwd))) continue;
    if (readsOnly(await argsOf(p.pid))) continue;
    return `git (pid ${p.pid}) is running in this repository`;
  }
  return undefined;
}

/** Removes `lock` when nothing uses it (see lockInUse); returns whether it did. */
export async function removeIfStale(lock: string, repo: RepoInfo, deps: { now: number }): Promise<boolean> {
  const before = await stat(lock).catch(() => undefined);
  if (!before) return false;
  if ((await lockInUse(lock, repo, deps)) !== undefined) return false;
  // Another remover may have judged the same lock and a new git created a fresh one since: only
  // the very file that was judged stale is removed.
  const now = await stat(lock).catch(() => undefined);
  if (!now || now.ino !== before.ino || now.mtimeMs !== before.mtimeMs) return false;
  await rm(lock, { force: true });
  return true;
}

/** Removes every git lock of the repository that nothing uses, whatever its age (at daemon start). */
export async function removeStaleLocks(repo: RepoInfo, deps: { now: number }): Promise<string[]> {
  const removed: string[] = [];
  for (const lock of await existingGitLocks(repo)) if (await removeIfStale(lock, repo, deps)) removed.push(lock);
  return removed;
}

/**
 * After one of arbor's own git commands failed: the stale locks it left (killed by a signal) or
 * tripped over (a lock named in "File exists"), removed. The caller decides whether to retry.
 */
export async function clearLocksAfterFailure(repo: RepoInfo, failure: { code: number; stderr: string }, deps: { now: number }): Promise<RemovedLock[]> {
  const mentioned = lockNamedIn(failure.stderr);
  // Only this repository's locks: a lock in a remote's repository (a local push) is not ours to judge.
  const named = mentioned !== undefined && (inside(repo.gitDir, mentioned) || inside(repo.commonDir, mentioned)) ? mentioned : undefined;
  if (mentioned !== undefined && named === undefined) return [];
  const locks = named !== undefined ? [named] : killedBySignal(failure.code) ? await existingGitLocks(repo) : [];
  const removed: RemovedLock[] = [];
  const why = named !== undefined ? 'no process holds it' : `left by a git killed by signal ${failure.code - 128}`;
  for (const lock of locks) if (await removeIfStale(lock, repo, deps)) removed.push({ lock, reason: why });
  return removed;
}
