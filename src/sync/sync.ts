// The sync algorithm shared by `git arbor sync` and the assistant: commit, pull, merge, content, push.

import PQueue from 'p-queue';
import type { Annex } from '../annex/annex.js';
import { readRemoteConfigs } from '../remotes/index.js';
import type { RemoteConfig } from '../remotes/remote.js';
import { UnknownRemoteError } from '../remotes/remote.js';
import { openSession, closeSession, type Reporter } from '../content/session.js';
import { publishNetworkEdges } from '../content/own-links.js';
import { describeError } from '../util/errors.js';
import { commitWorkTree } from './commit.js';
import type { MergeOutcome } from './merge.js';
import { syncBranch } from './preflight.js';
import { syncContent, type ContentOutcome } from './content.js';
import type { ResolvedConflict } from './conflicts.js';
import {
  fetchRemote,
  mergeAnnexBranches,
  mergeOwnSynced,
  mergeRemote,
  pointSyncedBranch,
  pushAll,
  remoteResult,
  type RemoteSyncResult,
  type StepContext,
} from './steps.js';

export type { RemoteSyncResult } from './steps.js';

/** What to do; everything on by default except content. */
export interface SyncOptions {
  readonly commit?: boolean;
  readonly pull?: boolean;
  readonly push?: boolean;
  readonly content?: boolean;
  /** Only these remotes (names); default every remote without annex-sync=false. */
  readonly remotes?: readonly string[];
  readonly message?: string;
  /** Parallel fetches/pushes (default 8). */
  readonly concurrency?: number;
  /** Push retries after a rejection (fetch + merge + push again); default 3. */
  readonly pushRetries?: number;
  readonly report?: Reporter;
  /**
   * Called once per remote as soon as everything with it is done (after its push, or at once when
   * its fetch failed), in the order remotes finish.
   */
  readonly onRemoteDone?: (result: RemoteSyncResult) => void;
}

/** The whole result; `ok` is false when any selected remote failed. */
export interface SyncResult {
  readonly branch: string;
  readonly committed: boolean;
  readonly merges: readonly MergeOutcome[];
  readonly conflicts: readonly ResolvedConflict[];
  readonly annexBranchMerged: readonly string[];
  readonly content?: ContentOutcome;
  readonly remotes: readonly RemoteSyncResult[];
  readonly ok: boolean;
}

/** The remotes a sync talks to: named ones, else all without annex-sync=false, cheapest first. */
export async function selectRemotes(annex: Annex, names?: readonly string[]): Promise<RemoteConfig[]> {
  const all = await readRemoteConfigs(annex);
  if (names && names.length) {
    return names.map((n) => {
      const r = all.find((c) => c.name === n);
      if (!r) throw new UnknownRemoteError(n);
      return r;
    });
  }
  return all.filter((r) => r.sync).sort((a, b) => (a.cost ?? 100) - (b.cost ?? 100) || a.name.localeCompare(b.name));
}

/**
 * One sync, in git-annex's order (Command/Sync.hs): commit; merge this
 * repository's own synced/<branch> (pushed in by peers); fetch every remote in parallel; merge
 * their <branch> and synced/<branch>; union-merge every git-annex branch; move content when asked;
 * point synced/<branch> at <branch>; push to every remote in parallel, and after a rejection fetch,
 * merge and push again. An unreachable remote is reported and skipped; the others still sync.
 */
export async function sync(annex: Annex, options: SyncOptions = {}): Promise<SyncResult> {
  const report: Reporter = options.report ?? (() => undefined);
  const branch = await syncBranch(annex);
  const remotes = await selectRemotes(annex, options.remotes);
  const results = remotes.map((r) => remoteResult(r.name));
  const onDone = options.onRemoteDone;
  const ctx: StepContext = { annex, branch, report, merges: [] };
  const pushing = options.push !== false;

  let committed = false;
  if (options.commit !== false) {
    const outcome = await commitWorkTree(annex, options.message ? { message: options.message } : {});
    committed = outcome.committed;
    for (const f of outcome.failed) report({ level: 'warn', message: `could not add ${f.path}: ${f.reason} (left uncommitted)` });
  }
  await mergeOwnSynced(ctx);

  if (options.pull !== false) {
    // Each remote is merged as soon as its fetch is in (merges take turns), so a remote that does
    // not answer holds up nobody until the stall bound ends its fetch.
    const queue = new PQueue({ concurrency: options.concurrency ?? 8 });
    await Promise.all(
      results.map((r) =>
        queue.add(async () => {
          if (await fetchRemote(ctx, r)) await mergeRemote(ctx, r.remote);
          if (r.fetched === false || !pushing) onDone?.(r);
        }),
      ),
    );
  } else if (!pushing) {
    for (const r of results) onDone?.(r);
  }
  // Publish this repository's links (arbor/network.log) so every clone learns the network; never fatal.
  await publishNetworkEdges(annex, { reachable: new Map(results.map((r) => [r.remote, r.fetched])) }).catch((err: unknown) =>
    report({ level: 'warn', message: `could not publish the network map: ${describeError(err)}` }),
  );
  const annexBranchMerged = await mergeAnnexBranches(ctx);

  let content: ContentOutcome | undefined;
  if (options.content) {
    const session = await openSession(annex, report);
    try {
      const selected = new Set(remotes.map((r) => r.name));
      content = await syncContent(session, session.remotes.filter((r) => selected.has(r.name)));
    } finally {
      await closeSession(session);
    }
    await annex.branch.commit('update', { now: true });
  }

  if (pushing) {
    await pushAll(ctx, results, {
      ...(options.pushRetries !== undefined ? { retries: options.pushRetries } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(onDone ? { onDone } : {}),
    });
  } else {
    await pointSyncedBranch(annex, branch);
  }
  return {
    branch,
    committed,
    merges: ctx.merges,
    conflicts: ctx.merges.flatMap((m) => m.conflicts),
    annexBranchMerged,
    ...(content ? { content } : {}),
    remotes: results,
    ok: results.every((r) => r.errors.length === 0) && ctx.merges.every((m) => m.status !== 'failed'),
  };
}
