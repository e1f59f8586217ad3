// One transfer as a person reads it: direction, file, remote, percent, rate and time left; and what waits in the queue.

/** The fields of a running transfer that its line shows. */
export interface TransferLineInput {
  readonly file: string;
  readonly remote: string;
  readonly direction: 'upload' | 'download';
  readonly done: number;
  readonly total: number | undefined;
  readonly bytesPerSecond?: number;
}

/** Bytes in binary units, one decimal: "12.3 MiB". */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Seconds as "42s", "3m05s" or "2h07m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** "to origin: big.iso 45% of 700.0 MiB, 3.1 MiB/s, 2m10s left" (parts unknown yet are left out). */
export function transferLine(t: TransferLineInput): string {
  const where = `${t.direction === 'upload' ? 'to' : 'from'} ${t.remote}`;
  const parts: string[] = [];
  if (t.total !== undefined && t.total > 0) parts.push(`${Math.min(100, Math.floor((t.done / t.total) * 100))}% of ${formatBytes(t.total)}`);
  else parts.push(formatBytes(t.done));
  const rate = t.bytesPerSecond;
  if (rate !== undefined && rate > 0) {
    parts.push(`${formatBytes(rate)}/s`);
    if (t.total !== undefined && t.total >= t.done) parts.push(`${formatDuration((t.total - t.done) / rate)} left`);
  }
  return `${where}: ${t.file} ${parts.join(', ')}`;
}

/** The lines for the queue: how many wait, and the first few of them. */
export function waitingLines(queued: number, waiting: ReadonlyArray<{ file: string; remote: string; direction: 'upload' | 'download' }>, paused: boolean): string[] {
  if (queued === 0) return [];
  const lines = [`queued: ${queued}${paused ? ' (held by the pause; git arbor transfers resume)' : ''}`];
  for (const w of waiting) lines.push(`  waiting: ${w.direction === 'upload' ? 'to' : 'from'} ${w.remote}: ${w.file}`);
  if (queued > waiting.length && waiting.length > 0) lines.push(`  and ${queued - waiting.length} more`);
  return lines;
}
