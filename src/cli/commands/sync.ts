// `git arbor sync [remote...]`: commit, pull, merge, push (and --content) with every remote.

import { sync, type RemoteSyncResult } from '../../sync/sync.js';
import { withAnnex } from '../repo-context.js';
import type { ArborCommand } from '../command.js';

/** One-shot sync; exit 0 when every selected remote synced, 1 when any failed. */
export const syncCommand: ArborCommand = {
  name: 'sync',
  writes: true,
  summary: 'sync with remotes: commit changes, pull and merge, push (compatible with git annex sync)',
  configure: (cmd) =>
    void cmd
      .argument('[remotes...]', 'only these remotes (default: all)')
      .option('--content', 'also transfer annexed content (get what is missing, send what remotes lack)')
      .option('--no-commit', 'do not commit changes in the work tree')
      .option('--no-pull', 'do not fetch and merge from remotes')
      .option('--no-push', 'do not push to remotes')
      .option('-m, --message <msg>', 'commit message')
      .option('--json', 'machine-readable summary'),
  run: (ctx, args, opts) =>
    withAnnex(ctx, async (annex) => {
      const names = (args[0] as string[] | undefined) ?? [];
      const json = opts.json === true;
      // One line per remote as soon as it is done (a remote that does not answer is reported when
      // its time-out ends it; the others do not wait for it).
      const remoteLine = (r: RemoteSyncResult): void => {
        const parts = [r.fetched === undefined ? '' : r.fetched ? 'pulled' : 'pull failed', r.pushed === undefined ? '' : r.pushed ? 'pushed' : 'push failed'].filter(Boolean);
        const failed = r.errors.length > 0;
        ctx.out.line(`${r.remote}: ${parts.join(', ') || 'nothing to do'}${failed ? ` (${r.errors.join('; ')})` : ' ok'}`);
      };
      const result = await sync(annex, {
        commit: opts.commit !== false,
        pull: opts.pull !== false,
        push: opts.push !== false,
        content: opts.content === true,
        ...(names.length ? { remotes: names } : {}),
        ...(typeof opts.message === 'string' ? { message: opts.message } : {}),
        report: json ? () => undefined : (e) => ctx.out.warn(e.message),
        ...(json ? {} : { onRemoteDone: remoteLine }),
      });
      if (json) {
        ctx.out.json(result);
      } else {
        if (result.committed) ctx.out.line('commit ok');
        for (const m of result.merges) ctx.out.line(`merge ${m.ref} ${m.status === 'failed' ? 'failed' : m.status === 'conflicts-resolved' ? '(conflicts resolved, both versions kept) ok' : 'ok'}`);
        if (result.content) ctx.out.line(`content: ${result.content.got} got, ${result.content.sent} sent, ${result.content.dropped} dropped, ${result.content.failed} failed`);
      }
      return result.ok ? 0 : 1;
    }),
};
