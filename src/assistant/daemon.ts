// The composition root of the assistant: open the repository, build the context, run the workers.

import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { setMaxListeners } from 'node:events';
import { basename, join } from 'node:path';
import cron from 'node-cron';
import { openAnnex } from '../annex/annex.js';
import { syncBranch } from '../sync/preflight.js';
import { systemClock, type Clock } from '../util/clock.js';
import { acquireLock, type HeldLock } from '../util/lockfile.js';
import { processAlive } from '../util/process-alive.js';
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
import { merger } from './workers/merger.js';
import { retrier } from './workers/retrier.js';
import { publisher } from './workers/publisher.js';
import { transferrer } from './workers/transferrer.js';
import { driveWatcher } from './workers/drive-watcher.js';

/**
 * Node options for the long-running daemon process (detached and systemd starts). The daemon is
 * idle nearly all the time, so V8 is told to favour memory over speed: a 1 MiB young generation
 * (default up to 16 MiB per semi-space) and size-optimised code. Measured on a 100,000-file tree
 * with the parcel watcher: idle RSS 98 MiB instead of 147 MiB, startup scan no slower
 * (docs/benchmarks.md, figure 3).
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--optimize-for-size', '--max-semi-space-size=1'];

/** The workers, in start order (as git-annex's Assistant.hs lists its threads). */
export const workers: readonly Worker[] = [committer, pusher, merger, retrier, publisher, transferrer, driveWatcher, watcher];

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
 * After a crash (kill -9, power loss) git may have left .git/index.lock behind, which would block
 * every later git command. It is removed only when the previous assistant is known dead and the
 * lock is older than a few seconds (so a user's own git command is not disturbed).
 */
async function repairAfterCrash(gitDir: string, log: Log, now: number): Promise<void> {
  const lock = join(gitDir, 'index.lock');
  const s = await stat(lock).catch(() => undefined);
  if (s && now - s.mtimeMs > 5000) {
    await rm(lock, { force: true });
    log.warn({ worker: 'daemon' }, 'removed a stale .git/index.lock left by a crash');
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
  const previous = await pidOf(paths.pid);
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
  try {
    // Settings first: a bad one is the most common reason not to start, and the cheapest to tell.
    const validateCron = (e: string): boolean => cron.validate(e);
    const parse = (entries: ConfigEntries) => settingsFromConfig(entries, validateCron);
    const entries = await readSettingsEntries(annex.git);
    const initial = parse(entries);
    if (previous && previous !== process.pid && !processAlive(previous)) await repairAfterCrash(annex.git.repo.gitDir, log, clock.now());
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
    log.info({ worker: 'daemon' }, f ? `assistant stopped: ${f.message}` : 'assistant stopped');
  } catch (err) {
    const reason = describeError(err);
    if (ready) exit = { clean: false, reason };
    else status.update((s) => void (s.startError = reason));
    log.error({ worker: 'daemon' }, `assistant ${ready ? 'failed' : 'could not start'}: ${reason}`);
    throw err;
  } finally {
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
