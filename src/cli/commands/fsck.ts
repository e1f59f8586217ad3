// `git arbor fsck [--from R] [path...]`: verify content, quarantine corrupt objects, repair location logs.

import { annexedFilesFromArgs } from '../file-args.js';
import { fsck } from '../../content/fsck.js';
import { remoteNamed } from '../../content/session.js';
import { withSession } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Checks files; exit 1 if any is corrupt or has too few copies. */
export const fsckCommand: ArborCommand = {
  name: 'fsck',
  summary: 'verify annexed content against its checksums and repair location logs',
  configure: (cmd) => void cmd.argument('[paths...]').option('--from <remote>', 'check the copies on this remote').option('--json', 'machine-readable report'),
  run: (ctx, args, opts) =>
    withSession(ctx, async (session) => {
      const files = await annexedFilesFromArgs(ctx, session.annex, args);
      const remote = typeof opts.from === 'string' ? remoteNamed(session, opts.from) : undefined;
      const report = await fsck(session, files, remote ? { remote } : {});
      const failed = [...new Set(report.findings.filter((f) => f.failed).map((f) => f.path))];
      if (opts.json === true) {
        ctx.out.json({ command: 'fsck', checked: report.checked, failed: failed.length, failedFiles: failed, findings: report.findings });
      } else {
        for (const f of report.findings) (f.failed ? ctx.out.warn.bind(ctx.out) : ctx.out.line.bind(ctx.out))(f.message);
        ctx.out.line(`fsck: ${report.checked} checked, ${failed.length} failed`);
      }
      return failed.length ? 1 : 0;
    }),
};
