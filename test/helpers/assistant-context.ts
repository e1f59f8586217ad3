// An assistant context on a real repository for running one worker (or one round of it) in-process, with its log captured.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import cron from 'node-cron';
import { pino } from 'pino';
import { openAnnex } from '../../src/annex/annex.js';
import { assistantChannels, remoteLanes, type AssistantContext } from '../../src/assistant/context.js';
import { DaemonStatus } from '../../src/assistant/daemon-status.js';
import { readSettings } from '../../src/assistant/settings.js';
import { Problems } from '../../src/assistant/problems.js';
import type { Signal } from '../../src/util/channel.js';
import { systemClock } from '../../src/util/clock.js';
import type { Log } from '../../src/util/log.js';
import { tempDir } from './tmp.js';

/** A context, the log lines written through it, and a close that stops its git processes. */
export interface TestAssistantContext {
  readonly ctx: AssistantContext;
  readonly logs: Array<{ level: number; msg: string }>;
  close(): Promise<void>;
}

/** Builds the context the daemon would build for `repo` (branch main, settings from its git config). */
export async function assistantContext(repo: string): Promise<TestAssistantContext> {
  const annex = await openAnnex(repo);
  const logs: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _e, cb) {
      logs.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
      cb();
    },
  });
  const log: Log = pino({ level: 'info' }, stream);
  const status = new DaemonStatus({ file: join(tempDir('arbor-status-'), 'status.json'), now: () => Date.now(), pid: process.pid });
  const ctx: AssistantContext = {
    annex,
    branch: 'main',
    settings: await readSettings(annex.git, (e) => cron.validate(e)),
    clock: systemClock,
    log,
    status,
    problems: new Problems({ log, now: () => Date.now(), status }),
    ...assistantChannels(),
    ...remoteLanes({ clock: systemClock, log, status }, () => ctx.settings),
  };
  return { ctx, logs, close: () => annex.close() };
}

/** Whether `signal` was notified and not yet consumed (consumes it; waits 50 ms at most). */
export async function signalled(signal: Signal): Promise<boolean> {
  const c = new AbortController();
  const t = setTimeout(() => c.abort(), 50);
  try {
    await signal.wait(c.signal);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(t);
  }
}
