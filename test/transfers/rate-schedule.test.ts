// Rates and time-of-day schedules: parsing as git-annex reads sizes, round trips, windows over midnight.
import '../helpers/env.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRate, formatSchedule, localMinuteOfDay, parseRate, parseSchedule, scheduledRate } from '../../src/transfers/rate-schedule.js';

test('rates read like annex.bwlimit sizes, per second; unlimited spellings', () => {
  assert.equal(parseRate('1MiB'), 1 << 20);
  assert.equal(parseRate('1MiB/s'), 1 << 20);
  assert.equal(parseRate('1MB/s'), 1_000_000);
  assert.equal(parseRate(' 500 kB/s '), 500_000);
  assert.equal(parseRate('8Mbit'), 1_000_000, 'bits are eighths of bytes, as git-annex reads them');
  assert.equal(parseRate('4096'), 4096, 'no unit is bytes');
  for (const u of ['unlimited', 'none', 'off', '0', 'Unlimited']) assert.equal(parseRate(u), Infinity, u);
  for (const bad of ['fast', '1 parsec', '-5MB', '', 'Infinity']) assert.throws(() => parseRate(bad), { code: 'EBADRATE' }, bad);
});

test('formatRate round-trips through parseRate', () => {
  for (const r of [Infinity, 1, 999, 1024, 1536, 3 << 20, 1_000_000, 12_345_678, 7 * 1024]) assert.equal(parseRate(formatRate(r)), r, String(r));
  assert.equal(formatRate(1 << 20), '1MiB/s');
});

test('schedules: windows in local time, first match wins, ends wrap past midnight', () => {
  const s = parseSchedule('00:00-07:00 unlimited; 22:00-02:00 100KiB/s, 12:00-13:30 1MiB');
  assert.deepEqual(s, [
    { start: 0, end: 420, rate: Infinity },
    { start: 1320, end: 120, rate: 100 * 1024 },
    { start: 720, end: 810, rate: 1 << 20 },
  ]);
  const at = (h: number, m = 0): number | undefined => scheduledRate(s, h * 60 + m);
  assert.equal(at(0), Infinity, 'first match: 00:00 is in both the night window and the wrapping one');
  assert.equal(at(6, 59), Infinity);
  assert.equal(at(7), undefined, 'the end is excluded');
  assert.equal(at(12, 0), 1 << 20);
  assert.equal(at(13, 29), 1 << 20);
  assert.equal(at(13, 30), undefined);
  assert.equal(at(23, 10), 100 * 1024, 'inside the wrapping window before midnight');
  assert.equal(scheduledRate(parseSchedule('08:00-08:00 1MiB'), 3), 1 << 20, 'equal start and end: all day');
  assert.equal(scheduledRate(parseSchedule('18:00-24:00 1KiB'), 23 * 60 + 59), 1024, '24:00 ends at midnight');
  assert.deepEqual(parseSchedule(''), []);
});

test('formatSchedule round-trips through parseSchedule', () => {
  for (const text of ['00:00-07:00 unlimited', '22:30-06:15 1KiB/s, 09:05-17:00 2MiB/s', '18:00-24:00 100B/s']) {
    const s = parseSchedule(text);
    assert.equal(formatSchedule(s), text);
    assert.deepEqual(parseSchedule(formatSchedule(s)), s);
  }
});

test('bad schedules name what is wrong', () => {
  for (const bad of ['7-9 1MiB', '00:00-07:00', '25:00-07:00 1MiB', '00:60-07:00 1MiB', '24:00-07:00 1MiB', '00:00-07:00 warp']) {
    assert.throws(() => parseSchedule(bad), { code: 'EBADRATE' }, bad);
  }
});

test('localMinuteOfDay reads local time', () => {
  assert.equal(localMinuteOfDay(new Date(2024, 0, 15, 3, 25).getTime()), 205);
  assert.equal(localMinuteOfDay(new Date(2024, 6, 1, 23, 59, 59).getTime()), 1439);
});
