// A remote's network work in its own lane (fetch and merge, push), with the outcome recorded in the reachability state and status.

import { describeError } from '../util/errors.js';
import { selectRemotes } from '../sync/sync.js';
import { fetchRemote, mergeAnnexBranches, mergeOwnSynced, mergeRemote, pushAll, remoteResult, type StepContext } from '../sync/steps.js';
import type { AssistantContext, FailedPush } from './context.js';
import { nextTryAfter } from './reachability.js';
import { mergeInputs } from './merged-refs.js';

/**
 * The step context of one piece of work. A remote's failure goes to the reachability state when it
 * could not be reached (one warning when it goes, none per try), else it is logged as a warning.
 */
export function stepContextFor(ctx: AssistantContext, worker: string, onLocalChanges: () => void, signal?: AbortSignal): StepContext {
  const started = ctx.clock.now();
  return {
    ...(signal ? { signal } : {}),
    annex: ctx.annex,
    branch: ctx.branch,
    merges: [],
    limits: ctx.settings.network,
    report: (e) => (e.level === 'warn' ? ctx.log.warn({ worker }, e.message) : ctx.log.info({ worker }, e.message)),
    reportRemote: (remote, message, unreachable) => {
      if (unreachable) ctx.reachability.failed(remote, unreachable, started);
      else ctx.log.warn({ worker, remote }, message);
    },
    onLocalChanges,
  };
}

/**
 * Something went through with `name`: it is reachable. After an outage the transferrer looks at
 * the whole tree, since content work skipped the remote while it was out of reach.
 */
function reachedAgain(ctx: AssistantContext, name: string): void {
  const was = ctx.reachability.get(name).state;
  ctx.reachability.reached(name);
  if (was === 'unreachable' && ctx.settings.content) ctx.transfers.push('');
}

/**
 * A merge that failed for any reason but uncommitted changes (retried after the commit) is a
 * problem until a merge of the same ref works: peers' changes from it wait, and status, the log
 * and a notification say so once, not only a warning per try.
 */
export function noteMerges(ctx: AssistantContext, merges: StepContext['merges']): void {
  for (const m of merges) {
    const id = `merge:${m.ref}`;
    if (m.status !== 'failed') ctx.problems.clear(id);
    else if (!m.blockedByLocalChanges) ctx.problems.raise(id, `could not merge ${m.ref}, so changes from there wait: ${(m.error ?? 'merge failed').split('\n')[0]}`);
  }
}

/**
 * Runs `work` (merges into the work tree) and passes on what it changed: a merge moved HEAD → the pusher
 * (so a change made on A reaches C through B) and the transferrer (the merged paths); the
 * git-annex branch moved → the pusher. Returns false when uncommitted changes blocked a merge (the
 * committer was asked for a rescan; the caller tries again after it). When the refs `pass` reads
 * are exactly those it last ran from to the end, there is nothing to merge and nothing runs.
 */
async function merging(ctx: AssistantContext, pass: string, work: (step: StepContext) => Promise<void>, signal?: AbortSignal): Promise<boolean> {
  const inputs = await mergeInputs(ctx.annex).catch(() => undefined);
  if (ctx.mergedRefs.done(pass, inputs)) return true;
  const before = await ctx.annex.git.revParse('HEAD');
  const annexBefore = await ctx.annex.branch.head();
  // Written since the last pass, outside any pass: peers learn of it as of a merge's change (a
  // peer's "C has" written into C's branch by that peer's upload reaches D only through C).
  const movedMeanwhile = ctx.mergedRefs.annexMoved(annexBefore);
  let blocked = false;
  const step = stepContextFor(ctx, 'merger', () => {
    blocked = true;
    ctx.rescan.notify();
  }, signal);
  try {
    await work(step);
    if (!blocked && !step.merges.some((m) => m.status === 'failed')) ctx.mergedRefs.record(pass, inputs);
  } catch (err) {
    ctx.log.warn({ worker: 'merger' }, `merge round failed: ${describeError(err)}`);
  }
  noteMerges(ctx, step.merges);
  // HEAD may also have moved by the committer's commits meanwhile (a fetch can take a while):
  // only our merges count as peers' changes.
  if (step.merges.length) {
    const after = await ctx.annex.git.revParse('HEAD');
    ctx.log.info({ worker: 'merger' }, `merged peers' changes (${step.merges.map((m) => m.ref).join(', ')})`);
    if (ctx.settings.content && after) {
      const changed = before ? await ctx.annex.git.run(['diff', '--name-only', '-z', '--no-renames', '--diff-filter=AMT', before, after]).catch(() => '') : '';
      const paths = changed.split('\0').filter(Boolean);
      ctx.transfers.push(...(before ? paths : ['']));
    }
  }
  const annexAfter = await ctx.annex.branch.head();
  ctx.mergedRefs.annexLeftAt(annexAfter);
  if (step.merges.length || annexAfter !== annexBefore || movedMeanwhile) ctx.commits.notify();
  return !blocked;
}

/** Merges what peers pushed into this repository (synced/<branch>) and the git-annex branches: local work, no lane. */
export function mergeLocal(ctx: AssistantContext): Promise<boolean> {
  return merging(ctx, 'local', async (step) => {
    await mergeOwnSynced(step);
    await mergeAnnexBranches(step);
  });
}

