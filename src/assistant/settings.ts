// The assistant's settings: every git config key the daemon uses, read with one `git config` call and validated in one place.
//
// Keys (docs/design/assistant.md, "Settings", and the README's configuration table):
//   arbor.assistant.quietms, maxdelayms, maxbatch, retry, fetch, rescan, hook, watcher, unlocked, content, notify, noticecommand
//   arbor.network.stallseconds, timeoutseconds, retryseconds
//   arbor.drives.usb
//   arbor.transfers.slots, ratelimit, schedule; annex.bwlimit; remote.<name>.arbor-ratelimit / annex-bwlimit
// A bad value is one SettingsError naming the key, the value and what is allowed. The daemon
// refuses to start with one, and keeps its previous settings when one appears while it runs
// (settings-store.ts).

import type { Git } from '../git/git.js';
import { ArborError } from '../util/errors.js';
import { TRANSFER_CONFIG_PATTERN, transferSettingsFromConfig, type TransferSettings } from '../transfers/transfer-config.js';
import { networkLimitsFrom, type NetworkLimits } from '../remotes/network-limits.js';

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
  /** Work (a change to commit, a commit to push, a remote out of reach) that waits longer than this is reported as stalled (ms). arbor.assistant.stallseconds, default 600. */
  readonly stallMs: number;
  /** Program to run after a sync that changed something. arbor.assistant.hook. */
  readonly hook: string | undefined;
  /** Watcher backend: auto, chokidar or parcel. arbor.assistant.watcher, default auto. */
  readonly watcher: 'auto' | 'chokidar' | 'parcel';
  /** Add large files unlocked (as git-annex's assistant does). arbor.assistant.unlocked, default true. */
  readonly unlocked: boolean;
  /** Send new content to remotes. arbor.assistant.content, default true. */
  readonly content: boolean;
  /**
   * Listen for change notices from remotes (git-annex-shell notifychanges over ssh, a watch on a
   * local remote's refs) and fetch at once when one comes. arbor.assistant.notify, default true.
   */
  readonly notify: boolean;
  /**
   * A program kept running by the daemon (through the shell) whose every output line names a
   * remote that changed (a line `*` or an empty line: all of them): the hook point for other
   * notifiers. arbor.assistant.noticecommand, unset by default.
   */
  readonly noticeCommand: string | undefined;
  /** Sync with USB drives when they are plugged in. arbor.drives.usb, default true. */
  readonly usbDrives: boolean;
  /** Transfer slots and rate limits (arbor.transfers.*, annex.bwlimit, remote.<name>.*-ratelimit). */
  readonly transfers: TransferSettings;
  /** Time-outs of fetches, pushes and ssh connections, and the first retry wait (arbor.network.*). */
  readonly network: NetworkLimits;
}

/** A setting in git config has a value the assistant cannot use. */
export class SettingsError extends ArborError {
  constructor(key: string, value: string, allowed: string) {
    super('EBADCONFIG', `git config ${key}=${value} ${allowed}`, { data: { key, value } });
    this.name = 'SettingsError';
  }
}

/** Every key the settings are made of, as one `git config --get-regexp` pattern. */
export const SETTINGS_CONFIG_PATTERN = `^(arbor\\.assistant\\..*|arbor\\.network\\..*|arbor\\.drives\\.usb|annex\\.sshcaching)$|${TRANSFER_CONFIG_PATTERN}`;

/** Config entries as `git config --get-regexp` lists them (key names in lower case). */
export type ConfigEntries = ReadonlyArray<readonly [string, string]>;

/** Whether a cron expression is valid (node-cron's validate in the daemon). */
export type CronValidator = (expr: string) => boolean;

function integer(values: ReadonlyMap<string, string>, key: string, dflt: number, min: number): number {
  const v = values.get(key);
  if (v === undefined) return dflt;
  const n = /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new SettingsError(key, v, `is not a number: use a whole number${min > 0 ? ` of at least ${min}` : ' (0 or more)'}`);
  if (n < min) throw new SettingsError(key, v, `is too small: use a whole number of at least ${min}`);
  return n;
}

