// The notice listener: hears at once when a remote's branches change (a push from another copy) and has that remote fetched and merged.

import { Signal } from '../../util/channel.js';
import { describeError } from '../../util/errors.js';
import { sshCommandOf } from '../../remotes/index.js';
import { selectRemotes } from '../../sync/sync.js';
import type { AssistantContext } from '../context.js';
import type { Worker } from '../worker.js';
import { watchGitConfig } from '../config-watch.js';
import { inWords, nextTryAfter } from '../reachability.js';
import { planNotices, type NoticePlan, type NoticeTarget } from '../notices/notice-plan.js';
import type { NoticeConnection, NoticeHandlers } from '../notices/notice-source.js';
import { openSshNotices } from '../notices/ssh-notices.js';
import { openLocalNotices } from '../notices/local-notices.js';
import { openCommandNotices } from '../notices/command-notices.js';

const WORKER = 'notice-listener';

/** The plan for the repository's current sync remotes and settings. */
async function currentPlan(ctx: AssistantContext): Promise<NoticePlan> {
  const remotes = await selectRemotes(ctx.annex);
  const configured = await ctx.annex.git.configGet('core.sshCommand').catch(() => undefined);
  const ssh = sshCommandOf(configured);
  return planNotices({
    remotes,
    notify: ctx.settings.notify,
    noticeCommand: ctx.settings.noticeCommand,
    base: ctx.annex.workTree ?? ctx.annex.git.repo.gitDir,
    sshCommand: 'shellCommand' in ssh ? ssh.shellCommand : ssh.program,
  });
}

/** Opens the connection a target calls for. */
function open(ctx: AssistantContext, target: NoticeTarget, handlers: NoticeHandlers): Promise<NoticeConnection> | NoticeConnection {
  switch (target.kind) {
    case 'ssh':
      return ctx.annex.git.configGet('core.sshCommand').catch(() => undefined).then((configured) =>
        openSshNotices({ ssh: sshCommandOf(configured), location: target.location, config: target.config, limits: ctx.settings.network, clock: ctx.clock, handlers }),
      );
    case 'local':
      return openLocalNotices({ path: target.path, clock: ctx.clock, handlers });
    case 'command':
      return openCommandNotices({ command: target.command, handlers });
  }
}

/** Whether this repository has every object named (then the change is one it made or already fetched: nothing to do). */
async function haveAll(ctx: AssistantContext, shas: readonly string[]): Promise<boolean> {
  if (shas.length === 0) return false;
  const r = await ctx.annex.git.tryRun(['cat-file', '--batch-check'], { input: shas.join('\n') + '\n' }).catch(() => undefined);
  if (!r || r.code !== 0) return false;
  return !r.stdout.toString('utf8').includes(' missing');
}

/** What a notice asks for: fetch the remote it names (all sync remotes for a bare `*` from the notice command). */
async function onNotice(ctx: AssistantContext, target: NoticeTarget, notice: { shas?: readonly string[]; remote?: string }): Promise<void> {
  if (target.kind === 'command') {
    const remotes = (await selectRemotes(ctx.annex)).map((r) => r.name);
    const names = notice.remote === undefined ? remotes : remotes.filter((n) => n === notice.remote);
    if (notice.remote !== undefined && names.length === 0) {
      ctx.log.warn({ worker: WORKER }, `the notice command named ${notice.remote}, which is not a sync remote; ignored`);
      return;
    }
    ctx.log.info({ worker: WORKER }, `change notice from the notice command: fetching ${names.join(', ')} now`);
    ctx.remotesChanged.push(...names);
    return;
  }
  // Our own push to the server comes back as a notice too: its objects are here already.
  if (notice.shas && (await haveAll(ctx, notice.shas))) return;
  ctx.log.info({ worker: WORKER, remote: target.remote }, `change notice from ${target.remote}: fetching now`);
  ctx.remotesChanged.push(target.remote);
}

/** Shows a remote's notice state in status (the command listener has no remote and is only logged). */
function show(ctx: AssistantContext, target: NoticeTarget, state: NonNullable<ReturnType<AssistantContext['status']['remote']>['notices']>): void {
  if (target.kind === 'command') return;
  ctx.status.update(() => void (ctx.status.remote(target.remote).notices = { ...state, via: target.kind }));
}

/** The name used in log lines. */
function what(target: NoticeTarget): string {
  return target.kind === 'command' ? 'the notice command' : target.remote;
}

/**
 * Listens to one target until `signal` aborts: connect; on a drop, one warning (changes now wait
 * for the fetch schedule, which runs all along), then reconnect with back-off (the reachability
 * back-off: arbor.network.retryseconds, doubling to 1 h); on return, one info line and a fetch for
 * whatever changed meanwhile. A permanent failure (no git-annex-shell there) turns notices off
 * for the remote until the plan changes.
 */
