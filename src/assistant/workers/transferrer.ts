// The transferrer: moves content along the minimum-cost plan: sends to this repository's children in the tree, fetches only what no sender brings.

import { formatKey } from '../../annex/key.js';
import { loadPreferredContent } from '../../annex/preferred-content.js';
import type { AnnexedFile } from '../../content/annexed-files.js';
import { copyToRemote } from '../../content/copy.js';
import { getFile } from '../../content/get.js';
import { loadDropPolicy, type DropTarget } from '../../content/auto-drop.js';
import { runContentPass, type PassSetup } from '../../content/content-pass.js';
import { annexBranchStamp, refStamp } from '../../content/location-changes.js';
import { buildNetworkMap } from '../../content/network-map.js';
import { ALL_FILES, branchWork, filesToVisit, isNoWork, ListingCache, mergeWork, treeWork, type ContentWork } from '../../content/pass-work.js';
import type { PlanRemote, PlanTargets } from '../../content/plan-targets.js';
import { plannedRoutes } from '../../content/planned-routes.js';
import { closeSession, connectRemote, flushSession, openSession, remoteNamed, type ContentSession } from '../../content/session.js';
import { serialised } from '../../sync/steps.js';
import { noteActivity } from '../../sync/activity-log.js';
import { readTransferControl, transferControlPath } from '../../transfers/control.js';
import { TransferEngine, type TransferEvent, type TransferOutcome, type TransferIo } from '../../transfers/engine.js';
import { TransferQueue, type TransferJob } from '../../transfers/queue.js';
import { TransferLimits } from '../../transfers/transfer-config.js';
import { ArborError, describeError } from '../../util/errors.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';
import type { TransferStatus } from '../daemon-status.js';
import { isUnreachableError, unreachableReason, watchConnections } from '../special-reach.js';
import { watchGitConfig } from '../config-watch.js';
import { ContentReach } from '../content-reach.js';
import type { Remote } from '../../remotes/remote.js';

/** How often the git-annex branch ref is checked for location logs changed by peers (a stat; git only when it moved). */
const BRANCH_POLL_MS = 1000;

/** The files and remotes of the batch being worked on (jobs name files by path). */
interface Batch {
  readonly session: ContentSession;
  readonly files: ReadonlyMap<string, AnnexedFile>;
}

/** Moves one job's bytes with the content operations (which verify, and record locations only on success). */
async function perform(ctx: AssistantContext, batch: Batch, job: TransferJob, io: TransferIo): Promise<TransferOutcome> {
  const file = batch.files.get(job.file);
  if (!file) throw new ArborError('ENOTANNEXED', `${job.file} is no longer an annexed file`);
  const count = (remote: string, field: 'sent' | 'received'): void =>
    ctx.status.update(() => {
      const rs = ctx.status.remote(remote);
      rs[field] = (rs[field] ?? 0) + 1;
    });
  if (job.direction === 'download') {
    const from = job.remote ? remoteNamed(batch.session, job.remote) : undefined;
    // A special remote is connected when first used (a program starts only when a transfer needs it).
    if (from?.config.special && (await connectRemote(batch.session, from)) === undefined) {
      throw new ArborError('EREMOTEUNAVAILABLE', `remote ${from.name} is not available`);
    }
    const r = await getFile(batch.session, file, { ...(from ? { from } : {}), progress: io.progress, throttle: io.throttle });
    if (r.status !== 'got') return 'already-there';
    ctx.log.info({ worker: 'transferrer' }, `got ${job.file} from ${r.from}`);
    count(r.from, 'received');
    return 'transferred';
  }
  const remote = job.remote ?? '';
  const r = await copyToRemote(batch.session, file, remoteNamed(batch.session, remote), { progress: io.progress, throttle: io.throttle });
  if (r.status !== 'copied') return 'already-there';
  ctx.log.info({ worker: 'transferrer' }, `sent ${job.file} to ${remote}`);
  count(remote, 'sent');
  return 'transferred';
}

