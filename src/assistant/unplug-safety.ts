// Whether a drive can be unplugged now: nothing being written to or read from it, nothing waiting for it, and every copy counted on it (pure).

/** What the assistant knows about one drive at one moment (gathered by web/drives.ts). */
export interface DriveFacts {
  /** Its repository's directory exists (the drive is plugged in). */
  readonly present: boolean;
  /** Transfers with it in flight now (held ones by a pause included: their partial file is open on it). */
  readonly running: ReadonlyArray<{ readonly file: string; readonly direction: 'upload' | 'download' }>;
  /** Uploads to it waiting in the queue. */
  readonly queuedUploads: number;
  /** Downloads waiting in the queue: they name no remote, and take the content from the cheapest that has it, which may be this drive. */
  readonly queuedDownloads: number;
  /** When the sync it started as it was plugged in began, while that sync runs. */
  readonly syncingSince?: number;
  /**
   * Whether the drive's git-annex branch contains this repository's (the records of every copy,
   * those on the drive included, are on the drive too); undefined when it cannot be read.
   */
  readonly recordsCounted: boolean | undefined;
  /** Whether the drive's branch (or its synced/ branch) contains this repository's HEAD; undefined when it cannot be read. */
  readonly commitsCounted: boolean | undefined;
}

/** The answer the page shows: `yes`, `no` with the reasons, or `unplugged` (it is not there). */
export interface UnplugAnswer {
  readonly safe: 'yes' | 'no' | 'unplugged';
  /** Why not, one line each (empty when `yes`). */
  readonly reasons: readonly string[];
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The answer for one drive. `yes` only when every condition holds: nothing moves to or from it,
 * nothing waits that could start to, the sync it started when plugged in has ended, and its
 * git-annex branch and branch contain this repository's, so what was copied to it is recorded
 * on it and here. Anything unknown counts against: the answer errs towards "wait".
 */
export function unplugAnswer(f: DriveFacts): UnplugAnswer {
  if (!f.present) return { safe: 'unplugged', reasons: ['not plugged in'] };
  const reasons: string[] = [];
  for (const t of f.running) reasons.push(t.direction === 'upload' ? `writing ${t.file} to it` : `reading ${t.file} from it`);
  if (f.syncingSince !== undefined) reasons.push('the sync it started when plugged in is still running');
  if (f.queuedUploads > 0) reasons.push(`${plural(f.queuedUploads, 'file waits', 'files wait')} to be copied to it`);
  if (f.queuedDownloads > 0) reasons.push(`${plural(f.queuedDownloads, 'download waits', 'downloads wait')}, which may read from it`);
  if (f.recordsCounted === false) reasons.push('its git-annex branch lacks the latest records of where copies are (the next push brings them)');
  else if (f.recordsCounted === undefined) reasons.push('its git-annex branch cannot be read');
  if (f.commitsCounted === false) reasons.push('its branch lacks the latest commit (the next push brings it)');
  else if (f.commitsCounted === undefined) reasons.push('its branch cannot be read');
  return { safe: reasons.length === 0 ? 'yes' : 'no', reasons };
}