/**
 * Fetches `name` in its lane and merges what came (merges take turns with every other merge). A
 * remote that is away or waiting out its back-off is skipped (the retrier asks again when it is
 * due). A request while one is already waiting in the lane joins it. Returns false when blocked.
 */
export function fetchAndMerge(ctx: AssistantContext, name: string, signal?: AbortSignal): Promise<boolean> {
  return ctx.lanes.once(name, 'fetch', async () => {
    if (ctx.reachability.waiting(name) || signal?.aborted) return true;
    const result = remoteResult(name);
    try {
      if (!(await fetchRemote(stepContextFor(ctx, 'merger', () => undefined, signal), result))) return true;
    } catch (err) {
      ctx.log.warn({ worker: 'merger' }, `fetch from ${name} failed: ${describeError(err)}`);
      return true;
    }
    reachedAgain(ctx, name);
    const fetchedAt = ctx.clock.now();
    ctx.status.update(() => void (ctx.status.remote(name).lastFetch = fetchedAt));
    const merged = await merging(ctx, `remote ${name}`, async (step) => {
      await mergeRemote(step, name);
      await mergeAnnexBranches(step);
    }, signal);
    if (ctx.failedPushes.get(name)) ctx.commits.notify(); // reachable again: retry the push now
    return merged;
  });
}

/** Pushes to one remote in its lane and records the outcome; false when it did not go through (or was skipped). */
function pushOne(ctx: AssistantContext, name: string, signal?: AbortSignal): Promise<boolean> {
  return ctx.lanes.once(name, 'push', () => pushNow(ctx, name, signal));
}

/** The push itself, run inside the remote's lane. */
async function pushNow(ctx: AssistantContext, name: string, signal?: AbortSignal): Promise<boolean> {
  if (ctx.reachability.waiting(name) || signal?.aborted) return false; // away, or its back-off has not passed
  const step = stepContextFor(ctx, 'pusher', () => ctx.rescan.notify(), signal);
  const r = remoteResult(name);
  await pushAll(step, [r]);
  const now = ctx.clock.now();
  if (r.pushed) {
    ctx.failedPushes.delete(name);
    reachedAgain(ctx, name);
    ctx.status.update(() => {
      const rs = ctx.status.remote(name);
      rs.lastSync = now;
      rs.attempts = 0;
      delete rs.failingSince;
    });
  } else {
    const prev = ctx.failedPushes.get(name);
    const attempts = (prev?.attempts ?? 0) + 1;
    const entry: FailedPush = { since: prev?.since ?? now, attempts, nextTry: nextTryAfter(now, attempts) };
    // An unreachable remote is retried by its reachability back-off, not also by the push retrier.
    if (!r.unreachable) ctx.failedPushes.set(name, entry);
    ctx.status.update(() => {
      const rs = ctx.status.remote(name);
      rs.lastFailure = { time: now, error: r.errors.join('; ') || 'push failed' };
      rs.failingSince = entry.since;
      rs.attempts = attempts;
    });
  }
  noteMerges(ctx, step.merges);
  if (step.merges.length) ctx.transfers.push(''); // a retry merged peers' work: let content follow
  return r.pushed === true;
}

/**
 * The push when the daemon stops: every sync remote whose synced/<branch> is not HEAD, or whose
 * synced/git-annex is not this git-annex branch (as this repository last saw them), gets a push of
 * its own in its lane, after whatever the stop interrupted there (never joined to a push that was
 * waiting with the stop signal, which would not push). So what was recorded last (a peer's upload
 * here, noted in this branch as the peers stopped) leaves with the stop, not at the next start.
 * Remotes away or in their back-off are left for the next start. Bounded by the stop guard.
 */
export async function finalPush(ctx: AssistantContext): Promise<void> {
  const head = await ctx.annex.git.revParse('HEAD');
  if (!head) return;
  // What the journal holds goes too; if it cannot be committed (a full disk), it stays in the
  // journal for the next start, and the log says so.
  await ctx.annex.branch.commit('update', { now: true }).catch((err: unknown) => ctx.log.warn({ worker: 'daemon' }, `could not commit the git-annex journal before stopping: ${describeError(err)}`));
  const annexHead = await ctx.annex.branch.head();
  const remotes = await selectRemotes(ctx.annex);
  let said = false;
  await Promise.all(
    remotes.map(async (r) => {
      const [synced, syncedAnnex] = await Promise.all([
        ctx.annex.git.revParse(`refs/remotes/${r.name}/synced/${ctx.branch}`),
        ctx.annex.git.revParse(`refs/remotes/${r.name}/synced/git-annex`),
      ]);
      if (synced === head && (annexHead === undefined || syncedAnnex === annexHead)) return;
      if (!said) ctx.log.info({ worker: 'daemon' }, 'pushing the last commits before stopping');
      said = true;
      await ctx.lanes.run(r.name, () => pushNow(ctx, r.name)).catch(() => false);
    }),
  );
}

/**
 * Pushes to `names` (default every sync remote), each in its own lane: a push to a remote that
 * does not answer never delays the others. Resolves when all of them are done; true when all went through.
 */
export async function pushRemotes(ctx: AssistantContext, names?: readonly string[], signal?: AbortSignal): Promise<boolean> {
  const remotes = (await selectRemotes(ctx.annex)).filter((r) => !names || names.includes(r.name));
  const done = await Promise.all(remotes.map((r) => pushOne(ctx, r.name, signal)));
  return done.every(Boolean);
}
