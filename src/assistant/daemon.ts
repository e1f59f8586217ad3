// The composition root of the assistant: open the repository, build the context, run the workers.

import { mkdir, readFile } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { basename } from 'node:path';
import cron from 'node-cron';
import { openAnnex, type Annex } from '../annex/annex.js';
import { removeStaleLocks } from '../git/stale-lock.js';
import { syncBranch } from '../sync/preflight.js';
import { systemClock, type Clock } from '../util/clock.js';
import { acquireLock, type HeldLock } from '../util/lockfile.js';
import { ArborError, describeError } from '../util/errors.js';
import { createLog, type Log } from '../util/log.js';
import { createDesktopNotifier } from '../util/desktop-notify.js';
import { assistantChannels, remoteLanes, type AssistantContext } from './context.js';
import { DaemonStatus } from './daemon-status.js';
import { assistantPaths } from './paths.js';
import { Problems } from './problems.js';
import { readSettingsEntries, settingsFromConfig, type ConfigEntries } from './settings.js';
import { SettingsStore } from './settings-store.js';
import { watchGitConfig } from './config-watch.js';
import { supervise } from './supervisor.js';
import type { FatalError, Worker } from './worker.js';
import { watcher } from './workers/watcher.js';
import { committer } from './workers/committer.js';
import { pusher } from './workers/pusher.js';
import { finalPush } from './remote-work.js';
import { guardStop } from './stop-guard.js';
import { merger } from './workers/merger.js';
import { retrier } from './workers/retrier.js';
import { publisher } from './workers/publisher.js';
import { transferrer } from './workers/transferrer.js';
import { inventoryChecker } from './workers/inventory-checker.js';
import { driveWatcher } from './workers/drive-watcher.js';
import { watchdog } from './workers/watchdog.js';
import { noticeListener } from './workers/notice-listener.js';
import { web } from './workers/web.js';

/** The workers, in start order (as git-annex's Assistant.hs lists its threads). */
export const workers: readonly Worker[] = [committer, pusher, merger, retrier, publisher, transferrer, inventoryChecker, driveWatcher, noticeListener, watchdog, web, watcher];

/**
 * Settings the running daemon does not follow yet: a change is logged as applying at the next
 * start. The watcher backend and USB event subscription are chosen once; the merger's and retrier's cron tasks are to follow
 * `settingsChanged` (then their keys leave this list).
 */
const APPLIES_AT_RESTART: readonly string[] = ['arbor.assistant.watcher', 'arbor.drives.usb'];

/** Another assistant already runs for this repository. */
export class AlreadyRunningError extends ArborError {
  constructor(pid: number | undefined) {
    super('ERUNNING', `the assistant is already running for this repository${pid ? ` (pid ${pid})` : ''}`, { data: { pid } });
  }
}

/** Options for runDaemon. */
export interface DaemonOptions {
  readonly path: string;
  /** Also log readable lines here (the --foreground terminal). */
  readonly stderr?: NodeJS.WritableStream;
  readonly clock?: Clock;
  /** Aborting stops the daemon gracefully (SIGTERM/SIGINT do the same when `handleSignals`). */
  readonly signal?: AbortSignal;
  readonly handleSignals?: boolean;
}

async function pidOf(file: string): Promise<number | undefined> {
  const n = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * After a crash (kill -9, power loss, a git that died) a git lock may be left behind, which would
 * block every later git command. At start every git lock that no process uses is removed,
 * whatever its age; a user's own running git keeps its lock (src/git/stale-lock.ts says how that
 * is told).
 */
async function repairAfterCrash(annex: Annex, log: Log, now: number): Promise<void> {
  for (const lock of await removeStaleLocks(annex.git.repo, { now })) {
    log.warn({ worker: 'daemon' }, `removed a stale git lock that no process holds: ${lock}`);
  }
}

