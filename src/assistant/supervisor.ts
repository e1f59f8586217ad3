// Runs workers, restarting a crashed one with back-off until it fails too often; only a FatalError stops the daemon.

import { describeError } from '../util/errors.js';
import type { AssistantContext } from './context.js';
import { FatalError } from './worker.js';

/** What the supervisor itself uses of the context (workers get the whole context they are typed for). */
export type SupervisedContext = Pick<AssistantContext, 'log' | 'status' | 'clock' | 'problems' | 'settingsChanged'>;

/** A worker as the supervisor sees it (assistant/worker.ts Worker, for the daemon's context). */
export interface SupervisedWorker<C> {
  readonly name: string;
  run(ctx: C, signal: AbortSignal): Promise<void>;
}

/** A worker that crashes this many times within the window stops being restarted. */
export const MAX_FAILURES = 5;
/** The window those failures are counted in (ms). */
export const FAILURE_WINDOW_MS = 10 * 60_000;

/** How supervise runs. */
export interface SuperviseOptions {
  /** Aborting stops every worker; supervise resolves when all have returned. */
  readonly signal: AbortSignal;
  /** Called once for a FatalError (the daemon aborts everything). */
  readonly onFatal: (err: FatalError) => void;
  /** Default MAX_FAILURES. */
  readonly maxFailures?: number;
  /** Default FAILURE_WINDOW_MS. */
  readonly windowMs?: number;
}

/** The problem id of a worker that stopped restarting (problems.ts). */
export function workerProblemId(name: string): string {
  return `worker:${name}`;
}

/**
 * Starts every worker and resolves when all have returned (after `signal` aborts). A worker that
 * throws is logged, shown in status, and restarted after 1 s, 2 s, 4 s … (at most 60 s). One
 * that fails `maxFailures` times within `windowMs` is not restarted again: it is marked failed
 * in status and raised as a problem ("the transferrer stopped after 5 failures: …"; a log line,
 * a notification, plain status), while every other worker goes on. A valid settings change
 * (`settingsChanged`) gives failed workers a fresh start, since a bad setting is the usual
 * cause. A FatalError aborts everything through `onFatal`.
 */
export async function supervise<C extends SupervisedContext>(ctx: C, workers: ReadonlyArray<SupervisedWorker<C>>, options: SuperviseOptions): Promise<void> {
  const { signal } = options;
  const maxFailures = options.maxFailures ?? MAX_FAILURES;
  const windowMs = options.windowMs ?? FAILURE_WINDOW_MS;
  await Promise.all(
    workers.map(async (worker) => {
      let delay = 1000;
      /** Times of recent failures, oldest first; only those within the window are kept. */
      let failures: number[] = [];
      while (!signal.aborted) {
        try {
          await worker.run(ctx, signal);
          return;
        } catch (err) {
          if (signal.aborted) return;
          if (err instanceof FatalError) {
            ctx.log.error({ worker: worker.name }, `fatal: ${err.message}`);
            options.onFatal(err);
            return;
          }
          const now = ctx.clock.now();
          failures = [...failures.filter((t) => now - t < windowMs), now];
          const error = describeError(err);
          ctx.status.update((s) => {
            const w = (s.workers[worker.name] ??= { restarts: 0 });
            w.lastError = error;
          });
          if (failures.length >= maxFailures) {
            ctx.status.update((s) => void ((s.workers[worker.name] ??= { restarts: 0 }).failed = true));
            ctx.problems.raise(workerProblemId(worker.name), `the ${worker.name} stopped after ${failures.length} failures: ${error}`);
            // Not restarted until a settings change (or never, until the daemon restarts).
            if (!(await ctx.settingsChanged.wait(signal).then(() => true, () => false))) return;
            failures = [];
            delay = 1000;
            ctx.status.update((s) => void ((s.workers[worker.name] ??= { restarts: 0 }).failed = false));
            ctx.problems.clear(workerProblemId(worker.name));
            ctx.log.info({ worker: worker.name }, `settings changed: restarting the ${worker.name}`);
            continue;
          }
          ctx.log.error({ worker: worker.name, err: error }, `worker ${worker.name} crashed: ${error}; restarting in ${delay / 1000}s`);
          ctx.status.update((s) => void (s.workers[worker.name] ??= { restarts: 0 }).restarts++);
          await ctx.clock.sleep(delay, signal).catch(() => undefined);
          delay = Math.min(delay * 2, 60_000);
        }
      }
    }),
  );
}