/** Queued transfers named in status (the count covers the rest). */
const WAITING_SHOWN = 10;

/**
 * Repositories that no available path reaches are reported once, not at every batch: `reported`
 * holds those already told, and a repository leaves it when a plan reaches it again.
 */
function reportUnreachable(ctx: AssistantContext, plans: readonly PlanTargets[], reported: Set<string>, describe: (uuid: string) => string): void {
  const reached = new Set(plans.flatMap((p) => p.reached));
  for (const u of reached) reported.delete(u);
  const fresh = [...new Set(plans.flatMap((p) => [...p.unreachable, ...p.unroutable]))].filter((u) => !reached.has(u) && !reported.has(u));
  for (const u of fresh) reported.add(u);
  if (fresh.length) {
    ctx.log.warn({ worker: 'transferrer' }, `no available link reaches ${fresh.map(describe).join(', ')}: their content waits until one is back`);
  }
}

/**
 * Waits on `transfers` (paths; '' means the whole tree) and, every second, on the git-annex branch
 * moving (a stat of its ref): location logs that changed (a peer sent us content, or we merged
 * its branch) name the keys to look at again, found in the work tree through git's index (one
 * `git diff-tree`, then the annexed-file listing, cached while the index is unchanged). At start
 * the whole tree is looked at once, so content a previous run left unsent moves on.
 *
 * For each file it plans the transfer over the network map (content/plan-targets.ts): content
 * that is here goes only to this repository's children in the plan, cheapest first, and only to
 * repositories that want it or relay it; content that arrives here is forwarded the same way
 * (and unlocked files get it in the work tree). Content missing here is fetched only when this
 * repository wants it and no sender in the plan reaches it, or when its parent in the plan is a
 * special remote (storage sends nothing: here gets it from there). Remotes that cannot be connected
 * are marked unavailable in the map, so the plan routes around them; wanting repositories left
 * unreached are logged once. The engine runs `arbor.transfers.slots` jobs at once under the
 * configured rate limits and honours `git arbor transfers pause`; progress and per-remote
 * sent/received counts show in status. Afterwards the git-annex branch is committed and the
 * pusher told.
 *
 * Files are handled in chunks of the index listing (a whole-tree look never holds the tree):
 * per chunk, one bulk read of the location logs, then per file preferred content for each
 * repository of the map and two branchings over the map (tiny next to moving any content). A
 * whole-tree look (startup, a remote back, a drive plugged in) does that for every annexed file;
 * location changes cost one diff-tree plus the annexed-file listing when the index moved.
 */
