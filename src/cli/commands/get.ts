// `git arbor get [path...]`: bring content here from remotes.

import { annexedFilesFromArgs } from '../file-args.js';
import { getFile } from '../../content/get.js';
import { remoteNamed } from '../../content/session.js';
import { withSession } from '../repo-context.js';
import { forEachFile } from '../per-file.js';
import type { ArborCommand } from '../command.js';
import { formatBytes } from '../transfer-line.js';

/** Gets the content of annexed files (cheapest remote first, verified). */
export const getCommand: ArborCommand = {
  name: 'get',
  writes: true,
  summary: 'get the content of annexed files from remotes',
  configure: (cmd) =>
    void cmd.argument('[paths...]').option('--from <remote>', 'only from this remote').option('--json', 'one JSON object per file'),
  run: (ctx, args, opts) =>
    withSession(ctx, async (session) => {
      const workTree = session.annex.workTree ?? '';
      const files = await annexedFilesFromArgs(ctx, session.annex, args);
      const from = typeof opts.from === 'string' ? remoteNamed(session, opts.from) : undefined;
      return forEachFile(ctx, { command: 'get', json: opts.json === true, workTree, files }, async (file, progress) => {
        if (await session.annex.store.has(file.key)) {
          await getFile(session, file);
          return { skipped: true };
        }
        const r = await getFile(session, file, { ...(from ? { from } : {}), ...(progress ? { progress } : {}) });
        if (r.status !== 'got') return {};
        return { note: r.delta ? `from ${r.from}... delta: ${formatBytes(r.delta.bytes)} of ${formatBytes(r.delta.total)}` : `from ${r.from}...` };
      });
    }),
};
