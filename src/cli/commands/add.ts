// `git arbor add [path...]`: large files into the annex, small ones into git (annex.largefiles).

import { addFiles } from '../../content/add.js';
import { toTopRelative } from '../../content/annexed-files.js';
import { ArborError } from '../../util/errors.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Adds files; prints one line per file (or JSON). */
export const addCommand: ArborCommand = {
  name: 'add',
  writes: true,
  summary: 'add files: large ones to the annex (locked unless annex.addunlocked), small ones to git',
  configure: (cmd) =>
    void cmd
      .argument('[paths...]', 'files or directories (default: the current directory)')
      .option('--unlocked', 'add annexed files unlocked (editable in place)')
      .option('--json', 'one JSON object per file'),
  run: (ctx, args, opts) =>
    withAnnex(ctx, async (annex) => {
      if (!annex.workTree) throw new ArborError('EBARE', 'add needs a work tree (the repository is bare)');
      const given = (args[0] as string[] | undefined) ?? [];
      const paths = toTopRelative(annex.workTree, ctx.cwd, given.length ? given : ['.']);
      await addFiles(annex, {
        paths,
        ...(opts.unlocked === true ? { unlocked: true } : {}),
        onFile: (f) => {
          if (opts.json === true) ctx.out.json({ command: 'add', file: f.path, ...(f.key ? { key: f.key } : {}), mode: f.kind, success: true });
          else ctx.out.line(`add ${f.path} ${f.kind === 'git' ? '(non-large file; adding content to git repository) ' : ''}ok`);
        },
      });
      return 0;
    }),
};
