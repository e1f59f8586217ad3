// The transferrer: moves content for changed files: gets what is missing here, sends what remotes lack.

import { formatKey } from '../../annex/key.js';
import { listAnnexedFiles } from '../../content/annexed-files.js';
import { copyToRemote } from '../../content/copy.js';
import { getFile } from '../../content/get.js';
import { closeSession, connectRemote, locationsOf, openSession } from '../../content/session.js';
import { describeError } from '../../util/errors.js';
import type { Worker } from '../worker.js';
import type { TransferStatus } from '../daemon-status.js';

/**
 * Waits on `transfers` (paths; '' means the whole tree). For each annexed file among them: get
 * the content if it is not here (cheapest remote first), then send it to every reachable remote
 * that lacks it, cheapest first (the planner issue replaces this "everything everywhere" policy).
 * Progress shows in status. Afterwards the git-annex branch is committed and pushed.
 */
export const transferrer: Worker = {
  name: 'transferrer',
  run: async (ctx, signal) => {
    while (!signal.aborted) {
      let items: string[];
      try {
        items = await ctx.transfers.takeAll(signal);
      } catch {
        break;
      }
      const all = items.includes('');
      const paths = [...new Set(items.filter(Boolean))];
      const session = await openSession(ctx.annex, (e) => ctx.log.warn({ worker: 'transferrer' }, e.message));
      let moved = 0;
      try {
        const files = await listAnnexedFiles(ctx.annex, all ? [] : paths, { requireMatch: false });
        ctx.status.update((s) => {
          s.transfers.queued = files.length;
        });
        const targets: Array<{ remote: (typeof session.remotes)[number]; uuid: string }> = [];
        for (const remote of session.remotes) {
          if (remote.config.ignore || !remote.config.sync) continue;
          const uuid = await connectRemote(session, remote);
          if (uuid) targets.push({ remote, uuid });
        }
        for (const file of files) {
          if (signal.aborted) break;
          const track = (remote: string, direction: 'upload' | 'download'): TransferStatus => {
            const t: TransferStatus = { file: file.path, key: formatKey(file.key), remote, direction, done: 0, total: file.key.size };
            ctx.status.update((s) => s.transfers.running.push(t));
            return t;
          };
          const untrack = (t: TransferStatus): void => ctx.status.update((s) => void (s.transfers.running = s.transfers.running.filter((x) => x !== t)));
          try {
            if (!(await ctx.annex.store.has(file.key))) {
              const t = track('any', 'download');
              try {
                const r = await getFile(session, file, { progress: (done) => void (t.done = done) });
                if (r.status === 'got') moved++;
              } finally {
                untrack(t);
              }
            }
            const locations = new Set(await locationsOf(session, file.key));
            for (const { remote, uuid } of targets) {
              if (locations.has(uuid) || session.unavailable.has(remote.name)) continue;
              const t = track(remote.name, 'upload');
              try {
                const r = await copyToRemote(session, file, remote, { progress: (done) => void (t.done = done) });
                if (r.status === 'copied') moved++;
              } catch (err) {
                ctx.log.warn({ worker: 'transferrer' }, `${file.path} to ${remote.name}: ${describeError(err)}`);
              } finally {
                untrack(t);
              }
            }
          } catch (err) {
            ctx.log.warn({ worker: 'transferrer' }, `${file.path}: ${describeError(err)}`);
          }
          ctx.status.update((s) => void (s.transfers.queued = Math.max(0, s.transfers.queued - 1)));
        }
      } finally {
        await closeSession(session);
        await ctx.annex.branch.commit().catch(() => undefined);
      }
      if (moved) {
        ctx.log.info({ worker: 'transferrer' }, `transferred ${moved} file(s)`);
        ctx.commits.notify(); // push the location log changes
      }
    }
  },
};
