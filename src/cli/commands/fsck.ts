// `git arbor fsck [--from R] [--fast] [path...]`: verify content, take bad copies out of
// circulation, repair location logs (report only, in a read-only repository).

import { annexedFilesFromArgs } from '../file-args.js';
import { fsck } from '../../content/fsck.js';
import { describeInventory } from '../../content/inventory-check.js';
import { remoteNamed } from '../../content/session.js';
import { writeDenied } from '../../util/writable.js';
import { withSession } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** Checks files; exit 1 if any is corrupt, unverifiable or has too few copies. */
export const fsckCommand: ArborCommand = {
  name: 'fsck',
  summary: 'verify annexed content against its checksums and repair location logs',
  configure: (cmd) =>
    void cmd
      .argument('[paths...]')
      .option('--from <remote>', 'check the copies on this remote (downloaded and verified unless the remote re-hashes them itself)')
      .option('--fast', 'skip checksums: sizes here, presence on a remote (with --from and no paths: the remote\'s whole inventory at once, every wrong log entry repaired)')
      .option('--json', 'machine-readable report'),
  run: (ctx, args, opts) =>
    withSession(ctx, async (session) => {
      const files = await annexedFilesFromArgs(ctx, session.annex, args);
      const remote = typeof opts.from === 'string' ? remoteNamed(session, opts.from) : undefined;
      const readOnly = await writeDenied(session.annex.git.repo.gitDir);
      if (readOnly && opts.json !== true) ctx.out.warn(`fsck: ${session.annex.workTree ?? session.annex.git.repo.gitDir} is read-only (${readOnly}): problems are reported, not fixed`);
      // A whole-repository fsck --fast --from checks the remote's whole inventory at once.
      const inventory = remote !== undefined && opts.fast === true && ((args[0] as string[] | undefined) ?? []).length === 0;
      const report = await fsck(session, files, { ...(remote ? { remote } : {}), repair: readOnly === undefined, fast: opts.fast === true, inventory });
      const failed = [...new Set(report.findings.filter((f) => f.failed).map((f) => f.path))];
      if (opts.json === true) {
        ctx.out.json({
          command: 'fsck',
          checked: report.checked,
          failed: failed.length,
          failedFiles: failed,
          findings: report.findings,
          presenceOnly: report.presenceOnly,
          repaired: report.repaired,
          ...(report.inventory ? { inventory: { method: report.inventory.method, bytes: report.inventory.bytes, logged: report.inventory.logged, remoteKeys: report.inventory.remoteKeys, wrong: report.inventory.fixes.length, unconfirmed: report.inventory.unconfirmed } } : {}),
          ...(report.inventoryFailed ? { inventoryFailed: report.inventoryFailed } : {}),
        });
      } else {
        if (report.inventoryFailed) ctx.out.warn(`fsck: ${report.inventoryFailed}`);
        for (const f of report.findings) (f.failed ? ctx.out.warn.bind(ctx.out) : ctx.out.line.bind(ctx.out))(f.message);
        if (report.inventory) ctx.out.line(`fsck: ${describeInventory(report.inventory)}`);
        if (report.presenceOnly.length) ctx.out.line(`fsck: only checked for presence, content not verified: ${report.presenceOnly.join(', ')}`);
        ctx.out.line(`fsck: ${report.checked} checked, ${failed.length} failed`);
      }
      return failed.length ? 1 : 0;
    }),
};
