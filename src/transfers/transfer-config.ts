// Transfer settings from git config (slots, rate limits, schedule) and the rate limiters they make.
//
// arbor.transfers.slots           parallel transfers of the assistant per remote (default 2)
// arbor.transfers.ratelimit       limit for all transfers together, both directions (else annex.bwlimit)
// arbor.transfers.schedule        time-of-day windows overriding that limit, e.g. "00:00-07:00 unlimited"
// remote.<name>.arbor-ratelimit   limit for transfers to and from one remote (else remote.<name>.annex-bwlimit)
//
// git-annex reads annex.bwlimit and remote.<name>.annex-bwlimit (git-annex(1), "annex.bwlimit") for
// the same purpose, so a repository configured for git-annex is limited the same way under arbor.

import type { Clock } from '../util/clock.js';
import { ArborError } from '../util/errors.js';
import type { Throttle } from '../remotes/remote.js';
import { acquire, scheduledRateSource, TokenBucket, type RateLimiter } from './rate-limit.js';
import { InvalidRateError, parseRate, parseSchedule, type Rate, type RateSchedule } from './rate-schedule.js';

/** Parallel transfer slots when arbor.transfers.slots is unset. */
export const DEFAULT_SLOTS = 2;

/** The configured transfer settings. */
export interface TransferSettings {
  readonly slots: number;
  /** The global limit outside schedule windows (Infinity: none). */
  readonly rate: Rate;
  readonly schedule: RateSchedule;
  /** Per-remote limits by remote name. */
  readonly remoteRates: ReadonlyMap<string, Rate>;
}

/** A transfer setting in git config cannot be read. */
export class TransferConfigError extends ArborError {
  constructor(key: string, value: string, why: string) {
    super('EBADCONFIG', `git config ${key}=${value}: ${why}`, { data: { key, value } });
  }
}

/** The git config keys the settings are read from, as one `git config --get-regexp` pattern. */
export const TRANSFER_CONFIG_PATTERN = '^(arbor\\.transfers\\.(slots|ratelimit|schedule)|annex\\.bwlimit|remote\\..*\\.(arbor-ratelimit|annex-bwlimit))$';

function rateOf(key: string, value: string): Rate {
  try {
    return parseRate(value);
  } catch (err) {
    throw new TransferConfigError(key, value, err instanceof InvalidRateError ? err.message : String(err));
  }
}

/**
 * Settings from config entries as `git config --get-regexp` lists them (section and key names in
 * lower case, remote names as written). Later entries win, as with `git config --get`.
 */
export function transferSettingsFromConfig(entries: ReadonlyArray<readonly [string, string]>): TransferSettings {
  const last = new Map<string, string>();
  for (const [k, v] of entries) last.set(k, v);
  const slotsText = last.get('arbor.transfers.slots');
  let slots = DEFAULT_SLOTS;
  if (slotsText !== undefined) {
    slots = Number(slotsText.trim());
    if (!Number.isInteger(slots) || slots < 1) throw new TransferConfigError('arbor.transfers.slots', slotsText, 'expected a whole number of at least 1');
  }
  const globalKey = last.has('arbor.transfers.ratelimit') ? 'arbor.transfers.ratelimit' : 'annex.bwlimit';
  const globalText = last.get(globalKey);
  const rate = globalText === undefined ? Infinity : rateOf(globalKey, globalText);
  const scheduleText = last.get('arbor.transfers.schedule') ?? '';
  let schedule: RateSchedule;
  try {
    schedule = parseSchedule(scheduleText);
  } catch (err) {
    throw new TransferConfigError('arbor.transfers.schedule', scheduleText, err instanceof Error ? err.message : String(err));
  }
  const remoteRates = new Map<string, Rate>();
  // annex-bwlimit first so that arbor-ratelimit, when both are set, wins.
  for (const suffix of ['.annex-bwlimit', '.arbor-ratelimit']) {
    for (const [k, v] of last) {
      if (!k.startsWith('remote.') || !k.endsWith(suffix)) continue;
      remoteRates.set(k.slice('remote.'.length, -suffix.length), rateOf(k, v));
    }
  }
  return { slots, rate, schedule, remoteRates };
}

