// Times shown to people: the local time zone, never epoch milliseconds.

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `ms` (since the epoch) as local time "YYYY-MM-DD HH:MM:SS", for human output. */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * `ms` as ISO 8601 in local time with its UTC offset, "YYYY-MM-DDTHH:MM:SS.mmm+02:00" (or "Z" in
 * UTC): readable by people and by any ISO 8601 parser, for JSON output and log files.
 */
export function formatLocalIso(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${formatLocalTime(ms).replace(' ', 'T')}.${pad(d.getMilliseconds(), 3)}${zone}`;
}

/** A short local time for status lines: "14:02" when `t` is on the same day as `now`, else "2026-12-03 14:02". */
export function formatLocalShort(now: number, t: number): string {
  const d = new Date(t);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return new Date(now).toDateString() === d.toDateString() ? hm : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}
