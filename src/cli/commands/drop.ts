// `git arbor drop [--from R] [path...]`: remove content, only when numcopies other copies are verified.

import { annexedFilesFromArgs } from '../file-args.js';
import { dropFromRemote, dropLocal } from '../../content/drop.js';
import { remoteNamed } from '../../content/session.js';
import { withSession } from '../repo-context.js';
import { forEachFile } from '../per-file.js';
import type { ArborCommand } from '../command.js';

/** Drops content here or from a remote, never below numcopies unless --force. */
export const dropCommand: ArborCommand = {
  name: 'drop',
  writes: true,
  summary: 'remove content of annexed files (checks numcopies copies exist elsewhere first)',
  configure: (cmd) =>
    void cmd
      .argument('[paths...]')
      .option('--from <remote>', 'drop from this remote instead of here')
      .option('--force', 'drop even if numcopies cannot be verified (may lose data)')
      .option('--json', 'one JSON object per file'),
  run: (ctx, args, opts) =>
    withSession(ctx, async (session) => {
      const workTree = session.annex.workTree ?? '';
      const files = await annexedFilesFromArgs(ctx, session.annex, args);
      const force = opts.force === true;
      const from = typeof opts.from === 'string' ? remoteNamed(session, opts.from) : undefined;
      return forEachFile(ctx, { command: 'drop', json: opts.json === true, workTree, files }, async (file) => {
        const r = from ? await dropFromRemote(session, file, from, { force }) : await dropLocal(session, file, { force });
        return r.status === 'not-present' ? { skipped: true } : from ? { note: `from ${from.name}` } : {};
      });
    }),
};
