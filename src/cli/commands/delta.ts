// `git arbor delta write|apply`: patch files carrying the difference between two versions of an annexed file.

import { resolve } from 'node:path';
import { formatKey, parseKey } from '../../annex/key.js';
import { toTopRelative } from '../../content/annexed-files.js';
import { applyDeltaPatch, writeDeltaPatch } from '../../content/delta-patch.js';
import { UsageError } from '../../util/errors.js';
import { withSession } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/**
 * `delta write [--from OLD] --to NEW PATCHFILE` writes the patch (OLD and NEW are keys or annexed
 * files; OLD defaults to NEW's newest earlier version present here); `delta apply PATCHFILE`
 * rebuilds the new version from the old one here and places it only if it matches its key.
 */
export const deltaCommand: ArborCommand = {
  name: 'delta',
  writes: true,
  summary: 'patch files: `delta write --to FILE PATCH` saves what changed in a file, `delta apply PATCH` rebuilds the new version elsewhere',
  configure: (cmd) =>
    void cmd
      .argument('<action>', 'write or apply')
      .argument('<patchfile>', 'the patch file to write or apply')
      .option('--from <file-or-key>', 'write: the old version (default: the newest earlier version of the --to file present here)')
      .option('--to <file-or-key>', 'write: the new version')
      .option('--json', 'machine-readable output'),
  run: (ctx, args, opts) =>
    withSession(ctx, async (session) => {
      const [action, patchArg] = args as [string, string];
      const patchPath = resolve(ctx.cwd, patchArg);
      const workTree = session.annex.workTree ?? ctx.cwd;
      // A key is passed on as it is; a file name is made relative to the work tree's top.
      const version = (v: unknown): string | undefined => (typeof v !== 'string' ? undefined : parseKey(v) ? v : toTopRelative(workTree, ctx.cwd, [v])[0]);
      if (action === 'write') {
        const to = version(opts.to);
        if (to === undefined) throw new UsageError('delta write needs --to <file-or-key>');
        const from = version(opts.from);
        const w = await writeDeltaPatch(session, { to, patchPath, ...(from === undefined ? {} : { from }) });
        if (opts.json === true) ctx.out.json({ command: 'delta write', old: formatKey(w.oldKey), new: formatKey(w.newKey), patch: patchPath, patchBytes: w.patchBytes, literalBytes: w.literalBytes, success: true });
        else ctx.out.line(`delta write ${formatKey(w.oldKey)} -> ${formatKey(w.newKey)}: ${patchArg} (${w.patchBytes} bytes) ok`);
        return 0;
      }
      if (action === 'apply') {
        if (opts.to !== undefined || opts.from !== undefined) throw new UsageError('delta apply takes only the patch file (the patch names its keys)');
        const a = await applyDeltaPatch(session, patchPath);
        if (opts.json === true) ctx.out.json({ command: 'delta apply', old: formatKey(a.oldKey), new: formatKey(a.newKey), status: a.status, success: true });
        else ctx.out.line(`delta apply ${formatKey(a.newKey)}: ${a.status === 'present' ? 'already present' : 'rebuilt and verified'} ok`);
        return 0;
      }
      throw new UsageError(`unknown delta action ${JSON.stringify(action)} (expected: write or apply)`);
    }),
};
