// The watcher: feeds work-tree changes to the committer, asks for a startup scan and periodic rescans.

import type { Worker } from '../worker.js';
import type { AssistantContext } from '../context.js';
import { createWatcherFor } from '../watch/select.js';

/** Ignored paths at start (.gitignore, info/exclude, core.excludesFile), directories collapsed, as git reports them. */
async function gitIgnored(ctx: AssistantContext): Promise<Set<string>> {
  const out = await ctx.annex.git.run(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']).catch(() => '');
  return new Set(out.split('\0').filter(Boolean).map((p) => p.replace(/\/$/, '')));
}

/** Whether `rel` or one of its parent directories is ignored (so ignored trees are not even watched). */
export function isIgnored(rel: string, ignored: ReadonlySet<string>): boolean {
  if (rel === '.git' || rel.startsWith('.git/')) return true;
  if (ignored.size === 0) return false;
  for (let i = rel.length; i > 0; i = rel.lastIndexOf('/', i - 1)) {
    if (ignored.has(rel.slice(0, i))) return true;
  }
  return false;
}

/**
 * Starts the file watcher (chokidar by default, a one-watch-per-directory backend for large trees
 * or by config), asks the committer for a startup scan (what changed while the assistant was not
 * running, found through git's index and stat cache), forwards events, and asks for periodic
 * rescans: every arbor.assistant.rescan minutes, every minute while the watcher is degraded (watch
 * limit reached, errors), so nothing is silently missed.
 */
export const watcher: Worker = {
  name: 'watcher',
  run: async (ctx, signal) => {
    const root = ctx.annex.workTree;
    if (!root) return;
    const ignoredPaths = await gitIgnored(ctx);
    const w = await createWatcherFor({
      root,
      config: ctx.settings.watcher,
      clock: ctx.clock,
      ignored: (rel) => isIgnored(rel, ignoredPaths),
    });
    await w.start();
    const showHealth = (): void => {
      const h = w.health();
      ctx.watcherHealth = h;
      ctx.status.update((s) => {
        s.watcher = { backend: h.backend, degraded: h.degraded, ...(h.reason ? { reason: h.reason } : {}) };
      });
    };
    showHealth();
    ctx.log.info({ worker: 'watcher' }, `watching ${root} with ${w.health().backend}`);
    ctx.rescan.notify(); // startup scan
    const rescans = (async () => {
      let last = ctx.clock.now();
      while (!signal.aborted) {
        await ctx.clock.sleep(60_000, signal).catch(() => undefined);
        if (signal.aborted) break;
        showHealth();
        const every = w.health().degraded ? 1 : ctx.settings.rescanMinutes;
        if (every > 0 && ctx.clock.now() - last >= every * 60_000) {
          last = ctx.clock.now();
          ctx.rescan.notify();
        }
      }
    })();
    try {
      while (!signal.aborted) {
        const changes = await w.changes.takeAll(signal).catch(() => []);
        if (changes.length) ctx.changes.push(...changes);
      }
    } finally {
      await w.close();
      await rescans;
    }
  },
};
