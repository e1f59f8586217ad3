// The assistant's settings, read from git config (arbor.assistant.*) with documented defaults.

import type { Git } from '../git/git.js';
import { UsageError } from '../util/errors.js';
import { readNetworkLimits, type NetworkLimits } from '../remotes/network-limits.js';

/** Every knob of the assistant. */
export interface AssistantSettings {
  /** Commit when no change arrived for this long (ms). arbor.assistant.quietms, default 100 (editors' temp+rename saves finish well within it). */
  readonly quietMs: number;
  /** Commit at the latest this long after the first pending change, even under constant writes. default 3000. */
  readonly maxDelayMs: number;
  /** At most this many files per commit. default 5000. */
  readonly maxBatch: number;
  /** Cron expression for retrying failed pushes. arbor.assistant.retry, default every 30 minutes. */
  readonly retrySchedule: string;
  /** Cron expression for fetching remotes that cannot push to us. arbor.assistant.fetch, default every 15 minutes. */
  readonly fetchSchedule: string;
  /** Minutes between full rescans of the work tree (0: never). arbor.assistant.rescan, default 60. */
  readonly rescanMinutes: number;
  /** Program to run after a sync that changed something. arbor.assistant.hook. */
  readonly hook: string | undefined;
  /** Watcher backend: auto, chokidar or parcel. arbor.assistant.watcher, default auto. */
  readonly watcher: 'auto' | 'chokidar' | 'parcel';
  /** Add large files unlocked (as git-annex's assistant does). arbor.assistant.unlocked, default true. */
  readonly unlocked: boolean;
  /** Send new content to remotes. arbor.assistant.content, default true. */
  readonly content: boolean;
  /** Time-outs of fetches, pushes and ssh connections, and the first retry wait (arbor.network.*). */
  readonly network: NetworkLimits;
}

async function num(git: Git, key: string, dflt: number): Promise<number> {
  const v = await git.configGet(key);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`git config ${key}=${v} is not a number`);
  return n;
}

async function bool(git: Git, key: string, dflt: boolean): Promise<boolean> {
  const v = await git.configGetBool(key);
  return v ?? dflt;
}

/** Reads the settings; a malformed value is a one-line error naming the key. */
export async function readSettings(git: Git, validateCron: (expr: string) => boolean): Promise<AssistantSettings> {
  const cron = async (key: string, dflt: string): Promise<string> => {
    const v = (await git.configGet(key)) ?? dflt;
    if (!validateCron(v)) throw new UsageError(`git config ${key}=${v} is not a valid cron expression`);
    return v;
  };
  const watcher = (await git.configGet('arbor.assistant.watcher')) ?? 'auto';
  if (watcher !== 'auto' && watcher !== 'chokidar' && watcher !== 'parcel') {
    throw new UsageError(`git config arbor.assistant.watcher=${watcher}: use auto, chokidar or parcel`);
  }
  return {
    quietMs: await num(git, 'arbor.assistant.quietms', 100),
    maxDelayMs: await num(git, 'arbor.assistant.maxdelayms', 3000),
    maxBatch: await num(git, 'arbor.assistant.maxbatch', 5000),
    retrySchedule: await cron('arbor.assistant.retry', '*/30 * * * *'),
    fetchSchedule: await cron('arbor.assistant.fetch', '*/15 * * * *'),
    rescanMinutes: await num(git, 'arbor.assistant.rescan', 60),
    hook: (await git.configGet('arbor.assistant.hook')) || undefined,
    watcher,
    unlocked: await bool(git, 'arbor.assistant.unlocked', true),
    content: await bool(git, 'arbor.assistant.content', true),
    network: await readNetworkLimits(git),
  };
}
