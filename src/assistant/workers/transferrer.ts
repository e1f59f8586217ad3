// The transferrer: moves content for changed files through the transfer engine: gets what is missing here, sends what remotes lack.

import { formatKey } from '../../annex/key.js';
import { listAnnexedFiles, type AnnexedFile } from '../../content/annexed-files.js';
import { copyToRemote } from '../../content/copy.js';
import { getFile } from '../../content/get.js';
import { closeSession, connectRemote, locationsOf, openSession, remoteNamed, type ContentSession } from '../../content/session.js';
import { readTransferControl, transferControlPath } from '../../transfers/control.js';
import { TransferEngine, type TransferEvent, type TransferOutcome, type TransferIo } from '../../transfers/engine.js';
import { TransferQueue, type TransferJob } from '../../transfers/queue.js';
import { loadTransferSettings, TransferLimits } from '../../transfers/transfer-config.js';
import { ArborError, describeError } from '../../util/errors.js';
import type { Worker } from '../worker.js';
import type { TransferStatus } from '../daemon-status.js';

/** The files and remotes of the batch being worked on (jobs name files by path). */
interface Batch {
  readonly session: ContentSession;
  readonly files: ReadonlyMap<string, AnnexedFile>;
}

/** Moves one job's bytes with the content operations (which verify, and record locations only on success). */
async function perform(batch: Batch, job: TransferJob, io: TransferIo): Promise<TransferOutcome> {
  const file = batch.files.get(job.file);
  if (!file) throw new ArborError('ENOTANNEXED', `${job.file} is no longer an annexed file`);
  if (job.direction === 'download') {
    const from = job.remote ? remoteNamed(batch.session, job.remote) : undefined;
    const r = await getFile(batch.session, file, { ...(from ? { from } : {}), progress: io.progress, throttle: io.throttle });
    return r.status === 'got' ? 'transferred' : 'already-there';
  }
  const r = await copyToRemote(batch.session, file, remoteNamed(batch.session, job.remote ?? ''), { progress: io.progress, throttle: io.throttle });
  return r.status === 'copied' ? 'transferred' : 'already-there';
}

/**
 * Waits on `transfers` (paths; '' means the whole tree). For the annexed files among them it
 * queues downloads of content missing here, lets the engine run them, then queues uploads to
 * every reachable remote that lacks the content, cheapest first (the planner issue replaces this
 * "everything everywhere" policy). The engine runs `arbor.transfers.slots` jobs at once under
 * the configured rate limits and honours `git arbor transfers pause`. Progress shows in status.
 * Afterwards the git-annex branch is committed and the pusher told.
 */
