// The sync algorithm shared by `git arbor sync` and the assistant: commit, pull, merge, content, push.

import PQueue from 'p-queue';
import type { Annex } from '../annex/annex.js';
import { readRemoteConfigs } from '../remotes/index.js';
import type { RemoteConfig } from '../remotes/remote.js';
import { UnknownRemoteError } from '../remotes/remote.js';
import { openSession, closeSession, type Reporter } from '../content/session.js';
import { describeError } from '../util/errors.js';
import { commitWorkTree } from './commit.js';
import { mergeRef, type MergeOutcome } from './merge.js';
import { pushToRemote } from './push.js';
import { syncBranch } from './preflight.js';
import { simpleGitFor } from './git-client.js';
import { recordConflicts } from './conflict-log.js';
import { syncContent, type ContentOutcome } from './content.js';
import type { ResolvedConflict } from './conflicts.js';

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
}

/** Per-remote result. */
export interface RemoteSyncResult {
  readonly remote: string;
  fetched: boolean | undefined;
  pushed: boolean | undefined;
  /** Whether the remote's branch itself was updated (false for a non-bare remote with it checked out). */
  branchUpdated: boolean | undefined;
  errors: string[];
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

/** The remotes a sync talks to. */
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
 * One sync, in git-annex's order (Command/Sync.hs, reference §4.1): commit; merge this
 * repository's own synced/<branch> (pushed in by peers); fetch every remote in parallel; merge
 * their <branch> and synced/<branch>; union-merge every git-annex branch; move content when asked;
 * point synced/<branch> at <branch>; push to every remote in parallel, and after a rejection fetch,
 * merge and push again. An unreachable remote is reported and skipped; the others still sync.
 */
export async function sync(annex: Annex, options: SyncOptions = {}): Promise<SyncResult> {
  const report: Reporter = options.report ?? (() => undefined);
  const branch = await syncBranch(annex);
  const remotes = await selectRemotes(annex, options.remotes);
  const results = new Map<string, RemoteSyncResult>(
    remotes.map((r) => [r.name, { remote: r.name, fetched: undefined, pushed: undefined, branchUpdated: undefined, errors: [] }]),
  );
  const merges: MergeOutcome[] = [];
  const conflicts: ResolvedConflict[] = [];
  const queue = new PQueue({ concurrency: options.concurrency ?? 8 });
  const workTree = annex.workTree ?? annex.git.repo.gitDir;

  const merge = async (ref: string): Promise<void> => {
    const outcome = await mergeRef(annex, ref);
    if (outcome.status === 'up-to-date') return;
    merges.push(outcome);
    if (outcome.conflicts.length) {
      conflicts.push(...outcome.conflicts);
      await recordConflicts(annex, ref, outcome.conflicts);
      report({ level: 'warn', message: `merge conflict with ${ref} resolved automatically: ${outcome.conflicts.map((c) => c.results.join(', ')).join('; ')}` });
    }
    if (outcome.status === 'failed') report({ level: 'warn', message: `could not merge ${ref}: ${outcome.error ?? ''}` });
  };

  const fetch = async (r: RemoteSyncResult): Promise<boolean> => {
    try {
      // raw(): simple-git 3's fetch('<name>') resolved on a failed fetch here (the exit code is what counts).
      await simpleGitFor(workTree).raw(['fetch', '--quiet', r.remote]);
      r.fetched = true;
      return true;
    } catch (err) {
      r.fetched = false;
      const msg = `fetch from ${r.remote} failed: ${firstLine(err)}`;
      r.errors.push(msg);
      report({ level: 'warn', message: msg });
      return false;
    }
  };

  const mergeFrom = async (remote: string): Promise<void> => {
    await merge(`refs/remotes/${remote}/${branch}`);
    await merge(`refs/remotes/${remote}/synced/${branch}`);
  };

  let committed = false;
  if (options.commit !== false) committed = (await commitWorkTree(annex, options.message ? { message: options.message } : {})).committed;
  await merge(`refs/heads/synced/${branch}`);

  if (options.pull !== false) {
    const fetched = await Promise.all([...results.values()].map((r) => queue.add(() => fetch(r))));
    for (const [i, r] of [...results.values()].entries()) if (fetched[i]) await mergeFrom(r.remote);
  }
  const annexBranchMerged = await annex.branch.update();
  await annex.branch.commit();

  let content: ContentOutcome | undefined;
  if (options.content) {
    const session = await openSession(annex, report);
    try {
      const selected = new Set(remotes.map((r) => r.name));
      content = await syncContent(session, session.remotes.filter((r) => selected.has(r.name)));
    } finally {
      await closeSession(session);
    }
    await annex.branch.commit();
  }

  if (options.push !== false) {
    const retries = options.pushRetries ?? 3;
    await Promise.all(
      [...results.values()].map((r) =>
        queue.add(async () => {
          if (r.fetched === false) {
            r.pushed = false;
            return;
          }
          for (let attempt = 0; ; attempt++) {
            await pointSyncedBranch(annex, branch);
            const outcome = await pushToRemote(annex, r.remote, branch);
            r.pushed = outcome.ok;
            r.branchUpdated = outcome.branchUpdated;
            if (outcome.ok) return;
            if (!outcome.rejected || attempt >= retries) {
              r.errors.push(`push to ${r.remote} failed: ${outcome.error ?? ''}`);
              report({ level: 'warn', message: `push to ${r.remote} failed: ${outcome.error ?? ''}` });
              return;
            }
            // The remote moved on (another node pushed first): take its changes and try again.
            if (await fetch(r)) await serialised(() => mergeFrom(r.remote));
            await serialised(async () => {
              await annex.branch.update();
              await annex.branch.commit();
            });
          }
        }),
      ),
    );
  } else {
    await pointSyncedBranch(annex, branch);
  }
  const list = [...results.values()];
  return {
    branch,
    committed,
    merges,
    conflicts,
    annexBranchMerged,
    ...(content ? { content } : {}),
    remotes: list,
    ok: list.every((r) => r.errors.length === 0) && merges.every((m) => m.status !== 'failed'),
  };
}

/** Merges touch the one work tree: run them one at a time even when pushes run in parallel. */
let mergeChain: Promise<unknown> = Promise.resolve();
function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const next = mergeChain.then(fn, fn);
  mergeChain = next.catch(() => undefined);
  return next;
}

/** `git branch -f synced/<branch> <branch>`: what peers merge from us. */
async function pointSyncedBranch(annex: Annex, branch: string): Promise<void> {
  const sha = await annex.git.revParse(`refs/heads/${branch}`);
  if (sha) await annex.git.updateRef(`refs/heads/synced/${branch}`, sha);
}

function firstLine(err: unknown): string {
  const msg = describeError(err);
  const lines = msg.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? msg).replace(/^(fatal|error): /, '');
}
