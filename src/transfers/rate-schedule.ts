// Rates and time-of-day rate schedules as written in git config: pure parse, format and lookup.
//
// A rate is a size per second read the way git-annex reads annex.bwlimit ("1MiB", "500kB/s";
// Utility/DataUnits.hs via ../annex/data-units.ts), or "unlimited" (also "none", "off", "0").
// A schedule is a list of windows "HH:MM-HH:MM RATE" separated by ',' or ';', for example
// "00:00-07:00 unlimited, 18:00-23:00 200KiB/s". Times are local. A window includes its start
// and excludes its end; an end at or before the start wraps past midnight ("22:00-06:00"), and
// equal times mean the whole day. The first window containing a moment gives its rate; outside
// every window the configured base rate applies.

import { parseDataSize } from '../annex/data-units.js';
import { ArborError } from '../util/errors.js';

/** Bytes per second; Infinity means no limit. */
export type Rate = number;

/** One window of a schedule, in minutes after local midnight. */
export interface ScheduleWindow {
  /** First minute inside the window, 0..1439. */
  readonly start: number;
  /** First minute after the window, 0..1440; at or before `start` the window wraps past midnight. */
  readonly end: number;
  readonly rate: Rate;
}

/** Windows in the order written (the first match wins). */
export type RateSchedule = readonly ScheduleWindow[];

/** A rate or schedule that cannot be read. */
export class InvalidRateError extends ArborError {
  constructor(text: string, why: string) {
    super('EBADRATE', `cannot read "${text}" as a transfer rate: ${why}`, { data: { text } });
  }
}

const UNLIMITED = new Set(['unlimited', 'none', 'off', '0']);
const MIB = 1 << 20;
const KIB = 1 << 10;

/** Reads a rate ("1MiB/s", "500kB", "unlimited"); throws InvalidRateError. */
export function parseRate(text: string): Rate {
  const t = text.trim();
  if (UNLIMITED.has(t.toLowerCase())) return Infinity;
  const bytes = parseDataSize(t);
  if (bytes === undefined) throw new InvalidRateError(text, 'expected a size per second such as 1MiB/s, or unlimited');
  if (!Number.isFinite(bytes) || bytes < 0) throw new InvalidRateError(text, 'a rate must be a finite, positive size');
  return bytes === 0 ? Infinity : bytes;
}

/** Writes a rate so that parseRate reads it back exactly. */
export function formatRate(rate: Rate): string {
  if (rate === Infinity) return 'unlimited';
  if (rate % MIB === 0) return `${rate / MIB}MiB/s`;
  if (rate % KIB === 0) return `${rate / KIB}KiB/s`;
  return `${rate}B/s`;
}

function parseTime(text: string, whole: string, allowEndOfDay: boolean): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(text);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  if (!m || min > 59 || h > 24 || (h === 24 && (min !== 0 || !allowEndOfDay))) {
    throw new InvalidRateError(whole, `"${text}" is not a time of day (HH:MM)`);
  }
  return h * 60 + min;
}

/** Reads a schedule; the empty string is the empty schedule. Throws InvalidRateError. */
export function parseSchedule(text: string): RateSchedule {
  const windows: ScheduleWindow[] = [];
  for (const part of text.split(/[,;]/)) {
    const entry = part.trim();
    if (entry === '') continue;
    const m = /^(\S+)-(\S+)\s+(.+)$/.exec(entry);
    if (!m) throw new InvalidRateError(text, `"${entry}" is not "HH:MM-HH:MM rate"`);
    const start = parseTime(m[1] ?? '', text, false);
    const end = parseTime(m[2] ?? '', text, true);
    windows.push({ start, end, rate: parseRate(m[3] ?? '') });
  }
  return windows;
}

function formatTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Writes a schedule so that parseSchedule reads it back exactly. */
export function formatSchedule(schedule: RateSchedule): string {
  return schedule.map((w) => `${formatTime(w.start)}-${formatTime(w.end)} ${formatRate(w.rate)}`).join(', ');
}

/** Whether `minute` (after local midnight) falls inside the window. */
export function inWindow(window: ScheduleWindow, minute: number): boolean {
  if (window.start === window.end) return true;
  if (window.start < window.end) return minute >= window.start && minute < window.end;
  return minute >= window.start || minute < window.end;
}

/** The rate the schedule sets at `minute` after local midnight, or undefined outside every window. */
export function scheduledRate(schedule: RateSchedule, minute: number): Rate | undefined {
  return schedule.find((w) => inWindow(w, minute))?.rate;
}

/** Minutes after local midnight at the epoch time `ms`. */
export function localMinuteOfDay(ms: number): number {
  const d = new Date(ms);
  return d.getHours() * 60 + d.getMinutes();
}
