// `git arbor move --to R | --from R [path...]`: copy, then drop at the source (numcopies still holds).

import { annexedFilesFromArgs } from '../file-args.js';
import { moveFromRemote, moveToRemote } from '../../content/move.js';
import { remoteNamed } from '../../content/session.js';
import { UsageError } from '../../util/errors.js';
import { withSession } from '../repo-context.js';
import { forEachFile } from '../per-file.js';
import type { ArborCommand } from '../command.js';

/** Moves content to or from a remote. */
export const moveCommand: ArborCommand = {
  name: 'move',
  writes: true,
  summary: 'move content of annexed files to or from a remote',
  configure: (cmd) =>
    void cmd
      .argument('[paths...]')
      .option('--to <remote>', 'move to this remote')
      .option('--from <remote>', 'move here from this remote')
      .option('--force', 'drop at the source even if numcopies cannot be verified')
      .option('--json', 'one JSON object per file'),
  run: (ctx, args, opts) =>
    withSession(ctx, async (session) => {
      if ((typeof opts.to === 'string') === (typeof opts.from === 'string')) throw new UsageError('move needs exactly one of --to or --from');
      const workTree = session.annex.workTree ?? '';
      const files = await annexedFilesFromArgs(ctx, session.annex, args);
      const force = opts.force === true;
      return forEachFile(ctx, { command: 'move', json: opts.json === true, workTree, files }, async (file, progress) => {
        const p = progress ? { progress } : {};
        if (typeof opts.to === 'string') {
          const to = remoteNamed(session, opts.to);
          if (!(await session.annex.store.has(file.key))) return { skipped: true };
          await moveToRemote(session, file, to, { force, ...p });
          return { note: `to ${to.name}...` };
        }
        const from = remoteNamed(session, String(opts.from));
        if ((await session.annex.store.has(file.key)) && !(await from.checkPresent(file.key).catch(() => false))) return { skipped: true };
        await moveFromRemote(session, file, from, { force, ...p });
        return { note: `from ${from.name}...` };
      });
    }),
};