/** A boolean the way git reads one (git-config(1), "Values"); a bare key reads as '' here, so as false. */
function bool(values: ReadonlyMap<string, string>, key: string, dflt: boolean): boolean {
  const v = values.get(key);
  if (v === undefined) return dflt;
  const t = v.trim().toLowerCase();
  if (['true', 'yes', 'on'].includes(t)) return true;
  if (['false', 'no', 'off', ''].includes(t)) return false;
  if (/^-?\d+$/.test(t)) return Number(t) !== 0;
  throw new SettingsError(key, v, 'is not a boolean: use true or false');
}

/** A command line to run through the shell; unset means none, and a blank one is a mistake worth telling. */
function command(values: ReadonlyMap<string, string>, key: string): string | undefined {
  const v = values.get(key);
  if (v === undefined) return undefined;
  if (v.trim() === '') throw new SettingsError(key, v, 'is empty: give a command, or unset the key');
  return v;
}

/**
 * The settings made of config entries (later entries win, as with `git config --get`). Pure;
 * throws a SettingsError for the first bad value, naming the key, the value and what is allowed.
 */
export function settingsFromConfig(entries: ConfigEntries, validateCron: CronValidator): AssistantSettings {
  const values = new Map<string, string>();
  for (const [k, v] of entries) values.set(k, v);
  const cron = (key: string, dflt: string): string => {
    const v = values.get(key) ?? dflt;
    if (!validateCron(v)) throw new SettingsError(key, v, 'is not a valid cron expression (e.g. "*/15 * * * *")');
    return v;
  };
  const watcher = values.get('arbor.assistant.watcher') ?? 'auto';
  if (watcher !== 'auto' && watcher !== 'chokidar' && watcher !== 'parcel') {
    throw new SettingsError('arbor.assistant.watcher', watcher, 'is not a watcher: use auto, chokidar or parcel');
  }
  return {
    quietMs: integer(values, 'arbor.assistant.quietms', 100, 0),
    maxDelayMs: integer(values, 'arbor.assistant.maxdelayms', 3000, 0),
    maxBatch: integer(values, 'arbor.assistant.maxbatch', 5000, 1),
    retrySchedule: cron('arbor.assistant.retry', '*/30 * * * *'),
    fetchSchedule: cron('arbor.assistant.fetch', '*/15 * * * *'),
    rescanMinutes: integer(values, 'arbor.assistant.rescan', 60, 0),
    stallMs: integer(values, 'arbor.assistant.stallseconds', 600, 1) * 1000,
    hook: values.get('arbor.assistant.hook') || undefined,
    watcher,
    unlocked: bool(values, 'arbor.assistant.unlocked', true),
    content: bool(values, 'arbor.assistant.content', true),
    notify: bool(values, 'arbor.assistant.notify', true),
    noticeCommand: command(values, 'arbor.assistant.noticecommand'),
    usbDrives: bool(values, 'arbor.drives.usb', true),
    transfers: transferSettingsFromConfig(entries),
    network: networkLimitsFrom((k) => values.get(k)),
  };
}

/** Reads the config entries the settings are made of (one `git config --get-regexp`). */
export function readSettingsEntries(git: Pick<Git, 'configGetRegexp'>): Promise<Array<[string, string]>> {
  return git.configGetRegexp(SETTINGS_CONFIG_PATTERN);
}

/** Reads and validates the settings; a malformed value is a one-line SettingsError naming the key. */
export async function readSettings(git: Pick<Git, 'configGetRegexp'>, validateCron: CronValidator): Promise<AssistantSettings> {
  return settingsFromConfig(await readSettingsEntries(git), validateCron);
}

/** Keys whose value differs between two entry lists, as "key=new (was old)" for a log line. */
export function describeConfigChange(before: ConfigEntries, after: ConfigEntries): string[] {
  const last = (entries: ConfigEntries): Map<string, string> => new Map(entries.map(([k, v]) => [k, v]));
  const a = last(before);
  const b = last(after);
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const was = a.get(key);
    const now = b.get(key);
    if (was === now) continue;
    out.push(now === undefined ? `${key} unset (was ${was})` : was === undefined ? `${key}=${now}` : `${key}=${now} (was ${was})`);
  }
  return out;
}