/**
 * Runs the assistant until stopped. One instance per repository (the pid file is an exclusive
 * lock; a dead owner's lock is taken over and its leftovers repaired). Returns after a clean
 * shutdown: the in-flight commit finished, status written, lock released.
 */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  const clock = options.clock ?? systemClock;
  const annex = await openAnnex(options.path, { clock });
  const paths = assistantPaths(annex.git.repo.gitDir);
  await mkdir(paths.dir, { recursive: true });
  const log = createLog({ file: paths.log, ...(options.stderr ? { stderr: options.stderr } : {}) });
  let lock: HeldLock;
  try {
    lock = await acquireLock(paths.pid, { timeoutMs: 0 });
  } catch {
    await annex.close();
    throw new AlreadyRunningError(await pidOf(paths.pid));
  }
  const controller = new AbortController();
  // Every worker and channel wait listens on this one signal; more than Node's default 10 is expected.
  setMaxListeners(100, controller.signal);
  const onSignal = (): void => controller.abort();
  if (options.handleSignals) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  options.signal?.addEventListener('abort', onSignal, { once: true });
  const status = new DaemonStatus({ file: paths.status, now: () => clock.now(), pid: process.pid });
  const workTree = annex.workTree ?? annex.git.repo.gitDir;
  const problems = new Problems({ log, now: () => clock.now(), status, notify: createDesktopNotifier({ env: process.env }), title: `arbor: ${basename(workTree)}` });
  /** How the daemon ended once it was ready (written to the status file for `status`). */
  let exit: { clean: boolean; reason: string } | undefined;
  let ready = false;
  const guard = guardStop({
    clock,
    log,
    stopping: controller.signal,
    self: process.pid,
    kill: (pid) => void Promise.resolve().then(() => process.kill(pid, 'SIGKILL')).catch(() => undefined),
    exit: () => {
      log.flush?.();
      process.exit(1);
    },
  });
  try {
    // Settings first: a bad one is the most common reason not to start, and the cheapest to tell.
    const validateCron = (e: string): boolean => cron.validate(e);
    const parse = (entries: ConfigEntries) => settingsFromConfig(entries, validateCron);
    const entries = await readSettingsEntries(annex.git);
    const initial = parse(entries);
    await repairAfterCrash(annex, log, clock.now());
    annex.git.onStaleLock((l) => log.warn({ worker: 'daemon' }, `removed ${l.lock} (${l.reason}) after git ${l.args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? ''} failed; running it again`));
    const branch = await syncBranch(annex);
    const channels = assistantChannels();
    const store = new SettingsStore({
      initial: { settings: initial, entries },
      read: () => readSettingsEntries(annex.git),
      parse,
      log,
      problems,
      changed: channels.settingsChanged,
      appliesAtRestart: APPLIES_AT_RESTART,
    });
    const ctx: AssistantContext = {
      annex,
      branch,
      get settings() {
        return store.current;
      },
      clock,
      log,
      status,
      problems,
      ...channels,
      ...remoteLanes({ clock, log, status }, () => ctx.settings),
    };
    // git keeps the config in the common dir (shared by linked work trees).
    const configWatch = watchGitConfig(annex.git.repo.commonDir, () => void store.reload());
    void store.reload(); // a change made between the first read and the watch
    status.update((s) => void (s.ready = true));
    await status.flush();
    ready = true;
    log.info({ worker: 'daemon' }, `assistant started (pid ${process.pid}) in ${workTree}`);
    ctx.commits.notify(); // push whatever a previous run committed but did not push
    let fatal: FatalError | undefined;
    try {
      await supervise(ctx, workers, {
        signal: controller.signal,
        onFatal: (err) => {
          fatal ??= err;
          controller.abort();
        },
      });
    } finally {
      configWatch.close();
    }
    const f = fatal as FatalError | undefined;
    exit = f ? { clean: false, reason: f.message } : { clean: true, reason: 'stopped' };
    status.update((s) => void (s.stopping = true));
    // The committer's last commit (or one a push interrupted by the stop did not deliver) is pushed
    // before exiting, to every remote that does not have it, within the stop bound (STOP_BOUND_MS;
    // stop-guard.ts kills a push that hangs).
    await finalPush(ctx).catch((err: unknown) => log.warn({ worker: 'daemon' }, `the last push failed: ${describeError(err)}`));
    log.info({ worker: 'daemon' }, f ? `assistant stopped: ${f.message}` : 'assistant stopped');
  } catch (err) {
    const reason = describeError(err);
    if (ready) exit = { clean: false, reason };
    else status.update((s) => void (s.startError = reason));
    log.error({ worker: 'daemon' }, `assistant ${ready ? 'failed' : 'could not start'}: ${reason}`);
    throw err;
  } finally {
    guard.dispose();
    if (options.handleSignals) {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    if (exit) {
      const e = exit;
      status.update((s) => void (s.exit = { time: clock.now(), ...e }));
    }
    await status.flush();
    await annex.branch.commit().catch(() => undefined);
    await annex.close();
    await lock.release();
    log.flush?.();
  }
}