/** Reads the settings from a repository's git config. */
export async function loadTransferSettings(git: { configGetRegexp(pattern: string): Promise<Array<[string, string]>> }): Promise<TransferSettings> {
  return transferSettingsFromConfig(await git.configGetRegexp(TRANSFER_CONFIG_PATTERN));
}

/**
 * The limiters of one repository: one global bucket (following the schedule) and one per limited
 * remote. Rates are read at every reservation, so `update` (a live settings change) applies to
 * the next chunk of every running transfer (a remote that had no limit of its own gets one from
 * its next transfer on).
 */
export class TransferLimits {
  readonly #global: RateLimiter;
  #settings: TransferSettings;
  /** The global rate now, from the settings in force (rebuilt by update). */
  #globalRate: () => Rate;
  readonly #clock: Pick<Clock, 'now' | 'sleep'>;
  /** Buckets of remotes with their own limit, made on first use; each reads its rate from `#settings`. */
  readonly #remotes = new Map<string, RateLimiter>();

  constructor(settings: TransferSettings, clock: Pick<Clock, 'now' | 'sleep'>) {
    this.#settings = settings;
    this.#clock = clock;
    this.#globalRate = scheduledRateSource({ base: settings.rate, schedule: settings.schedule, clock });
    this.#global = new TokenBucket({ rate: () => this.#globalRate() });
  }

  /** Follows new settings (slots are the engine's business; rates and schedule are applied here). */
  update(settings: TransferSettings): void {
    this.#settings = settings;
    this.#globalRate = scheduledRateSource({ base: settings.rate, schedule: settings.schedule, clock: this.#clock });
  }

  /** The limiters a transfer to or from `remote` must satisfy. */
  limitersFor(remote: string): RateLimiter[] {
    // A remote without a limit of its own needs no bucket (one limited later gets it for its next transfers).
    if ((this.#settings.remoteRates.get(remote) ?? Infinity) === Infinity) return [this.#global];
    let bucket = this.#remotes.get(remote);
    if (!bucket) {
      bucket = new TokenBucket({ rate: () => this.#settings.remoteRates.get(remote) ?? Infinity });
      this.#remotes.set(remote, bucket);
    }
    return [this.#global, bucket];
  }

  /** A throttle for transfers with `remote`, or undefined when nothing could ever limit them. */
  throttleFor(remote: string, signal?: AbortSignal): Throttle | undefined {
    const s = this.#settings;
    if (s.rate === Infinity && s.schedule.every((w) => w.rate === Infinity) && (s.remoteRates.get(remote) ?? Infinity) === Infinity) return undefined;
    const limiters = this.limitersFor(remote);
    const clock = this.#clock;
    return (chunk) => acquire(limiters, chunk.length, { clock, ...(signal ? { signal } : {}) });
  }
}

/** Picks the throttle for transfers with a remote (by name). */
export type ThrottleFor = (remote: string) => Throttle | undefined;

/** What configuredThrottle needs of an open repository. */
interface ConfiguredRepo {
  readonly git: { configGetRegexp(pattern: string): Promise<Array<[string, string]>> };
  readonly deps: { readonly clock: Pick<Clock, 'now' | 'sleep'> };
}

/** One TransferLimits per open repository, so transfers of one command share the global limit. */
const limitsByRepo = new WeakMap<ConfiguredRepo, Promise<TransferLimits>>();

/**
 * The configured limits of an open repository as a ThrottleFor; read from git config once per
 * repository object. Content commands use it when the caller brings no throttle of its own.
 */
export async function configuredThrottle(repo: ConfiguredRepo): Promise<ThrottleFor> {
  let limits = limitsByRepo.get(repo);
  if (!limits) {
    limits = loadTransferSettings(repo.git).then((s) => new TransferLimits(s, repo.deps.clock));
    limitsByRepo.set(repo, limits);
  }
  const l = await limits;
  return (remote) => l.throttleFor(remote);
}
