// The assistant's shared state: its dependencies and every channel between workers (like git-annex's AssistantData).

import type { Annex } from '../annex/annex.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';
import { KeyedWorkSet, Pool, Signal } from '../util/channel.js';
import type { FsChange, WatcherHealth } from './watch/watcher.js';
import type { AssistantSettings } from './settings.js';
import type { DaemonStatus } from './daemon-status.js';
import type { Problems } from './problems.js';
import { Lanes } from './lanes.js';
import { Reachability } from './reachability.js';
import { MergedRefs } from './merged-refs.js';

/** A remote whose last push failed, for the retrier. */
export interface FailedPush {
  /** When it first failed (ms). */
  readonly since: number;
  /** Failed attempts so far. */
  readonly attempts: number;
  /** Earliest time to try again (ms), growing with attempts. */
  readonly nextTry: number;
}

/** An order for the transferrer from outside it (the status page): hold or release transfers, or cancel some. */
export type TransferCommand =
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'cancel'; readonly key: string; readonly remote?: string; readonly direction?: 'upload' | 'download' };

/**
 * Everything workers share. Workers never import each other: they meet only here.
 *
 * | channel | written by | read by |
 * |---|---|---|
 * | changes | watcher | committer |
 * | rescan | watcher (startup, periodic), retrier | committer |
 * | commits | committer, merger | pusher |
 * | failedPushes | pusher | retrier |
 * | remotesChanged | merger (refs watch, scheduled fetch), retrier | merger |
 * | transfers | committer, merger | transferrer |
 * | transferCommands | the web worker (page buttons) | transferrer |
 * | settingsChanged | the daemon's settings store (git config changed validly) | committer, transferrer, supervisor |
 * | reachability | merger, pusher, retrier, drive-watcher | all of them; status |
 * | reachability.contacts | reachability (reached again, returned from away), inventory (start) | inventory |
 *
 * `lanes` is not a channel: it runs each remote's network work in its own queue.
 */
export interface AssistantContext {
  readonly annex: Annex;
  readonly branch: string;
  /**
   * The settings in force now: in the daemon a getter on its SettingsStore, so a valid change to
   * git config shows here at once. Read it where it is used, not once at start.
   */
  readonly settings: AssistantSettings;
  /**
   * Notified after `settings` changed. Wakes those waiting at that moment (Signal): a worker
   * that re-arms something (a timer, a cron task, slots) waits on it, and since it may be busy
   * when the change lands, it also compares `settings` with what it armed at its next turn.
   */
  readonly settingsChanged: Signal;
  /** Conditions that need the user: raise(id, message) / clear(id) (problems.ts). */
  readonly problems: Problems;
  readonly clock: Clock;
  readonly log: Log;
  readonly status: DaemonStatus;
  /** File-system changes not yet committed. */
  readonly changes: Pool<FsChange>;
  /** Asks the committer to check the whole work tree (startup scan, periodic rescan, watcher trouble). */
  readonly rescan: Signal;
  /** HEAD or the git-annex branch moved: push. */
  readonly commits: Signal;
  /** Remotes whose push failed, by name. */
  readonly failedPushes: KeyedWorkSet<string, FailedPush>;
  /** Remotes to fetch and merge from now (by name; empty name = our own synced/ refs changed). */
  readonly remotesChanged: Pool<string>;
  /** Work-tree paths whose content may need to move (new local files, files merged from peers). */
  readonly transfers: Pool<string>;
  /** Pause, resume and cancel orders from the status page, applied by the transferrer at once. */
  readonly transferCommands: Pool<TransferCommand>;
  /** Per-remote lanes: fetch, push and retries of one remote never wait on another remote. */
  readonly lanes: Lanes;
  /** One reachability state per remote (reachable / unreachable with back-off / away), shown in status. */
  readonly reachability: Reachability;
  /** The refs each merge pass last ran from to the end (an idle fetch then merges nothing). */
  readonly mergedRefs: MergedRefs;
  /** The watcher's current health (for status). */
  watcherHealth?: WatcherHealth;
}

/**
 * A fresh lane set and reachability state for a context (the daemon's, or a test's). `settings`
 * is read on each failure, so the retry wait follows arbor.network.retryseconds as settings change.
 */
export function remoteLanes(deps: Pick<AssistantContext, 'clock' | 'log' | 'status'>, settings: () => AssistantSettings): Pick<AssistantContext, 'lanes' | 'reachability'> {
  return { lanes: new Lanes(), reachability: new Reachability({ ...deps, retryMs: () => settings().network.retryMs }) };
}

/** The channels of a context, fresh and empty (the daemon's, or a test's running one worker). */
export function assistantChannels(): Pick<AssistantContext, 'changes' | 'rescan' | 'commits' | 'failedPushes' | 'remotesChanged' | 'transfers' | 'transferCommands' | 'settingsChanged' | 'mergedRefs'> {
  return {
    transferCommands: new Pool<TransferCommand>(),
    mergedRefs: new MergedRefs(),
    settingsChanged: new Signal(),
    changes: new Pool<FsChange>(),
    rescan: new Signal(),
    commits: new Signal(),
    failedPushes: new KeyedWorkSet<string, FailedPush>(),
    remotesChanged: new Pool<string>(),
    transfers: new Pool<string>(),
  };
}
