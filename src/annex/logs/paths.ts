// The catalogue of git-annex branch file names and which log format each uses (Logs.hs, doc/internals.mdwn).

/** Repository UUIDs and their descriptions (uuid-based). */
export const UUID_LOG = 'uuid.log';
/** Special remote settings (uuid-based; values parsed by remote-config.ts). */
export const REMOTE_LOG = 'remote.log';
/** Trust levels: `1` trusted, `0` untrusted, `?` semitrusted, `X` dead (uuid-based). */
export const TRUST_LOG = 'trust.log';
/** Space-separated group names per repository (uuid-based). */
export const GROUP_LOG = 'group.log';
/** The numcopies setting (single-value). */
export const NUMCOPIES_LOG = 'numcopies.log';
/** The mincopies setting (single-value). */
export const MINCOPIES_LOG = 'mincopies.log';
/** Repository-wide git config settings, `git annex config --set` (map). */
export const CONFIG_LOG = 'config.log';
/** Preferred content expressions per repository, `git annex wanted` (uuid-based). */
export const PREFERRED_CONTENT_LOG = 'preferred-content.log';
/** Required content expressions per repository, `git annex required` (uuid-based). */
export const REQUIRED_CONTENT_LOG = 'required-content.log';
/** Preferred content expressions per group, `git annex groupwanted` (map). */
export const GROUP_PREFERRED_CONTENT_LOG = 'group-preferred-content.log';
/** Scheduled jobs per repository (uuid-based). */
export const SCHEDULE_LOG = 'schedule.log';
/** Tuning differences recorded at init; repositories that differ refuse to merge (uuid-based). */
export const DIFFERENCE_LOG = 'difference.log';
/** Last activity (e.g. fsck) per repository (uuid-based). */
export const ACTIVITY_LOG = 'activity.log';
/** Multicast settings per repository (uuid-based). */
export const MULTICAST_LOG = 'multicast.log';
/** Export trees per special remote (new-style uuid log: `T from:to tree…`, a map log). */
export const EXPORT_LOG = 'export.log';
/** Pending branch transitions from `git annex forget` (its own format). */
export const TRANSITIONS_LOG = 'transitions.log';

/** Suffix of a location log, after the escaped key file name. */
export const LOCATION_LOG_EXT = '.log';
/** Suffix of a url log (a presence log of URLs). */
export const URL_LOG_EXT = '.log.web';
/** Suffix of a chunk log (map log keyed by `uuid:chunksize`). */
export const CHUNK_LOG_EXT = '.log.cnk';
/** Suffix of a remote state log (new-style uuid log). */
export const REMOTE_STATE_LOG_EXT = '.log.rmt';
/** Suffix of a remote content identifier log (new-style uuid log). */
export const CONTENT_IDENTIFIER_LOG_EXT = '.log.cid';
/** Suffix of a metadata log. */
export const METADATA_LOG_EXT = '.log.met';
/** Suffix of a remote metadata log. */
export const REMOTE_METADATA_LOG_EXT = '.log.rmet';

/**
 * How a branch file is read and written: `location` and `url` are presence logs (presence.ts),
 * `uuid-based` old-style UUID logs (uuid-based.ts), `single-value` (single-value.ts), `map`
 * (map-log.ts); `other` covers metadata, transitions and unknown files, which are only union-merged.
 */
export type LogVariety = 'location' | 'url' | 'uuid-based' | 'single-value' | 'map' | 'other';

const UUID_BASED = new Set([
  UUID_LOG,
  REMOTE_LOG,
  TRUST_LOG,
  GROUP_LOG,
  PREFERRED_CONTENT_LOG,
  REQUIRED_CONTENT_LOG,
  SCHEDULE_LOG,
  ACTIVITY_LOG,
  DIFFERENCE_LOG,
  MULTICAST_LOG,
]);
const SINGLE_VALUE = new Set([NUMCOPIES_LOG, MINCOPIES_LOG]);
const MAP = new Set([CONFIG_LOG, GROUP_PREFERRED_CONTENT_LOG, EXPORT_LOG]);
const MAP_EXTS = [CHUNK_LOG_EXT, REMOTE_STATE_LOG_EXT, CONTENT_IDENTIFIER_LOG_EXT];
const OTHER_EXTS = [METADATA_LOG_EXT, REMOTE_METADATA_LOG_EXT];

/** A file name that starts like a key: backend name, optional `-field`s, then `--`. Full parsing is key.ts's job. */
const KEY_LIKE = /^[^-/]+(?:-[^-/]+)*--/;

/** Options for logVariety. */
export interface LogVarietyOptions {
  /**
   * Directory levels of the branch hash (2 = `xxx/yyy/`, the default; 1 with
   * `annex.tune.branchhash1`). A `.log` file is a location log only at exactly this depth.
   */
  readonly hashLevels?: number;
}

/** Which log format a git-annex branch path uses (Logs.hs `getLogVariety`). */
export function logVariety(branchPath: string, options: LogVarietyOptions = {}): LogVariety {
  if (UUID_BASED.has(branchPath)) return 'uuid-based';
  if (SINGLE_VALUE.has(branchPath)) return 'single-value';
  if (MAP.has(branchPath)) return 'map';
  if (MAP_EXTS.some((ext) => branchPath.endsWith(ext))) return 'map';
  if (OTHER_EXTS.some((ext) => branchPath.endsWith(ext))) return 'other';
  const parts = branchPath.split('/');
  const name = parts[parts.length - 1] ?? '';
  if (name.endsWith(URL_LOG_EXT)) return KEY_LIKE.test(name) ? 'url' : 'other';
  const depth = (options.hashLevels ?? 2) + 1;
  if (name.endsWith(LOCATION_LOG_EXT) && parts.length === depth && KEY_LIKE.test(name)) return 'location';
  return 'other';
}