async function listen(ctx: AssistantContext, target: NoticeTarget, signal: AbortSignal): Promise<void> {
  let attempts = 0;
  let downSince: number | undefined;
  while (!signal.aborted) {
    let ready = false;
    const handlers: NoticeHandlers = {
      ready: () => {
        ready = true;
        attempts = 0;
        show(ctx, target, { state: 'listening', since: ctx.clock.now() });
        if (downSince === undefined) {
          ctx.log.debug({ worker: WORKER, remote: target.remote }, `listening for change notices from ${what(target)}`);
          return;
        }
        ctx.log.info({ worker: WORKER, remote: target.remote }, `change notices from ${what(target)} are back`);
        downSince = undefined;
        if (target.kind === 'command') return;
        // Whatever changed while we were not listening: fetch now, without waiting out a fetch back-off.
        ctx.reachability.returned(target.remote);
        ctx.remotesChanged.push(target.remote);
      },
      changed: (notice) => void onNotice(ctx, target, notice).catch((err: unknown) => ctx.log.warn({ worker: WORKER, remote: target.remote }, `change notice from ${what(target)}: ${describeError(err)}`)),
    };
    let conn: NoticeConnection;
    try {
      conn = await open(ctx, target, handlers);
    } catch (err) {
      conn = { ended: Promise.resolve({ reason: describeError(err), permanent: false }), close: () => undefined };
    }
    const stop = (): void => conn.close();
    signal.addEventListener('abort', stop, { once: true });
    const end = await conn.ended;
    signal.removeEventListener('abort', stop);
    if (signal.aborted) break;
    const now = ctx.clock.now();
    if (end.permanent) {
      ctx.log.warn({ worker: WORKER, remote: target.remote }, `no change notices from ${what(target)} (${end.reason}); it is fetched on schedule`);
      show(ctx, target, { state: 'off', reason: end.reason });
      return;
    }
    if (!ready) attempts++;
    else attempts = 1;
    const nextTry = nextTryAfter(now, attempts, ctx.settings.network.retryMs);
    if (downSince === undefined) {
      downSince = now;
      // Info, not a warning: sync goes on by the fetch schedule, and a host that cannot be reached
      // is the reachability state's one warning (a second one here would say the same thing twice).
      ctx.log.info({ worker: WORKER, remote: target.remote }, `change notices from ${what(target)} stopped (${end.reason}); fetching on schedule until they are back, reconnecting in ${inWords(nextTry - now)}`);
    } else {
      ctx.log.debug({ worker: WORKER, remote: target.remote }, `change notices from ${what(target)}: ${end.reason}; next try in ${inWords(nextTry - now)}`);
    }
    show(ctx, target, { state: 'reconnecting', since: downSince, reason: end.reason, nextTry });
    await ctx.clock.sleep(nextTry - now, signal).catch(() => undefined);
  }
}

/**
 * Runs one listener per planned target (notice-plan.ts) and re-plans when the settings or the
 * remotes change (git config changed): a listener whose target changed is restarted, one no
 * longer planned is stopped. A notice pushes the remote's name to `remotesChanged`, so the merger
 * fetches and merges it in its lane at once (remote-work.ts `fetchAndMerge`) and the pusher then
 * passes the change on to the other remotes, as for any merge.
 */
export const noticeListener: Worker = {
  name: WORKER,
  run: async (ctx, signal) => {
    const replan = new Signal();
    const configWatch = watchGitConfig(ctx.annex.git.repo.commonDir, () => replan.notify());
    const running = new Map<string, { readonly stop: AbortController; readonly done: Promise<void> }>();
    try {
      while (!signal.aborted) {
        let plan: NoticePlan | undefined;
        try {
          plan = await currentPlan(ctx);
        } catch (err) {
          ctx.log.warn({ worker: WORKER }, `cannot read the remotes for change notices: ${describeError(err)}`);
        }
        if (plan) {
          const keys = new Set(plan.listen.map((t) => t.key));
          for (const [key, r] of running) {
            if (keys.has(key)) continue;
            r.stop.abort();
            await r.done;
            running.delete(key);
          }
          for (const target of plan.listen) {
            if (running.has(target.key)) continue;
            // Stopped by the worker's signal (whose abort ends the loop, and `finally` stops them all) or alone by a re-plan.
            const stop = new AbortController();
            running.set(target.key, { stop, done: listen(ctx, target, stop.signal) });
          }
          for (const o of plan.off) ctx.status.update(() => void (ctx.status.remote(o.remote).notices = { state: 'off', reason: o.reason }));
        }
        const woken = new AbortController();
        const wake = (): void => woken.abort();
        signal.addEventListener('abort', wake, { once: true });
        await Promise.race([replan.wait(woken.signal), ctx.settingsChanged.wait(woken.signal)]).catch(() => undefined);
        signal.removeEventListener('abort', wake);
        woken.abort();
      }
    } finally {
      configWatch.close();
      // Every listener ends here, on a stop or a crash of this worker alike.
      for (const r of running.values()) r.stop.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    }
  },
};
