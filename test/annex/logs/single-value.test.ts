// Single-value logs (numcopies.log, mincopies.log): greatest (timestamp, value) wins.
import '../../helpers/env.js';
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARBOR_ROOT } from '../../helpers/env.js';
import { formatSingleValueLog, parseSingleValueLog, setSingleValueLog } from '../../../src/annex/logs/single-value.js';
import { logVariety } from '../../../src/annex/logs/paths.js';
import { parseVectorClock } from '../../../src/annex/vector-clock.js';
import type { VectorClock } from '../../../src/annex/vector-clock.js';

const BASIC = join(ARBOR_ROOT, 'test', 'fixtures', 'branch', 'basic');
const clock = (text: string): VectorClock => parseVectorClock(text) as VectorClock;

test('the newest line wins whatever the order', () => {
  assert.deepEqual(parseSingleValueLog('300s 4\n100s 2\n200.5s 3\n'), { value: '4', date: clock('300') });
  assert.deepEqual(parseSingleValueLog('100s 2\n300s 4\n'), { value: '4', date: clock('300') });
});

test('on equal clocks the greater value wins; integers compare as numbers', () => {
  assert.equal(parseSingleValueLog('5s 9\n5s 10\n')?.value, '10');
  assert.equal(parseSingleValueLog('5s 10\n5s 9\n')?.value, '10');
  assert.equal(parseSingleValueLog('5s b\n5s a\n')?.value, 'b');
});

test('tolerant: \\r\\n, missing s, unreadable lines skipped; empty log has no value', () => {
  assert.deepEqual(parseSingleValueLog('\r\n100 2\r\nnonsense\r\n999x 7\r\n'), { value: '2', date: clock('100') });
  assert.equal(parseSingleValueLog(''), undefined);
  assert.equal(parseSingleValueLog('garbage\n'), undefined);
});

test('accept() skips values git-annex cannot read, so they do not hide older good ones', () => {
  const onlyNumbers = { accept: (v: string): boolean => /^\d+$/.test(v) };
  assert.equal(parseSingleValueLog('100s 2\n200s many\n', onlyNumbers)?.value, '2');
  assert.equal(parseSingleValueLog('100s 2\n200s many\n')?.value, 'many');
});

test('format then parse gives the same value and clock', () => {
  for (const [value, date] of [
    ['2', '1795361480.382159969'],
    ['0', '1900000000'],
    ['a b', '1.5'],
    ['', '7'],
  ] as const) {
    assert.deepEqual(parseSingleValueLog(formatSingleValueLog(value, clock(date))), { value, date: clock(date) });
  }
});

test('setSingleValueLog writes one line, with the clock-skew rule', () => {
  assert.equal(setSingleValueLog('100s 2\n300.25s 5\n', { value: '3', now: clock('400') }), '400s 3\n');
  assert.equal(setSingleValueLog('100s 2\n300.25s 5\n', { value: '3', now: clock('200') }), '301.25s 3\n');
  assert.equal(setSingleValueLog('', { value: '1', now: clock('1') }), '1s 1\n');
});

test('golden: numcopies.log and mincopies.log as git-annex wrote them', () => {
  for (const [file, value, date] of [
    ['numcopies.log', '3', '1900000000'],
    ['mincopies.log', '2', '1900000000.12'],
  ] as const) {
    assert.equal(logVariety(file), 'single-value');
    const text = readFileSync(join(BASIC, file), 'utf8');
    assert.deepEqual(parseSingleValueLog(text), { value, date: clock(date) });
    assert.equal(formatSingleValueLog(value, clock(date)), text);
  }
});
