// The steps of a sync as separate functions, so the assistant's workers can run each on its own.

import PQueue from 'p-queue';
import type { Annex } from '../annex/annex.js';
import type { Reporter } from '../content/session.js';
import { mergeRef, type MergeOutcome } from './merge.js';
import { pushToRemote } from './push.js';
import { recordMerge } from './merge-record.js';
import { gitErrorLine, networkLimitsOf, runNetworkGit } from './network-git.js';
import type { NetworkLimits } from '../remotes/network-limits.js';
import { readRemoteConfigs } from '../remotes/index.js';
import { localPathOf, uuidAtPath } from '../remotes/git-local.js';
import { localFetchWouldBeEmpty, localPushWouldBeEmpty } from './local-refs.js';

/** Per-remote result of a sync step. */
export interface RemoteSyncResult {
  readonly remote: string;
  fetched: boolean | undefined;
  pushed: boolean | undefined;
  /** Whether the remote's branch itself was updated (false for a non-bare remote with it checked out). */
  branchUpdated: boolean | undefined;
  errors: string[];
  /** Why the remote could not be reached or did not answer (stalled, timed out, refused the connection), when that is why it failed. */
  unreachable?: string;
}

/** A fresh result record for `remote`. */
export function remoteResult(remote: string): RemoteSyncResult {
  return { remote, fetched: undefined, pushed: undefined, branchUpdated: undefined, errors: [] };
}

/** Shared by the steps of one sync (or one assistant action). */
export interface StepContext {
  readonly annex: Annex;
  readonly branch: string;
  readonly report: Reporter;
  /** Merges done so far (appended by mergeInto). */
  readonly merges: MergeOutcome[];
  /** Called when a merge was refused because of uncommitted changes (the assistant commits them and the merge is retried later). */
  readonly onLocalChanges?: () => void;
  /** Time-outs of fetches and pushes (default: read from the repository's arbor.network.* config). */
  readonly limits?: NetworkLimits;
  /** Ends running fetches and pushes (the daemon stopping). */
  readonly signal?: AbortSignal;
  /**
   * Takes a remote's failure instead of `report` (the assistant keeps one reachability state per
   * remote and says once that it went away, rather than warning on every try).
   */
  readonly reportRemote?: (remote: string, message: string, unreachable: string | undefined) => void;
}

/** Records a failure of `result`'s remote and reports it (through reportRemote when the caller takes remote failures itself). */
function remoteFailed(ctx: StepContext, result: RemoteSyncResult, message: string, unreachable?: string): void {
  result.errors.push(message);
  if (unreachable) result.unreachable = unreachable;
  if (ctx.signal?.aborted) return; // stopping: the operation was ended by us, nothing to say about the remote
  if (ctx.reportRemote) ctx.reportRemote(result.remote, message, unreachable);
  else ctx.report({ level: 'warn', message });
}

/** Merges touch the one work tree: never two at once, even when pushes run in parallel. */
let mergeChain: Promise<unknown> = Promise.resolve();
export function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const next = mergeChain.then(fn, fn);
  mergeChain = next.catch(() => undefined);
  return next;
}

/** Merges one ref into the current branch, recording and reporting conflicts, peer deletions and conflict markers (merge-record.ts). Returns whether HEAD moved. */
export async function mergeInto(ctx: StepContext, ref: string): Promise<boolean> {
  const outcome = await serialised(() => mergeRef(ctx.annex, ref));
  if (outcome.status === 'up-to-date') return false;
  ctx.merges.push(outcome);
  await recordMerge(ctx.annex, outcome, ctx.report);
  if (outcome.status === 'failed') {
    if (outcome.blockedByLocalChanges) ctx.onLocalChanges?.();
    ctx.report({ level: 'warn', message: `could not merge ${ref}: ${outcome.error ?? ''}` });
    return false;
  }
  return true;
}

