// `git arbor copy --to R | --from R [path...]`: send content to, or fetch it from, one remote.

import { annexedFilesFromArgs } from '../file-args.js';
import { copyToRemote } from '../../content/copy.js';
import { getFile } from '../../content/get.js';
import { remoteNamed } from '../../content/session.js';
import { UsageError } from '../../util/errors.js';
import { withSession } from '../repo-context.js';
import { forEachFile } from '../per-file.js';
import type { ArborCommand } from '../command.js';

/** Copies content to or from a remote. */
export const copyCommand: ArborCommand = {
  name: 'copy',
  writes: true,
  summary: 'copy content of annexed files to or from a remote',
  configure: (cmd) =>
    void cmd
      .argument('[paths...]')
      .option('--to <remote>', 'send to this remote')
      .option('--from <remote>', 'get from this remote')
      .option('--json', 'one JSON object per file'),
  run: (ctx, args, opts) =>
    withSession(ctx, async (session) => {
      if ((typeof opts.to === 'string') === (typeof opts.from === 'string')) throw new UsageError('copy needs exactly one of --to or --from');
      const workTree = session.annex.workTree ?? '';
      const files = await annexedFilesFromArgs(ctx, session.annex, args);
      if (typeof opts.to === 'string') {
        const to = remoteNamed(session, opts.to);
        return forEachFile(ctx, { command: 'copy', json: opts.json === true, workTree, files }, async (file, progress) => {
          if (!(await session.annex.store.has(file.key))) return { skipped: true };
          const r = await copyToRemote(session, file, to, progress ? { progress } : {});
          return r.status === 'already-there' ? { skipped: true } : { note: `to ${to.name}...` };
        });
      }
      const from = remoteNamed(session, String(opts.from));
      return forEachFile(ctx, { command: 'copy', json: opts.json === true, workTree, files }, async (file, progress) => {
        if (await session.annex.store.has(file.key)) return { skipped: true };
        await getFile(session, file, { from, ...(progress ? { progress } : {}) });
        return { note: `from ${from.name}...` };
      });
    }),
};