export const transferrer: Worker = {
  name: 'transferrer',
  run: async (ctx, signal) => {
    // Slots and rate limits follow live settings changes (applyTransferSettings below).
    let settings = ctx.settings.transfers;
    const limits = new TransferLimits(settings, ctx.clock);
    const gitDir = ctx.annex.git.repo.gitDir;
    const controlFile = transferControlPath(gitDir);
    let batch: Batch | undefined;
    /** When the current batch began: every failure of one remote in it counts as one try. */
    let batchStarted = ctx.clock.now();
    /** Git remotes whose content side could not be reached, on their own back-off (content-reach.ts). */
    const contentReach = new ContentReach({ clock: ctx.clock, retryMs: () => ctx.settings.network.retryMs });
    /** One warning per outage (none when fetches and pushes already said the remote is gone), and a look at the whole tree when its next try comes. */
    const gitContentFailed = (name: string, message: string): void => {
      const { first, counted, nextTry } = contentReach.failed(name, batchStarted);
      const gitSaid = ctx.reachability.get(name).state !== 'reachable';
      if (first && !gitSaid) ctx.log.warn({ worker: 'transferrer', remote: name }, `${message}; content with it waits, next try in ${Math.round((nextTry - ctx.clock.now()) / 1000)} s`);
      else ctx.log.debug({ worker: 'transferrer', remote: name }, message);
      if (counted) void ctx.clock.sleep(Math.max(0, nextTry - ctx.clock.now()), signal).then(() => ctx.transfers.push(''), () => undefined);
    };
    const gitContent = (remote: Remote, error?: unknown): boolean => {
      if (error === undefined) {
        if (contentReach.reached(remote.name)) ctx.log.info({ worker: 'transferrer', remote: remote.name }, `content with ${remote.name} goes again`);
        return false;
      }
      if (!isUnreachableError(error)) return false;
      gitContentFailed(remote.name, describeError(error));
      return true;
    };
    let moved = 0;
    const shown = new Map<TransferJob, TransferStatus>();
    const untrack = (job: TransferJob): void => {
      const t = shown.get(job);
      shown.delete(job);
      if (t) ctx.status.update((s) => void (s.transfers.running = s.transfers.running.filter((x) => x !== t)));
    };
    // Status shows how many wait and the first few of them (what a pause holds back).
    const queue = new TransferQueue({
      onChange: () =>
        ctx.status.update((s) => {
          s.transfers.queued = queue.size;
          s.transfers.waiting = queue.peek(WAITING_SHOWN).map((j) => ({ file: j.file, remote: j.remote ?? 'any', direction: j.direction }));
          s.transfers.queuedWith = queue.countByRemote();
        }),
    });
    const onEvent = (e: TransferEvent): void => {
      const where = (job: TransferJob): string => `${job.file} ${job.direction === 'upload' ? 'to' : 'from'} ${job.remote ?? 'any remote'}`;
      switch (e.type) {
        case 'start': {
          untrack(e.job);
          const t: TransferStatus = { file: e.job.file, key: formatKey(e.job.key), remote: e.job.remote ?? 'any', direction: e.job.direction, done: 0, total: e.job.key.size, startedAt: ctx.clock.now() };
          shown.set(e.job, t);
          ctx.status.update((s) => s.transfers.running.push(t));
          break;
        }
        case 'progress': {
          const t = shown.get(e.job);
          if (t) {
            const seconds = (ctx.clock.now() - (t.startedAt ?? ctx.clock.now())) / 1000;
            ctx.status.update(() => {
              t.done = e.done;
              t.total = e.total;
              if (seconds > 0) t.bytesPerSecond = Math.round(e.done / seconds);
            });
          }
          break;
        }
        case 'retry':
          ctx.log.warn({ worker: 'transferrer' }, `${where(e.job)}: ${describeError(e.error)}; retrying from scratch`);
          break;
        case 'finish':
          untrack(e.job);
          if (e.outcome === 'transferred') moved++;
          break;
        case 'fail': {
          untrack(e.job);
          const name = e.job.remote;
          const special = name !== undefined && batch?.session.remotes.find((r) => r.name === name)?.config.special !== undefined;
          if (special && isUnreachableError(e.error)) {
            // The reachability state says it once (a folder that went away mid-batch, a program that stopped answering).
            ctx.reachability.failed(name, unreachableReason(name, e.error), batchStarted);
            ctx.log.debug({ worker: 'transferrer' }, `${where(e.job)}: ${describeError(e.error)}`);
          } else if (name !== undefined && isUnreachableError(e.error)) {
            // A git remote's content side stopped answering mid-transfer: its content back-off says it once.
            gitContentFailed(name, `${where(e.job)}: ${describeError(e.error)}`);
          } else {
            ctx.log.warn({ worker: 'transferrer' }, `${where(e.job)}: ${describeError(e.error)}`);
          }
          // An unreachable remote fails every job for it alike: drop them instead of trying each.
          if (isUnreachableError(e.error) && name !== undefined) {
            queue.dequeueMatching((j) => j.remote === name);
          }
          break;
        }
        case 'cancel': {
          const t = shown.get(e.job);
          untrack(e.job);
          ctx.log.info({ worker: 'transferrer' }, `${where(e.job)}: cancelled`);
          // In the history the page and `status` show: the file stays where it is until the next look at it.
          const at = t ? ` after ${t.done} of ${t.total ?? '?'} bytes` : ' before it started';
          const message = `cancelled the ${e.job.direction} of ${e.job.file} ${e.job.direction === 'upload' ? 'to' : 'from'} ${e.job.remote ?? 'any remote'}${at}`;
          void noteActivity(ctx.annex, [{ type: 'cancelled', message }]).then(() => ctx.status.update(() => undefined));
          break;
        }
        case 'pause':
        case 'resume':
          ctx.log.info({ worker: 'transferrer' }, e.type === 'pause' ? 'transfers paused' : 'transfers resumed');
          if (e.type === 'resume') ctx.status.update(() => shown.forEach((t) => delete t.held));
          break;
        case 'held': {
          const t = e.job && shown.get(e.job);
          if (t) ctx.status.update(() => void (t.held = true));
          break;
        }
      }
    };
    const engine = new TransferEngine({
      queue,
      clock: ctx.clock,
      slots: settings.slots,
      limits,
      isPaused: async () => (await readTransferControl(controlFile)).paused,
      perform: (job, io) => {
        if (!batch) throw new ArborError('ENOBATCH', 'no transfer batch is open');
        return perform(ctx, batch, job, io);
      },
      onEvent,
    });
    // The engine stops with the worker, also when a batch fails and the supervisor restarts it.
    // Waits below use `stop.signal` too, so the worker adds one listener to the shared signal.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const engineDone = engine.run(stop.signal);
    // Orders from the status page act at once (the persisted pause is also polled by the engine).
    const commandsDone = (async () => {
      while (!stop.signal.aborted) {
        const commands = await ctx.transferCommands.takeAll(stop.signal).catch(() => []);
        for (const c of commands) {
          if (c.type === 'pause') engine.pause();
          else if (c.type === 'resume') engine.resume();
          else engine.cancel((j) => formatKey(j.key) === c.key && (c.remote === undefined || (j.remote ?? 'any') === c.remote) && (c.direction === undefined || j.direction === c.direction));
        }
      }
    })();

    /** The annexed-file listing, kept while git's index is unchanged (keys a peer's location changes name are found in it). */
    const listing = new ListingCache(ctx.annex);
    const reported = new Set<string>();
    // A remote that stays unreachable gives the same warning at every batch: each is logged when
    // it was not given by the last batch that connected to the remotes, so once per outage.
    let saidBefore = new Set<string>();
    let said = new Set<string>();
    const warn = (message: string): void => {
      said.add(message);
      if (!saidBefore.has(message)) ctx.log.warn({ worker: 'transferrer' }, message);
    };

    /**
     * Connects this batch's remotes and reads the network map and preferred content: the routes of
     * the shared content pass are this repository's part in each file's plan over the map.
     */
    const setup = async (session: ContentSession, plans: PlanTargets[]): Promise<PassSetup & { describe: (uuid: string) => string }> => {
      // In the session's order (cheapest first). Connections run side by side: a host that hangs
      // until the stall time delays the batch once, not once per remote.
      const found: Array<Promise<PlanRemote | undefined>> = [];
      const reachable = new Map<string, boolean>();
      const outOfReach = (name: string): void => {
        session.unavailable.add(name);
        reachable.set(name, false);
      };
      for (const remote of session.remotes) {
        if (remote.config.ignore || !remote.config.sync) continue;
        if (remote.config.special) {
          // Storage that runs nothing, a node of the map (docs/design/special-remotes.md). While
          // it waits out a back-off it is not tried (the retrier probes it when due) and the plan
          // routes around it. A folder is looked at now (one stat); a program is started only
          // when a transfer needs it, not at every batch.
          if (!remote.uuid) continue;
          if (ctx.reachability.waiting(remote.name)) {
            outOfReach(remote.name);
            continue;
          }
          if (remote.typeName !== 'directory') {
            reachable.set(remote.name, true);
            found.push(Promise.resolve({ name: remote.name, uuid: remote.uuid }));
            continue;
          }
        } else if (ctx.reachability.get(remote.name).state !== 'reachable' || contentReach.waiting(remote.name)) {
          // A git remote known to be out of reach (the fetch retrier finds it back, and then has
          // the whole tree looked at again), or whose content side waits out its back-off: content
          // never waits on a host that hangs.
          outOfReach(remote.name);
          continue;
        }
        found.push(
          connectRemote(session, remote).then((uuid) => {
            reachable.set(remote.name, uuid !== undefined);
            return uuid ? { name: remote.name, uuid } : undefined;
          }),
        );
      }
      const remotes = (await Promise.all(found)).filter((r): r is PlanRemote => r !== undefined);
      [saidBefore, said] = [said, new Set()];
      const graph = await buildNetworkMap(ctx.annex, { reachable });
      const preferred = await loadPreferredContent(ctx.annex.branch);
      const policy = await loadDropPolicy(session, dropReported);
      const targets: DropTarget[] = remotes.map((r) => ({ remote: remoteNamed(session, r.name), uuid: r.uuid }));
      const routes = plannedRoutes({ here: ctx.annex.uuid, graph, preferred, remotes, unavailable: session.unavailable, plans });
      const describe = (u: string): string => (graph.hasNode(u) && graph.getNodeAttribute(u, 'description')) || u;
      return { routes, policy, targets, describe };
    };

    /** One batch: the shared content pass (content/content-pass.ts), its transfers queued on the engine. */
    const runBatch = async (work: ContentWork): Promise<void> => {
      batchStarted = ctx.clock.now();
      const session = await openSession(
        ctx.annex,
        (e) => (e.level === 'warn' ? warn(e.message) : ctx.log.info({ worker: 'transferrer' }, e.message)),
        watchConnections(ctx, batchStarted, gitContent),
      );
      moved = 0;
      try {
        const plans: PlanTargets[] = [];
        let describe: ((uuid: string) => string) | undefined;
        const pass = await runContentPass({
          session,
          chunks: filesToVisit(ctx.annex, work, listing),
          setup: async () => {
            const s = await setup(session, plans);
            describe = s.describe;
            return s;
          },
          onChunk: (files) => void (batch = { session, files: new Map(files.map((f) => [f.path, f])) }),
          runner: {
            download: async (file, from) => void queue.add({ direction: 'download', key: file.key, file: file.path, ...(from ? { remote: from } : {}) }),
            upload: async (file, remote) => void queue.add({ direction: 'upload', key: file.key, file: file.path, remote }),
            settle: () => engine.whenIdle(stop.signal),
          },
          signal: stop.signal,
        });
        if (pass.dropped) ctx.commits.notify(); // push the location log changes
        if (describe) reportUnreachable(ctx, plans, reported, describe);
      } catch (err) {
        if (!stop.signal.aborted) throw err;
        await engineDone; // running transfers stop at their next chunk; only then close their remotes
      } finally {
        batch = undefined;
        // Restaging unlocked files writes git's index: take turns with the committer and the merges,
        // which write it too (both at once: one of them fails on index.lock).
        await serialised(() => flushSession(session)).catch((err: unknown) => warn(`could not refresh git's index: ${describeError(err)}`));
        await closeSession(session);
        await ctx.annex.branch.commit().catch(() => undefined);
      }
      if (moved) {
        ctx.log.info({ worker: 'transferrer' }, `transferred ${moved} file(s)`);
        ctx.commits.notify(); // push the location log changes
      }
    };

    /** Applies changed transfer settings (slots, rates, schedule) to the running engine. */
    const applyTransferSettings = (): void => {
      const now = ctx.settings.transfers;
      if (now === settings) return;
      if (now.slots !== settings.slots) ctx.log.info({ worker: 'transferrer' }, `transfer slots now ${now.slots}`);
      settings = now;
      engine.setSlots(now.slots);
      limits.update(now);
    };
    /** Repositories whose unreadable preferred content was already reported (once per run). */
    const dropReported = new Set<string>();
    let content = ctx.settings.content;
    let work: ContentWork | undefined = content ? ALL_FILES : undefined;
    let annexHead = await ctx.annex.branch.head();
    let annexStamp = await annexBranchStamp(gitDir);
    let headTree = await ctx.annex.git.revParse('HEAD^{tree}');
    let headStamp = await refStamp(gitDir, `refs/heads/${ctx.branch}`);
    // Invariant: at most one outstanding take on `transfers`, kept across turns so no item is lost.
    let pathsWait: Promise<string[]> | undefined;
    let settingsWait: Promise<void> | undefined;
    // remote.<name>.annex-trustlevel is git-annex's local trust setting: a change re-plans every
    // file at once (which copies count, what may be dropped), as a trust log change does.
    const trustOf = async (): Promise<string> => JSON.stringify([...(await ctx.annex.git.configGetRegexp('^remote\\..*\\.annex-trustlevel$').catch((): Array<[string, string]> => []))].sort());
    let trust = await trustOf();
    const trustWatch = watchGitConfig(ctx.annex.git.repo.commonDir, () => {
      void trustOf().then((now) => {
        if (now === trust) return;
        trust = now;
        ctx.log.info({ worker: 'transferrer' }, 'trust settings changed (remote.<name>.annex-trustlevel): looking at every file again');
        if (ctx.settings.content) ctx.transfers.push('');
      });
    });
    try {
      while (!stop.signal.aborted) {
        applyTransferSettings();
        // arbor.assistant.content is live too: switched on, the whole tree is looked at once.
        if (ctx.settings.content !== content) {
          content = ctx.settings.content;
          if (content) work = ALL_FILES;
        }
        if (!work) {
          pathsWait ??= ctx.transfers.takeAll(stop.signal);
          settingsWait ??= ctx.settingsChanged.wait(stop.signal).then(() => void (settingsWait = undefined));
          // Without content transfers (arbor.assistant.content=false) only explicit requests count.
          const tick = new AbortController();
          const waits: Array<Promise<string[] | undefined>> = [pathsWait, settingsWait.then(() => undefined)];
          if (content) waits.push(ctx.clock.sleep(BRANCH_POLL_MS, tick.signal).then(() => undefined));
          const items = await Promise.race(waits).catch(() => undefined);
          tick.abort();
          if (stop.signal.aborted) break;
          if (items) {
            pathsWait = undefined;
            work = items.includes('') ? ALL_FILES : { all: false, paths: [...new Set(items)], keys: new Set() };
          } else if (content) {
            const [stamp, treeStamp] = await Promise.all([annexBranchStamp(gitDir), refStamp(gitDir, `refs/heads/${ctx.branch}`)]);
            if (stamp === annexStamp && treeStamp === headStamp) continue;
            let changed: ContentWork = { all: false, paths: [], keys: new Set() };
            if (stamp !== annexStamp) {
              annexStamp = stamp;
              const head = await ctx.annex.branch.head();
              // Location logs changed: those keys; a policy log (wanted, groups, numcopies, trust), here or merged in: every file now.
              changed = annexHead && head ? await branchWork(ctx.annex, annexHead, head) : ALL_FILES;
              annexHead = head;
            }
            if (treeStamp !== headStamp) {
              headStamp = treeStamp;
              const tree = await ctx.annex.git.revParse('HEAD^{tree}');
              // Committed or merged: the changed paths come through `transfers`; what a deleted or
              // changed path used (its key may now be unwanted by every path left) and a changed
              // .gitattributes (per-file numcopies) only show here.
              const byTree = headTree && tree ? await treeWork(ctx.annex, headTree, tree) : ALL_FILES;
              headTree = tree;
              changed = mergeWork(changed, byTree.all ? ALL_FILES : { all: false, paths: [], keys: byTree.keys });
            }
            if (!isNoWork(changed)) work = changed;
          }
          if (!work) continue;
        }
        const current = work;
        work = undefined;
        await runBatch(current);
      }
    } finally {
      trustWatch.close();
      signal.removeEventListener('abort', onAbort);
      stop.abort();
      await engineDone;
      await commandsDone;
    }
  },
};