/** Merges what peers pushed into this repository: refs/heads/synced/<branch>. */
export function mergeOwnSynced(ctx: StepContext): Promise<boolean> {
  return mergeInto(ctx, `refs/heads/synced/${ctx.branch}`);
}

/** The remotes' config, read once per sync (a fetch and a push of each remote both ask). */
const remoteConfigsOf = new WeakMap<StepContext, ReturnType<typeof readRemoteConfigs>>();

async function remoteConfigOf(ctx: StepContext, remote: string): Promise<Awaited<ReturnType<typeof readRemoteConfigs>>[number] | undefined> {
  let configs = remoteConfigsOf.get(ctx);
  if (!configs) {
    configs = readRemoteConfigs(ctx.annex);
    remoteConfigsOf.set(ctx, configs);
  }
  return (await configs).find((c) => c.name === remote);
}

/** The local path a remote's URL names, if it names one. */
async function localPathOfRemote(ctx: StepContext, remote: string): Promise<string | undefined> {
  const config = await remoteConfigOf(ctx, remote);
  return config ? localPathOf(config.url, ctx.annex.workTree ?? ctx.annex.git.repo.gitDir) : undefined;
}

/**
 * Why git must not touch a remote on a local path right now, if it must not: the repository there
 * is not the one recorded for it (another drive mounted at the same place), or there is none (a
 * drive unplugged: unreachable, so the reachability state says it once). Asked right before each
 * fetch and each push, not once per sync: a drive can be swapped in between.
 */
async function identityProblem(ctx: StepContext, remote: string): Promise<{ message: string; unreachable?: string } | undefined> {
  const config = await remoteConfigOf(ctx, remote);
  if (!config?.uuid) return undefined;
  const path = await localPathOfRemote(ctx, remote);
  if (!path) return undefined;
  const found = await uuidAtPath(path);
  if (found === config.uuid) return undefined;
  if (found === undefined) {
    const message = `remote ${remote}: ${path} is not there (not mounted?)`;
    return { message, unreachable: message };
  }
  return { message: `remote ${remote}: ${path} holds a different repository (uuid ${found}, expected ${config.uuid}); not syncing with it` };
}

/** `git fetch <remote>`; a failure is recorded in `result`, reported once, never thrown. */
export async function fetchRemote(ctx: StepContext, result: RemoteSyncResult): Promise<boolean> {
  const problem = await identityProblem(ctx, result.remote);
  if (problem) {
    result.fetched = false;
    remoteFailed(ctx, result, problem.message, problem.unreachable);
    return false;
  }
  // A remote on a local path whose branches are what we last fetched: nothing to fetch, no git.
  const path = await localPathOfRemote(ctx, result.remote);
  if (path !== undefined && (await localFetchWouldBeEmpty(ctx.annex, result.remote, path))) {
    result.fetched = true;
    return true;
  }
  // --progress: a slow but alive fetch keeps writing to stderr, so the stall watch lets it run.
  const limits = await networkLimitsOf(ctx.annex, ctx.limits);
  const r = await runNetworkGit(ctx.annex, result.remote, ['fetch', '--progress', result.remote], limits, ctx.signal);
  result.fetched = r.code === 0 && !r.limit;
  if (result.fetched) return true;
  const gone = await vanishedDuring(ctx, result.remote);
  if (gone) remoteFailed(ctx, result, gone.message, gone.unreachable);
  else remoteFailed(ctx, result, `fetch from ${result.remote} failed: ${r.reason ?? gitErrorLine(r.stderr, r.code)}`, r.unreachable);
  return false;
}

/**
 * Why a fetch or push to a remote on a local path failed when the path went away while it ran (a
 * drive pulled out mid-push: git says "unable to get current working directory"): the same answer
 * the check before it would now give, so the remote is away, not failing. Undefined otherwise.
 */
async function vanishedDuring(ctx: StepContext, remote: string): Promise<{ message: string; unreachable: string } | undefined> {
  const problem = await identityProblem(ctx, remote).catch(() => undefined);
  return problem?.unreachable === undefined ? undefined : { message: problem.message, unreachable: problem.unreachable };
}