export const transferrer: Worker = {
  name: 'transferrer',
  run: async (ctx, signal) => {
    const settings = await loadTransferSettings(ctx.annex.git);
    const controlFile = transferControlPath(ctx.annex.git.repo.gitDir);
    let batch: Batch | undefined;
    let moved = 0;
    const shown = new Map<TransferJob, TransferStatus>();
    const untrack = (job: TransferJob): void => {
      const t = shown.get(job);
      shown.delete(job);
      if (t) ctx.status.update((s) => void (s.transfers.running = s.transfers.running.filter((x) => x !== t)));
    };
    const queue = new TransferQueue({ onChange: () => ctx.status.update((s) => void (s.transfers.queued = queue.size)) });
    const onEvent = (e: TransferEvent): void => {
      const where = (job: TransferJob): string => `${job.file} ${job.direction === 'upload' ? 'to' : 'from'} ${job.remote ?? 'any remote'}`;
      switch (e.type) {
        case 'start': {
          untrack(e.job);
          const t: TransferStatus = { file: e.job.file, key: formatKey(e.job.key), remote: e.job.remote ?? 'any', direction: e.job.direction, done: 0, total: e.job.key.size };
          shown.set(e.job, t);
          ctx.status.update((s) => s.transfers.running.push(t));
          break;
        }
        case 'progress': {
          const t = shown.get(e.job);
          if (t) ctx.status.update(() => void ((t.done = e.done), (t.total = e.total)));
          break;
        }
        case 'retry':
          ctx.log.warn({ worker: 'transferrer' }, `${where(e.job)}: ${describeError(e.error)}; retrying from scratch`);
          break;
        case 'finish':
          untrack(e.job);
          if (e.outcome === 'transferred') moved++;
          break;
        case 'fail':
          untrack(e.job);
          ctx.log.warn({ worker: 'transferrer' }, `${where(e.job)}: ${describeError(e.error)}`);
          // An unreachable remote fails every job for it alike: drop them instead of trying each.
          if (e.error instanceof ArborError && e.error.code === 'EREMOTEUNAVAILABLE' && e.job.remote !== undefined) {
            queue.dequeueMatching((j) => j.remote === e.job.remote);
          }
          break;
        case 'pause':
        case 'resume':
          ctx.log.info({ worker: 'transferrer' }, e.type === 'pause' ? 'transfers paused' : 'transfers resumed');
          break;
        case 'held':
          break;
      }
    };
    const engine = new TransferEngine({
      queue,
      clock: ctx.clock,
      slots: settings.slots,
      limits: new TransferLimits(settings, ctx.clock),
      isPaused: async () => (await readTransferControl(controlFile)).paused,
      perform: (job, io) => {
        if (!batch) throw new ArborError('ENOBATCH', 'no transfer batch is open');
        return perform(batch, job, io);
      },
      onEvent,
    });
    // The engine stops with the worker, also when a batch fails and the supervisor restarts it.
    // Waits below use `stop.signal` too, so the worker adds one listener to the shared signal.
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    const engineDone = engine.run(stop.signal);
    try {
      while (!stop.signal.aborted) {
        let items: string[];
        try {
          items = await ctx.transfers.takeAll(stop.signal);
        } catch {
          break;
        }
        const all = items.includes('');
        const paths = [...new Set(items.filter(Boolean))];
        const session = await openSession(ctx.annex, (e) => ctx.log.warn({ worker: 'transferrer' }, e.message));
        moved = 0;
        try {
          const files = await listAnnexedFiles(ctx.annex, all ? [] : paths, { requireMatch: false });
          batch = { session, files: new Map(files.map((f) => [f.path, f])) };
          // First bring here what is missing, so that it can be sent on.
          for (const file of files) {
            if (!(await ctx.annex.store.has(file.key))) queue.add({ direction: 'download', key: file.key, file: file.path });
          }
          await engine.whenIdle(stop.signal);
          const targets: Array<{ name: string; uuid: string }> = [];
          for (const remote of session.remotes) {
            if (remote.config.ignore || !remote.config.sync) continue;
            const uuid = await connectRemote(session, remote);
            if (uuid) targets.push({ name: remote.name, uuid });
          }
          for (const file of files) {
            if (stop.signal.aborted) break;
            if (!(await ctx.annex.store.has(file.key))) continue;
            const locations = new Set(await locationsOf(session, file.key));
            for (const { name, uuid } of targets) {
              if (!locations.has(uuid) && !session.unavailable.has(name)) queue.add({ direction: 'upload', key: file.key, file: file.path, remote: name });
            }
          }
          await engine.whenIdle(stop.signal);
        } catch (err) {
          if (!stop.signal.aborted) throw err;
          await engineDone; // running transfers stop at their next chunk; only then close their remotes
        } finally {
          batch = undefined;
          await closeSession(session);
          await ctx.annex.branch.commit().catch(() => undefined);
        }
        if (moved) {
          ctx.log.info({ worker: 'transferrer' }, `transferred ${moved} file(s)`);
          ctx.commits.notify(); // push the location log changes
        }
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      stop.abort();
      await engineDone;
    }
  },
};
