// `git arbor whereis [path...]`: which repositories have each file's content.

import { annexedFilesFromArgs } from '../file-args.js';
import { whereis } from '../../content/whereis.js';
import { relative, join } from 'node:path';
import { withSession } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Lists copies per file, like git-annex whereis (its --json shape: whereis: [{uuid, description, here}]). */
export const whereisCommand: ArborCommand = {
  name: 'whereis',
  summary: 'list the repositories that have the content of annexed files',
  configure: (cmd) => void cmd.argument('[paths...]').option('--json', 'one JSON object per file'),
  run: (ctx, args, opts) =>
    withSession(ctx, async (session) => {
      const workTree = session.annex.workTree ?? '';
      const files = await annexedFilesFromArgs(ctx, session.annex, args);
      let missing = 0;
      for (const entry of await whereis(session, files)) {
        const shown = relative(ctx.cwd, join(workTree, entry.file)) || entry.file;
        if (entry.locations.length === 0) missing++;
        if (opts.json === true) {
          ctx.out.json({
            command: 'whereis',
            file: shown,
            key: entry.key,
            success: entry.locations.length > 0,
            whereis: entry.locations.map((l) => ({ uuid: l.uuid, description: l.description, here: l.here, remotes: l.remotes })),
          });
          continue;
        }
        ctx.out.line(`whereis ${shown} (${entry.locations.length} cop${entry.locations.length === 1 ? 'y' : 'ies'})`);
        for (const l of entry.locations) {
          const names = [...l.remotes, ...(l.here ? ['here'] : [])];
          ctx.out.line(`  \t${l.uuid} -- ${l.description}${names.length ? ` [${names.join(', ')}]` : ''}`);
        }
        ctx.out.line(entry.locations.length ? 'ok' : 'failed');
      }
      return missing > 0 ? 1 : 0;
    }),
};