/** Merges a fetched remote's <branch> and synced/<branch>. Returns whether HEAD moved. */
export async function mergeRemote(ctx: StepContext, remote: string): Promise<boolean> {
  const a = await mergeInto(ctx, `refs/remotes/${remote}/${ctx.branch}`);
  const b = await mergeInto(ctx, `refs/remotes/${remote}/synced/${ctx.branch}`);
  return a || b;
}

/** Union-merges every git-annex branch and commits the journal. Returns the refs merged. */
export async function mergeAnnexBranches(ctx: StepContext): Promise<string[]> {
  return serialised(async () => {
    const merged = await ctx.annex.branch.update();
    await ctx.annex.branch.commit('update', { now: true });
    return merged;
  });
}

/** `git branch -f synced/<branch> <branch>`: what peers merge from us. */
export async function pointSyncedBranch(annex: Annex, branch: string): Promise<void> {
  const sha = await annex.git.revParse(`refs/heads/${branch}`);
  if (sha && (await annex.git.revParse(`refs/heads/synced/${branch}`)) !== sha) await annex.git.updateRef(`refs/heads/synced/${branch}`, sha);
}

/**
 * Pushes to every remote in `results` in parallel. A push rejected because the remote moved on
 * fetches it, merges, and pushes again, up to `retries` times, so nodes syncing at the same moment
 * all succeed. Remotes whose fetch already failed in this sync are not pushed to.
 */
export async function pushAll(
  ctx: StepContext,
  results: readonly RemoteSyncResult[],
  options: { retries?: number; concurrency?: number; onDone?: (r: RemoteSyncResult) => void } = {},
): Promise<void> {
  const queue = new PQueue({ concurrency: options.concurrency ?? 8 });
  const retries = options.retries ?? 3;
  await Promise.all(
    results.map((r) =>
      queue.add(async () => {
        if (r.fetched === false) {
          r.pushed = false;
          return; // reported when its fetch failed
        }
        try {
          await pushOne(ctx, r, retries);
        } finally {
          options.onDone?.(r);
        }
      }),
    ),
  );
}

/** Pushes to one remote; after a rejection fetches, merges and pushes again, up to `retries` times. */
async function pushOne(ctx: StepContext, r: RemoteSyncResult, retries: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await pointSyncedBranch(ctx.annex, ctx.branch);
    // Checked at each attempt, right before git push opens the path (a fetch earlier is no proof).
    const problem = await identityProblem(ctx, r.remote);
    if (problem) {
      r.pushed = false;
      remoteFailed(ctx, r, problem.message, problem.unreachable);
      return;
    }
    // A remote on a local path that already holds all we would push: no git push.
    const path = await localPathOfRemote(ctx, r.remote);
    if (path !== undefined && (await localPushWouldBeEmpty(ctx.annex, r.remote, path, ctx.branch))) {
      r.pushed = true;
      r.branchUpdated = true;
      return;
    }
    const outcome = await pushToRemote(ctx.annex, r.remote, ctx.branch, await networkLimitsOf(ctx.annex, ctx.limits), ctx.signal);
    r.pushed = outcome.ok;
    r.branchUpdated = outcome.branchUpdated;
    if (outcome.ok) return;
    if (!outcome.rejected || attempt >= retries) {
      const gone = await vanishedDuring(ctx, r.remote);
      if (gone) remoteFailed(ctx, r, gone.message, gone.unreachable);
      else remoteFailed(ctx, r, `push to ${r.remote} failed: ${outcome.error ?? ''}`, outcome.unreachable);
      return;
    }
    // The remote moved on (another node pushed first): take its changes and try again.
    if (await fetchRemote(ctx, r)) await mergeRemote(ctx, r.remote);
    await mergeAnnexBranches(ctx);
  }
}

